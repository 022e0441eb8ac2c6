"""Planner QA: a shop that shut for a week or more last year is forecast closed on the same dates."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from features.calendar import CalendarConfig, Closure
from tests.training.forecast.shop import START, small_events, small_items, tiny_config
from training.forecast.closures import annual_closed, closure_runs, open_share
from training.forecast.config import WEEKLY, ForecastConfig
from training.forecast.history import prepare, top_items
from training.forecast.pipeline import TrainResult, train_forecast_folder
from training.forecast.runtime import KEYS
from training.forecast.windows import training_rows

CLOSED_FROM, CLOSED_TO = START + pd.Timedelta(days=10), START + pd.Timedelta(days=20)  # Thu 2023-01-12 .. Sun 01-22
N_ITEMS = 10


def test_a_closure_is_a_long_run_without_sales_between_trading_days() -> None:
    total = np.array([3.0] * 5 + [0.0] * 7 + [2.0] * 3 + [0.0] * 6 + [1.0] + [0.0] * 9)
    assert closure_runs(total, 7) == [(5, 11)]  # the 6-day run is too short; the run at the end is not over
    assert closure_runs(total, 6) == [(5, 11), (15, 20)]
    assert closure_runs(total, 0) == []
    assert closure_runs(np.zeros(10), 3) == []  # no sale at all: nothing to call a closure


def test_the_dates_a_year_after_a_closure_are_closed() -> None:
    first = pd.Timestamp("2023-01-02")
    days = pd.date_range("2024-01-10", "2024-01-24", freq="D")
    closed = annual_closed(days, first, [(10, 20)])
    assert list(days[closed].strftime("%m-%d")) == [f"01-{d}" for d in range(12, 23)]


def test_a_week_keeps_the_share_of_its_trading_days_still_open() -> None:
    first = pd.Timestamp("2023-01-02")  # a Monday
    total = np.tile([5.0, 5.0, 5.0, 5.0, 5.0, 0.0, 4.0], 60)  # Saturdays never trade
    total[10:21] = 0.0  # shut 2023-01-12 .. 2023-01-22
    weeks = pd.DatetimeIndex(["2024-01-08", "2024-01-15", "2024-01-22", "2024-01-29"])
    share = open_share(total, first, total.size, weeks, 7, weekday_weeks=8, min_closure_days=7)
    # Fri 12 and Sun 14 of six trading days; the whole week; Monday 22; an ordinary week
    np.testing.assert_allclose(share, [4 / 6, 0.0, 5 / 6, 1.0])
    days = pd.date_range("2024-01-11", periods=3, freq="D")  # Thu 11 open, Fri 12 shut, Sat 13 never trades
    np.testing.assert_array_equal(open_share(total, first, total.size, days, 1, weekday_weeks=8,
                                             min_closure_days=7), [1.0, 0.0, 0.0])
    early = open_share(total, first, 20, weeks, 7, weekday_weeks=8, min_closure_days=7)
    np.testing.assert_array_equal(early, 1.0)  # point in time: at day 20 the shop had not reopened yet
    off = open_share(total, first, total.size, weeks, 7, weekday_weeks=8, min_closure_days=0)
    np.testing.assert_array_equal(off, 1.0)


def _shop() -> pd.DataFrame:
    events = small_events(n_items=N_ITEMS, days=362)
    shut = (events["timestamp"] >= CLOSED_FROM) & (events["timestamp"] < CLOSED_TO + pd.Timedelta(days=1))
    return events[~shut].reset_index(drop=True)


def _config(annual_closure_days: int) -> ForecastConfig:
    cfg = tiny_config()
    specs = {f: replace(s, annual_closure_days=annual_closure_days) for f, s in cfg.specs.items()}
    return replace(cfg, train_items=N_ITEMS, specs=specs)


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[TrainResult, TrainResult]:
    events = _shop()
    items = small_items(N_ITEMS)
    on = train_forecast_folder(events, items=items, config=_config(7), folder=tmp_path_factory.mktemp("on"))
    no_repeat = replace(_config(7), calendar=CalendarConfig(repeat_closures=False))  # the calendar file's switch
    off = train_forecast_folder(events, items=items, config=no_repeat, folder=tmp_path_factory.mktemp("off"))
    return on, off


def test_served_forecasts_close_last_years_closure_and_scale_its_weeks(trained: tuple[TrainResult, TrainResult]) -> None:
    on, off = trained
    daily = on.forecasts["D"]
    shut = (daily.dates >= CLOSED_FROM.tz_localize(None) + pd.DateOffset(years=1)) & (
        daily.dates <= CLOSED_TO.tz_localize(None) + pd.DateOffset(years=1))
    assert shut.sum() == 11
    for key in KEYS:  # items, categories and the shop total
        np.testing.assert_array_equal(daily.values[key][:, shut], 0.0)
    assert (daily.values["mean"][:, ~shut].sum(axis=1) > 0).all()
    weekly_on, weekly_off = on.forecasts["W"], off.forecasts["W"]
    share = np.ones(len(weekly_on.dates))
    share[weekly_on.dates == pd.Timestamp("2024-01-08")] = 4 / 7  # this shop trades every day
    share[weekly_on.dates == pd.Timestamp("2024-01-15")] = 0.0
    share[weekly_on.dates == pd.Timestamp("2024-01-22")] = 6 / 7
    assert (share < 1).sum() == 3
    for key in KEYS:
        np.testing.assert_allclose(weekly_on.values[key], weekly_off.values[key] * share, rtol=1e-9, atol=1e-9)
    served = np.load(on.folder / "forecast_W.npz")
    np.testing.assert_array_equal(served["mean"][:, share == 0], 0.0)


def test_days_the_shop_names_are_closed_without_any_history() -> None:
    weeks = pd.DatetimeIndex(["2024-03-04", "2024-03-11"])
    given = frozenset(pd.date_range("2024-03-06", "2024-03-07").date)  # Wednesday and Thursday
    share = open_share(None, pd.Timestamp("2023-01-02"), 0, weeks, 7, weekday_weeks=8, min_closure_days=7,
                       given=given)
    np.testing.assert_allclose(share, [5 / 7, 1.0])


def test_a_planned_closure_in_the_calendar_is_forecast_shut(tmp_path_factory: pytest.TempPathFactory) -> None:
    events = small_events(n_items=N_ITEMS, days=280)  # 2023-01-02 .. 2023-10-08: forecasts from 2023-10-09
    planned = CalendarConfig(closures=(Closure("2023-10-16", "2023-10-22"), Closure("2023-10-26", "2023-10-26")))
    cfg = replace(_config(7), calendar=planned)
    on = train_forecast_folder(events, items=small_items(N_ITEMS), config=cfg, folder=tmp_path_factory.mktemp("plan"))
    weekly, daily = on.forecasts["W"], on.forecasts["D"]
    assert weekly.dates[0] == pd.Timestamp("2023-10-09")
    for key in KEYS:
        np.testing.assert_array_equal(weekly.values[key][:, 1], 0.0)  # the week of 2023-10-16
    assert (weekly.values["mean"][:, [0, 2]] > 0).all()
    shut = daily.dates.isin(pd.date_range("2023-10-16", "2023-10-22").append(pd.DatetimeIndex(["2023-10-26"])))
    assert shut.sum() == 8
    np.testing.assert_array_equal(daily.values["mean"][:, shut], 0.0)
    assert (daily.values["mean"][:, ~shut].sum(axis=1) > 0).all()


def test_a_past_closure_in_the_calendar_keeps_its_days_out_of_training() -> None:
    events = small_events(n_items=4, days=200)
    cut = pd.Timestamp("2023-07-17")
    hist = prepare(events, as_of=cut, freq="W", ids=top_items(events, as_of=cut, n=4)).history
    past = CalendarConfig(closures=(Closure("2023-05-01", "2023-05-03"),)).calendar()
    plain = training_rows(hist, WEEKLY, 8, CalendarConfig().calendar(), hist.y.shape[1])
    shut = training_rows(hist, WEEKLY, 8, past, hist.y.shape[1])
    assert (plain["_ds"] == pd.Timestamp("2023-05-01")).sum() > 0
    assert (shut["_ds"] == pd.Timestamp("2023-05-01")).sum() == 0  # that week is not a full open week
    assert len(plain) - len(shut) == (plain["_ds"] == pd.Timestamp("2023-05-01")).sum()
