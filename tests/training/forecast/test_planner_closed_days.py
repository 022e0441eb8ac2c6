"""Planner QA: a weekday the shop has not traded on lately gets no daily forecast, served or evaluated."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.training.forecast.shop import START, small_events, small_items, tiny_config
from training.forecast.backtest import SHOPML
from training.forecast.closures import closed_weekdays
from training.forecast.evaluate import evaluate
from training.forecast.pipeline import TrainResult, train_forecast_folder
from training.forecast.runtime import KEYS

SATURDAY = 5


@pytest.fixture(scope="module")
def no_saturdays() -> pd.DataFrame:
    """The small shop, closed on Saturdays except one early Saturday (like Online Retail II's 2009-12-05)."""
    events = small_events()
    day = events["timestamp"].dt.dayofweek
    early = events["timestamp"] < START + pd.Timedelta(days=14)
    return events[(day != SATURDAY) | early].reset_index(drop=True)


@pytest.fixture(scope="module")
def trained(no_saturdays: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> TrainResult:
    return train_forecast_folder(no_saturdays, items=small_items(), config=tiny_config(),
                                 folder=tmp_path_factory.mktemp("closed-days"))


def test_closed_weekdays_are_the_weekdays_without_a_sale_in_each_recent_week() -> None:
    first = pd.Timestamp("2026-01-05")  # a Monday
    total = np.tile([5.0, 5.0, 5.0, 5.0, 5.0, 0.0, 2.0], 10)
    assert closed_weekdays(total, first, 70, 8) == {SATURDAY}
    total[63 + SATURDAY] = 1.0  # one Saturday with a sale in the last 8 weeks: open
    assert closed_weekdays(total, first, 70, 8) == frozenset()
    assert closed_weekdays(total, first, 63, 8) == {SATURDAY}  # point in time: that sale is after origin 63
    assert closed_weekdays(total, first, 50, 8) == frozenset()  # fewer than 8 weeks of history
    assert closed_weekdays(total, first + pd.Timedelta(days=1), 63, 8) == {6}  # bucket 0 is a Tuesday
    assert closed_weekdays(total, first, 63, 0) == frozenset()


def test_served_daily_forecasts_are_zero_on_closed_days_and_weeks_spread_over_open_days(trained: TrainResult) -> None:
    daily, weekly = trained.forecasts["D"], trained.forecasts["W"]
    saturday = daily.dates.dayofweek == SATURDAY
    assert saturday.any()
    for key in KEYS:  # every item, category and the total
        np.testing.assert_array_equal(daily.values[key][:, saturday], 0.0)
    assert (daily.values["mean"][:, ~saturday].sum(axis=1) > 0).all()
    served = np.load(trained.folder / "forecast_D.npz")
    np.testing.assert_array_equal(served["p90"][:, saturday], 0.0)
    n = len(daily.prepared.history.ids)
    for w, monday in enumerate(weekly.dates):
        days = (daily.dates >= monday) & (daily.dates < monday + pd.Timedelta(days=7))
        if days.sum() == 7:  # the week's weekly mean lies on its six open days
            np.testing.assert_allclose(daily.values["mean"][:n, days].sum(axis=1), weekly.values["mean"][:n, w])


def test_evaluated_daily_forecasts_close_the_same_days(no_saturdays: pd.DataFrame) -> None:
    cutoff = str((START + pd.Timedelta(days=224)).date())  # a Monday, 8 weeks before the end
    results = evaluate(no_saturdays, cutoff=cutoff, freqs=["W", "D"], horizon=None, top=12,
                       items=small_items(), config=tiny_config())
    frame = results["D"].forecasts
    own = frame[frame["model"] == SHOPML]
    saturday = pd.to_datetime(own["ds"]).dt.dayofweek == SATURDAY
    assert saturday.any() and (own.loc[saturday, "y"] == 0).all()
    np.testing.assert_array_equal(own.loc[saturday, list(KEYS)].to_numpy(), 0.0)
    assert (own.loc[~saturday, "mean"] > 0).any()
    peers = frame[(frame["model"] == "mean_4w") & (pd.to_datetime(frame["ds"]).dt.dayofweek == SATURDAY)]
    assert (peers["mean"] > 0).any()  # the peers are left as they are



def test_a_shop_open_every_day_has_no_closed_day() -> None:
    total = np.tile([5.0, 5.0, 5.0, 5.0, 5.0, 1.0, 2.0], 10)
    assert closed_weekdays(total, pd.Timestamp("2026-01-05"), 70, 8) == frozenset()
