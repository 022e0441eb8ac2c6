"""Paired bootstrap intervals of shopml-vs-peer figures."""

from __future__ import annotations

import numpy as np
import pytest

from training.evaluation.bootstrap import paired_interval, ratio_of_sums_interval


def test_an_exact_ratio_has_no_spread() -> None:
    base = np.random.default_rng(0).random(300)
    low, high = ratio_of_sums_interval(1.2 * base, base)
    assert low == pytest.approx(1.2) and high == pytest.approx(1.2)


def test_interval_brackets_the_estimate_and_narrows_with_more_units() -> None:
    rng = np.random.default_rng(1)

    def width(n: int) -> tuple[float, float, float]:
        peer = rng.random(n)
        mine = peer * 1.1 + rng.normal(0.0, 0.3, n)
        low, high = ratio_of_sums_interval(mine, peer, draws=400)
        return low, mine.sum() / peer.sum(), high

    low, point, high = width(200)
    assert low < point < high
    low_big, _, high_big = width(5000)
    assert high_big - low_big < (high - low) / 3


def test_paired_interval_resamples_units_together() -> None:
    a = np.arange(100.0)
    low, high = paired_interval(lambda u: float((a[u] - a[u]).sum()), 100)  # paired: the difference is always 0
    assert low == high == 0.0


def test_too_few_units_give_no_interval() -> None:
    low, high = ratio_of_sums_interval(np.array([1.0]), np.array([1.0]))
    assert np.isnan(low) and np.isnan(high)
