"""Validation cutoffs never reach the test window; the p50 options fit, predict and stay ordered."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from tests.training.forecast.shop import START, small_events, tiny_config
from training.forecast.global_model import GlobalForecaster, _horizon_weight, _per_horizon_weights
from training.forecast.history import prepare, top_items
from training.forecast.tuning import score_configs, summary, validation_cutoffs
from training.forecast.windows import ewm_level, extra_stats


def test_validation_cutoffs_end_before_the_test_cutoff() -> None:
    cuts = validation_cutoffs("2010-10-04", horizon_weeks=8, count=3)
    assert [c.date().isoformat() for c in cuts] == ["2010-07-26", "2010-08-02", "2010-08-09"]
    assert all(c + pd.Timedelta(weeks=8) <= pd.Timestamp("2010-10-04") for c in cuts)
    with pytest.raises(ValueError, match="Monday"):
        validation_cutoffs("2010-10-05", horizon_weeks=8, count=1)


def test_ewm_level_weighs_recent_buckets_more() -> None:
    h = np.array([[0.0, 0.0, 0.0, 10.0], [10.0, 0.0, 0.0, 0.0]])
    lv = ewm_level(h, 0.5, 4)
    assert lv[0] > lv[1] > 0
    assert ewm_level(np.full((1, 5), 3.0), 0.3, 26)[0] == pytest.approx(3.0)
    feats = extra_stats(np.array([[0.0, 4.0, 0.0, 6.0]]), np.array([2.0]), 1)
    assert feats["median_selling_8w"][0] == pytest.approx(2.5)  # median of 4 and 6, over the level 2
    assert feats["sale_share_8w"][0] == pytest.approx(0.5)


def test_per_horizon_weights_pick_the_better_source() -> None:
    horizon = np.repeat([1, 2], 4)
    y = np.array([1.0, 2, 3, 4, 5, 5, 5, 5])
    model = np.array([1.0, 2, 3, 4, 0, 0, 0, 0])  # exact at horizon 1 only
    med = np.full(8, 5.0)  # exact at horizon 2 only
    weights = _per_horizon_weights(y, model, med, horizon)
    assert weights == (1.0, 0.0)
    np.testing.assert_allclose(_horizon_weight(0.5, weights, np.array([1.0, 2.0, 9.0])), [1.0, 0.0, 0.0])
    assert _horizon_weight(0.5, (), horizon) == 0.5


def test_p50_options_fit_and_predict_ordered_quantiles() -> None:
    events = small_events(n_items=12, days=250)
    as_of = START + pd.Timedelta(days=245)
    prep = prepare(events, as_of=as_of, freq="W", ids=top_items(events, as_of=as_of, n=12), future_buckets=8)
    cfg = replace(tiny_config(), p50_weight_by="level", p50_uncapped=True, p50_bag=2, p50_horizon_blend=True,
                  extra_features=True, p50_stack=True)
    end = prep.history.y.shape[1]
    model = GlobalForecaster(cfg.specs["W"], cfg).fit(prep.history, end, truth=prep.uncapped)
    assert isinstance(model.boosters_["q50"], list) and len(model.boosters_["q50"]) == 2
    assert len(model.calibration_.p50_weight_h) == cfg.specs["W"].horizon  # type: ignore[union-attr]
    assert "ewm_0.15" in model.features_
    assert all(abs(sum(w) - 1.0) < 1e-9 for w in model.calibration_.p50_stack)  # type: ignore[union-attr]
    pred = model.predict(prep.history, end, 8)
    assert (pred["p10"] <= pred["p50"]).all() and (pred["p50"] <= pred["p90"]).all()


def test_score_configs_reports_ratios_to_the_best_peer() -> None:
    events = small_events(n_items=10, days=280)
    cut = START + pd.Timedelta(weeks=32)
    scores = score_configs(events, [cut], {"tiny": tiny_config()}, top=6, statsforecast_peers=False)
    assert list(scores["config"]) == ["tiny"] and scores["wape_x"].iloc[0] > 0
    assert set(summary(scores).columns) >= {"wape_x", "rmsse_x", "pinball_x", "coverage"}


def test_simplex_grid_and_stack_recover_the_exact_component() -> None:
    from training.forecast.stacking import apply_stack, fit_stack, simplex_grid

    grid = simplex_grid(3, 4)
    assert len(grid) == 15 and np.allclose(grid.sum(axis=1), 1.0) and (grid >= 0).all()
    rng = np.random.default_rng(0)
    y = rng.poisson(5.0, 200).astype(float)
    inputs = np.column_stack([y + rng.normal(0, 2, 200), y, np.full(200, 5.0)])
    weights = fit_stack(y, inputs, steps=4)
    assert weights == (0.0, 1.0, 0.0)
    out = apply_stack(inputs, (weights, (1.0, 0.0, 0.0)), np.array([0] * 100 + [1] * 100))
    np.testing.assert_allclose(out[:100], y[:100])
    np.testing.assert_allclose(out[100:], np.maximum(inputs[100:, 0], 0.0))
