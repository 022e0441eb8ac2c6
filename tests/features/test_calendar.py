"""The holiday and festival calendar and calendar features."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from features.calendar import Festival, HolidayCalendar, black_friday, calendar_features, easter


def test_built_in_days() -> None:
    assert black_friday(2010) == date(2010, 11, 26)
    assert black_friday(2024) == date(2024, 11, 29)
    assert easter(2010) == date(2010, 4, 4)
    assert easter(2024) == date(2024, 3, 31)
    cal = HolidayCalendar.default()
    assert {"christmas", "black_friday", "f618", "double11", "spring_festival"} <= set(cal.names())
    sf = next(f for f in cal.festivals if f.name == "spring_festival")
    assert sf.day(2010) == date(2010, 2, 14)


def test_regions_filter() -> None:
    assert set(HolidayCalendar.default(["UK"]).names()) == {"christmas", "easter", "black_friday"}
    assert set(HolidayCalendar.default(["cn"]).names()) == {"f618", "double11", "spring_festival"}


def test_weekly_features_count_days_to_festivals() -> None:
    starts = pd.to_datetime(["2010-12-20", "2010-11-08", "2010-12-27"])
    f = calendar_features(starts, freq="W", calendar=HolidayCalendar.default())
    assert f["days_to_christmas"].tolist() == [5.0, 47.0, 120.0]
    assert f.loc[0, "in_christmas"] == pytest.approx(1.0)
    assert f.loc[1, "in_double11"] == pytest.approx(4 / 7)  # Nov 8..11 of Nov 8..14
    assert "day_of_week" not in f


def test_daily_features_and_custom_festival() -> None:
    custom = HolidayCalendar.from_records([{"name": "summer_sale", "dates": ["2024-07-01"], "days_before": 2}],
                                          base=HolidayCalendar.default(["UK"]))
    starts = pd.date_range("2024-06-28", "2024-07-02", freq="D")
    f = calendar_features(starts, freq="D", calendar=custom)
    assert f["in_summer_sale"].tolist() == [0.0, 1.0, 1.0, 1.0, 0.0]
    assert f["days_to_summer_sale"].tolist()[:4] == [3.0, 2.0, 1.0, 0.0]
    assert f["day_of_week"].tolist() == [4, 5, 6, 0, 1]


def test_bad_festival_and_freq() -> None:
    with pytest.raises(ValueError, match="identifier"):
        Festival("black friday", "UK", black_friday)
    with pytest.raises(ValueError, match="freq"):
        calendar_features(pd.to_datetime(["2024-01-01"]), freq="M")
