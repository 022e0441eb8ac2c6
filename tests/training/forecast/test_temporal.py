"""Daily forecasts rescaled so each shared complete week sums to the weekly mean."""

from __future__ import annotations

import numpy as np
import pandas as pd

from training.forecast.temporal import reconcile_days


def _daily(n_days: int, start: str) -> tuple[dict[str, np.ndarray], pd.DatetimeIndex]:
    rng = np.random.default_rng(0)
    mean = rng.uniform(0.5, 3.0, size=(3, n_days))
    mean[2, :] = 0.0  # a series the daily model gives no demand
    values = {"mean": mean, "p10": mean * 0.5, "p50": mean * 0.9, "p90": mean * 1.6}
    return values, pd.date_range(start, periods=n_days, freq="D")


def test_each_shared_complete_week_sums_to_the_weekly_mean() -> None:
    daily, days = _daily(16, "2026-01-08")  # a Thursday: the week of 01-05 has already begun
    weeks = pd.date_range("2026-01-05", periods=3, freq="7D")  # Mondays 01-05, 01-12, 01-19
    weekly = np.array([[70.0, 14.0, 7.0], [7.0, 21.0, 0.0], [5.0, 5.0, 5.0]])
    out = reconcile_days(daily, days, weekly, weeks)
    full = slice(4, 11)  # 01-12 .. 01-18
    np.testing.assert_allclose(out["mean"][:2, full].sum(axis=1), weekly[:2, 1])
    np.testing.assert_allclose(out["mean"][:, :4], daily["mean"][:, :4])  # the begun week is left alone
    np.testing.assert_allclose(out["mean"][:, 11:], daily["mean"][:, 11:])  # 01-19 .. 01-23: the week is not all in the table
    np.testing.assert_allclose(out["mean"][2], 0.0)  # no daily demand to rescale
    assert (out["p10"] <= out["p50"]).all() and (out["p50"] <= out["p90"]).all()
    share = daily["mean"][0, full] / daily["mean"][0, full].sum()
    np.testing.assert_allclose(out["mean"][0, full] / out["mean"][0, full].sum(), share)


def test_no_shared_week_changes_nothing() -> None:
    daily, days = _daily(6, "2026-01-06")
    out = reconcile_days(daily, days, np.ones((3, 2)), pd.date_range("2026-01-05", periods=2, freq="7D"))
    for key in daily:
        np.testing.assert_allclose(out[key], daily[key])
