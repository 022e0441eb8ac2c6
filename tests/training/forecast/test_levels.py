"""Reconciled category and shop-total forecasts."""

from __future__ import annotations

import numpy as np
import pytest

from training.forecast.aggregate import reconcile


def test_means_add_up_and_the_shape_survives_a_big_level_gap() -> None:
    item = {"mean": np.array([[100.0, 100.0], [128.8, 125.9]])}
    # the aggregate model's own run (e.g. after a festival spike) expects twice the items' level in week 1
    agg = {"mean": np.array([[446.3, 232.2]]), "p10": np.array([[86.4, 74.1]]),
           "p50": np.array([[224.4, 157.7]]), "p90": np.array([[643.4, 239.3]])}
    out = reconcile(item, agg, [np.array([0, 1])])
    np.testing.assert_allclose(out["mean"], [[228.8, 225.9]])
    ratio = 228.8 / 446.3
    assert out["p50"][0, 0] == pytest.approx(224.4 * ratio)  # not 224.4 - 217.5 = 6.9 (an additive shift)
    assert out["p10"][0, 0] == pytest.approx(86.4 * ratio) and out["p10"][0, 0] > 0
    assert (out["p10"] <= out["p50"]).all() and (out["p50"] <= out["p90"]).all()


def test_an_aggregate_forecast_of_zero_moves_up_with_its_items() -> None:
    item = {"mean": np.array([[3.0], [2.0]])}
    agg = {"mean": np.array([[0.0]]), "p10": np.array([[0.0]]), "p50": np.array([[0.0]]), "p90": np.array([[1.0]])}
    out = reconcile(item, agg, [np.array([0, 1])])
    assert out["mean"][0, 0] == 5.0
    assert out["p50"][0, 0] == 5.0 and out["p90"][0, 0] == 6.0


def test_the_mean_stays_inside_the_interval_when_the_heads_disagree() -> None:
    item = {"mean": np.array([[20.0, 20.0], [19.3, 19.3]])}
    # the aggregate model's own p90 is below its own mean (quantile and mean heads disagree)
    agg = {"mean": np.array([[40.0, 40.0]]), "p10": np.array([[20.0, 25.0]]),
           "p50": np.array([[30.0, 30.0]]), "p90": np.array([[37.0, 36.0]])}
    out = reconcile(item, agg, [np.array([0, 1])])
    assert (out["p10"] <= out["mean"]).all() and (out["mean"] <= out["p90"]).all()
    assert (out["p10"] <= out["p50"]).all() and (out["p50"] <= out["p90"]).all()
    np.testing.assert_allclose(out["p90"], out["mean"])  # raised to the mean, not beyond
