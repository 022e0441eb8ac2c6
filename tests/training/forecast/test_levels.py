"""Category and shop-total forecasts: bottom-up means, spread by the ratios measured on sums."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from training.forecast.aggregate import reconcile
from training.forecast.levels import level_spread, ratio_quantiles, rescaled


def test_means_add_up_and_quantiles_are_the_mean_times_the_level_ratios() -> None:
    item = {"mean": np.array([[100.0, 100.0], [128.8, 125.9], [10.0, 0.0]])}
    groups = [np.array([0, 1]), np.array([0, 1, 2])]  # one category, then the shop total
    out = reconcile(item, groups, category_ratios=(0.7, 0.95, 1.3), total_ratios=(0.8, 0.98, 1.2))
    np.testing.assert_allclose(out["mean"], [[228.8, 225.9], [238.8, 225.9]])
    np.testing.assert_allclose(out["p10"][0], np.array([228.8, 225.9]) * 0.7)
    np.testing.assert_allclose(out["p50"][1], np.array([238.8, 225.9]) * 0.98)
    np.testing.assert_allclose(out["p90"][1], np.array([238.8, 225.9]) * 1.2)


def test_the_ratios_keep_the_mean_inside_the_interval() -> None:
    assert ratio_quantiles(np.array([1.1, 1.2, 1.3, 1.4]))[0] == 1.0  # every sum sold above its mean
    assert ratio_quantiles(np.array([0.5, 0.6, 0.7]))[2] == 1.0
    assert ratio_quantiles(np.array([])) == (1.0, 1.0, 1.0)


def test_level_spread_measures_sums_per_category_origin_and_step_not_single_items() -> None:
    rng = np.random.default_rng(0)
    n_series, origins, steps = 40, 6, 4
    rows = pd.DataFrame([(s, o, k) for o in range(origins) for k in range(steps) for s in range(n_series)],
                        columns=["_series", "_origin", "_step"])
    mean = np.full(len(rows), 2.0)
    y = rng.poisson(2.0, len(rows)).astype(float)  # single items: often 0 or 4+, sums: close to the mean
    codes = np.where(np.arange(n_series) < 20, 0, -1)  # half the items have no category
    category, total = level_spread(rows, y, mean, codes)
    lo, mid, hi = total
    assert 0.8 < lo <= 1.0 <= hi < 1.2 and mid == pytest.approx(1.0, abs=0.1)
    c_lo, _, c_hi = category
    assert c_lo < lo and c_hi > hi  # 20 items spread wider than 40
    assert np.quantile(y / mean, 0.1) < 0.6  # the single-item ratios are far wider


def test_rescaled_moves_aggregates_to_a_new_mean_and_keeps_their_shape() -> None:
    agg = {"mean": np.array([[446.3, 0.0]]), "p10": np.array([[86.4, 0.0]]),
           "p50": np.array([[224.4, 0.0]]), "p90": np.array([[643.4, 1.0]])}
    out = rescaled(agg, np.array([[228.8, 5.0]]))
    ratio = 228.8 / 446.3
    assert out["p50"][0, 0] == pytest.approx(224.4 * ratio)  # not an additive shift to ~7
    assert out["p50"][0, 1] == 5.0 and out["p90"][0, 1] == 6.0  # zero demand moves up with the mean
    assert (out["p10"] <= out["mean"]).all() and (out["mean"] <= out["p90"]).all()
