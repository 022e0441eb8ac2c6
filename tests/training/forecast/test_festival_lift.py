"""The shop's festival lift from its previous occurrence, point in time, and the forecaster using it."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from features.calendar import Festival, HolidayCalendar
from training.forecast.festivals import MAX_LIFT, bucket_lifts, day_lifts

FIRST = pd.Timestamp("2024-01-01")
FEST = Festival.on_dates("sale", "custom", ["2024-06-18", "2025-06-18"], days_before=4, days_after=0)
CAL = HolidayCalendar((FEST,))


def _total(days: int = 560, lift: float = 3.0) -> np.ndarray:
    total = np.full(days, 10.0)
    start = (date(2024, 6, 14) - FIRST.date()).days
    total[start:start + 5] = 10.0 * lift  # the 2024 window: June 14..18
    return total


def test_this_years_window_takes_last_years_lift_over_its_baseline() -> None:
    days = pd.date_range("2025-06-10", "2025-06-22")
    lifts = pd.Series(day_lifts(_total(), FIRST, 500, days, CAL), index=days)
    np.testing.assert_allclose(lifts["2025-06-14":"2025-06-18"], 3.0)
    assert (lifts.drop(pd.date_range("2025-06-14", "2025-06-18")) == 1.0).all()
    week = bucket_lifts(_total(), FIRST, 500, pd.DatetimeIndex(["2025-06-16"]), 7, CAL)
    assert week[0] == pytest.approx((3 * 3.0 + 4) / 7)  # Mon 16..Wed 18 are in the window


def test_the_festival_day_keeps_its_own_spike_and_the_run_up_its_mean() -> None:
    total = _total(lift=2.0)
    total[(date(2024, 6, 18) - FIRST.date()).days] = 80.0  # the day itself sold 8x the baseline
    days = pd.date_range("2025-06-14", "2025-06-18")
    np.testing.assert_allclose(day_lifts(total, FIRST, 500, days, CAL), [2.0, 2.0, 2.0, 2.0, 8.0])


def test_a_lift_is_unknown_until_last_years_window_and_its_baseline_are_history() -> None:
    days = pd.date_range("2025-06-14", "2025-06-18")
    known_until_june_16_2024 = (date(2024, 6, 16) - FIRST.date()).days
    assert (day_lifts(_total(), FIRST, known_until_june_16_2024, days, CAL) == 1.0).all()
    late_start = pd.Timestamp("2024-05-01")  # fewer than 56 days before the 2024 window
    assert (day_lifts(_total()[(late_start - FIRST).days:], late_start, 400, days, CAL) == 1.0).all()
    assert (day_lifts(None, FIRST, 500, days, CAL) == 1.0).all()


def test_the_lift_is_clipped_and_the_shorter_window_wins_where_two_overlap() -> None:
    days = pd.date_range("2025-06-14", "2025-06-18")
    assert (day_lifts(_total(lift=40.0), FIRST, 500, days, CAL) == MAX_LIFT).all()
    wide = Festival.on_dates("season", "custom", ["2024-06-18", "2025-06-18"], days_before=30, days_after=0)
    both = day_lifts(_total(), FIRST, 500, days, HolidayCalendar((wide, FEST)))
    assert both == pytest.approx(np.full(5, 3.0))  # the 5-day window's lift, not the 31-day one's


def test_the_forecaster_lifts_a_festival_week_it_saw_once() -> None:
    from training.forecast.config import WEEKLY, ForecastConfig
    from training.forecast.global_model import GlobalForecaster
    from training.forecast.windows import History

    rng = np.random.default_rng(0)
    n, weeks = 30, 80  # 2024-01-01 .. 2025-07-07
    dates = pd.date_range(FIRST, periods=weeks, freq="7D")
    daily = np.tile(rng.poisson(5.0, (n, 1)).astype(float) + 3.0, (1, weeks * 7)) * rng.uniform(0.7, 1.3, (n, weeks * 7))
    window_2024 = slice((date(2024, 6, 14) - FIRST.date()).days, (date(2024, 6, 18) - FIRST.date()).days + 1)
    daily[:, window_2024] *= 4.0
    y = daily.reshape(n, weeks, 7).sum(axis=2)
    hist = History(ids=[f"i{k}" for k in range(n)], dates=dates, y=y, revenue=y * 2.0, total=y.sum(axis=0),
                   category_code=np.zeros(n, dtype=int), promo=np.zeros((n, weeks + 8)),
                   daily_total=daily.sum(axis=0))
    end = 71  # origin 2025-05-12: the 2025 window (June 14..18) is 5 weeks ahead
    cfg = ForecastConfig(n_estimators=20, min_child_samples=20, calendar=ForecastConfig().calendar)
    spec = WEEKLY.__class__(**{**WEEKLY.__dict__, "max_origins": 12})
    model = GlobalForecaster(spec, cfg, calendar=CAL).fit(hist.head(n), end)
    pred = model.predict(hist, end, 8).groupby("ds")["mean"].sum()
    festival_week, week_before = pd.Timestamp("2025-06-09"), pd.Timestamp("2025-06-02")
    # Mon 9..Sun 15: Sat 14 and Sun 15 fall in the window; Mon 16 .. Wed 18 too in the next week
    assert pred[festival_week] > 1.2 * pred[week_before]
    assert pred[pd.Timestamp("2025-06-16")] > 1.5 * pred[week_before]
