"""Calibration: it lowers the calibration error on a later holdout, and never sees labels after the as-of."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.training.churn.shop import FAST, START, small_events
from training.churn.anchor import level_shift, shifted
from training.churn.backtest import SHOPML, run_backtest
from training.churn.metrics import expected_calibration_error
from training.churn.model import Calibrator, ChurnModel


def _miscalibrated(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Raw probabilities too timid and too high: the true log-odds are 2 * raw log-odds - 1."""
    rng = np.random.default_rng(seed)
    z = rng.normal(0.0, 1.5, n)
    y = (rng.random(n) < 1 / (1 + np.exp(-(2 * z - 1)))).astype(int)
    return 1 / (1 + np.exp(-z)), y


@pytest.mark.parametrize("kind", ["platt", "isotonic"])
def test_calibration_lowers_the_error_on_a_later_holdout(kind: str) -> None:
    raw_fit, y_fit = _miscalibrated(4000, seed=1)
    raw_new, y_new = _miscalibrated(4000, seed=2)
    calibrator = Calibrator.fit(kind, raw_fit, y_fit)
    before = expected_calibration_error(y_new, raw_new)
    after = expected_calibration_error(y_new, calibrator.apply(raw_new))
    assert before > 0.05 and after < before / 2


def test_the_model_never_sees_labels_after_the_as_of(tmp_path: Path) -> None:
    """Shuffling who bought after the as-of changes the test labels, never the model's probabilities."""
    events, customers = small_events(n_customers=200, days=300)
    as_of = START + pd.Timedelta(days=210)
    config = replace(FAST, refit_all=True, n_seeds=2)
    first = run_backtest(events, as_of=as_of, config=config, customers=customers)
    later = events["timestamp"] >= as_of
    shuffled = events.copy()
    names = customers["customer_id"].to_numpy()
    rename = dict(zip(names, np.random.default_rng(0).permutation(names), strict=True))
    shuffled.loc[later, "customer_id"] = shuffled.loc[later, "customer_id"].map(rename)
    second = run_backtest(shuffled, as_of=as_of, config=config, customers=customers)
    assert not first.scores["churned"].equals(second.scores["churned"])
    np.testing.assert_allclose(first.scores[SHOPML], second.scores[SHOPML])
    horizon = pd.Timedelta(days=config.horizon_days)
    seen = [pd.Timestamp(d, tz="UTC") for d in first.model.trained_on_ + first.model.calibrated_on_]
    assert max(seen) + horizon <= as_of and first.model.calibrated_on_
    assert set(first.model.calibrated_on_) <= set(first.model.trained_on_)  # refit_all trains on them too
    # two seeds: saved and loaded as two boosters, SHAP contributions still add up to the raw log-odds
    first.model.save(tmp_path)
    loaded = ChurnModel.load(tmp_path)
    assert len(loaded.boosters_) == 2
    np.testing.assert_allclose(loaded.predict_proba(first.test), first.scores[SHOPML])
    contrib = loaded.contributions(first.test).sum(axis=1).to_numpy()
    np.testing.assert_allclose(contrib, loaded.margin(first.test), rtol=1e-6)


def test_level_shift_hits_the_target_mean_and_keeps_the_order() -> None:
    raw, _ = _miscalibrated(2000, seed=3)
    for target in (0.1, 0.5, 0.9):
        out = shifted(raw, level_shift(raw, target))
        assert np.mean(out) == pytest.approx(target, abs=1e-6)
        assert np.array_equal(np.argsort(out, kind="stable"), np.argsort(raw, kind="stable"))
    assert level_shift(raw, float("nan")) == 0.0 and level_shift(np.array([]), 0.4) == 0.0


def test_anchoring_on_an_unbiased_reference_lowers_the_error_after_a_drift() -> None:
    """Labels drift up after the training windows; a reference with the right level fixes the level."""
    rng = np.random.default_rng(4)
    z = rng.normal(0.0, 1.5, 5000)
    y = (rng.random(5000) < 1 / (1 + np.exp(-(z + 1.0)))).astype(int)  # the new window churns more
    p_model = 1 / (1 + np.exp(-z))  # right ranking, level of the old windows
    reference = 1 / (1 + np.exp(-(0.5 * z + 1.0)))  # a weaker ranking with the right overall level
    anchored = shifted(p_model, level_shift(p_model, float(reference.mean())))
    assert expected_calibration_error(y, anchored) < expected_calibration_error(y, p_model) / 2


def test_backtest_level_is_the_bgnbd_level_without_labels() -> None:
    events, customers = small_events(n_customers=200, days=300)
    as_of = START + pd.Timedelta(days=210)
    anchored = run_backtest(events, as_of=as_of, config=FAST, customers=customers)
    plain = run_backtest(events, as_of=as_of, config=replace(FAST, anchor="none"), customers=customers)
    bgnbd = anchored.test["p_no_purchase_h"]
    assert anchored.scores[SHOPML][bgnbd.notna()].mean() == pytest.approx(bgnbd.mean(), abs=1e-6)
    assert plain.model.level_shift_ == 0.0 and anchored.model.level_shift_ != 0.0
    assert anchored.table.loc[SHOPML, "ROC-AUC"] == pytest.approx(plain.table.loc[SHOPML, "ROC-AUC"])
