"""Demand series: buckets, levels, zero-filling and point-in-time behaviour."""

from __future__ import annotations

import pandas as pd
import pytest

from features.demand import TOTAL_ID, bucket_start, demand_series


def _events(rows: list[tuple[str, str, str, int]]) -> pd.DataFrame:
    return pd.DataFrame({
        "customer_id": ["c1"] * len(rows),
        "item_id": [r[0] for r in rows],
        "timestamp": pd.to_datetime([r[1] for r in rows], utc=True),
        "event_type": [r[2] for r in rows],
        "quantity": pd.Series([r[3] for r in rows], dtype="int64"),
        "price": 1.0,
        "order_id": None,
    })


EVENTS = _events([
    ("a", "2024-01-01 10:00", "purchase", 3),   # Monday, week 2024-01-01
    ("a", "2024-01-07 23:00", "purchase", 2),   # Sunday, same week
    ("b", "2024-01-03 09:00", "purchase", 5),
    ("a", "2024-01-16 12:00", "purchase", 4),   # week 2024-01-15 (week 2024-01-08 empty)
    ("a", "2024-01-17 12:00", "return", 1),
    ("b", "2024-01-17 12:00", "view", 9),
])


def test_weeks_start_on_monday_and_gaps_are_zero() -> None:
    s = demand_series(EVENTS, as_of="2024-01-22", freq="W")
    a = s[s["unique_id"] == "a"].set_index("ds")["y"]
    assert list(a.index) == list(pd.to_datetime(["2024-01-01", "2024-01-08", "2024-01-15"]))
    assert all(d.dayofweek == 0 for d in a.index)
    assert a.tolist() == [5.0, 0.0, 4.0]


def test_returns_and_views_are_not_demand() -> None:
    s = demand_series(EVENTS, as_of="2024-01-22", freq="W")
    assert s["y"].sum() == 3 + 2 + 5 + 4


def test_daily_buckets() -> None:
    s = demand_series(EVENTS, as_of="2024-01-04", freq="D", level="item")
    a = s[s["unique_id"] == "a"].set_index("ds")["y"]
    assert a.index.min() == pd.Timestamp("2024-01-01") and a.index.max() == pd.Timestamp("2024-01-03")
    assert a.tolist() == [3.0, 0.0, 0.0]


def test_total_and_category_levels_add_up() -> None:
    total = demand_series(EVENTS, as_of="2024-01-22", level="total")
    cats = demand_series(EVENTS, as_of="2024-01-22", level="category", categories={"a": "mugs"})
    assert set(total["unique_id"]) == {TOTAL_ID}
    assert set(cats["unique_id"]) == {"category:mugs", "category:unknown"}
    by_week = cats.groupby("ds")["y"].sum()
    assert by_week.tolist() == total.set_index("ds")["y"].tolist()


def test_items_filter_keeps_unsold_items_as_zero_series() -> None:
    s = demand_series(EVENTS, as_of="2024-01-22", items=["b", "zzz"])
    assert set(s["unique_id"]) == {"b", "zzz"}
    assert s[s["unique_id"] == "zzz"]["y"].eq(0).all()


def test_events_after_as_of_do_not_change_the_series() -> None:
    before = demand_series(EVENTS, as_of="2024-01-16", freq="D")
    later = _events([("a", "2024-01-16 00:00", "purchase", 100), ("c", "2024-02-01 08:00", "purchase", 7)])
    after = demand_series(pd.concat([EVENTS, later], ignore_index=True), as_of="2024-01-16", freq="D")
    pd.testing.assert_frame_equal(before.reset_index(drop=True), after.reset_index(drop=True))


def test_partial_last_week_is_included_up_to_as_of() -> None:
    s = demand_series(EVENTS, as_of="2024-01-16 12:00", freq="W", items=["a"])
    assert s["ds"].max() == pd.Timestamp("2024-01-15")
    assert s["y"].iloc[-1] == 0.0  # the purchase at 12:00 is not before as_of


def test_bucket_start_and_bad_arguments() -> None:
    ts = pd.Series(pd.to_datetime(["2024-01-07 23:59"], utc=True))
    assert bucket_start(ts, "W").iloc[0] == pd.Timestamp("2024-01-01")
    with pytest.raises(ValueError, match="freq"):
        demand_series(EVENTS, as_of="2024-01-22", freq="M")
    with pytest.raises(ValueError, match="level"):
        demand_series(EVENTS, as_of="2024-01-22", level="region")


def test_nothing_before_as_of_gives_empty_frame() -> None:
    s = demand_series(EVENTS, as_of="2023-01-01")
    assert s.empty and list(s.columns) == ["unique_id", "ds", "y"]
