"""Point-in-time customer features."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from features.customers import FEATURE_COLUMNS, customer_features

T0 = pd.Timestamp("2024-01-01", tz="UTC")


def _events(rows: list[tuple]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["customer_id", "item_id", "day", "event_type", "quantity", "price", "order_id"])
    frame["timestamp"] = T0 + pd.to_timedelta(frame.pop("day"), unit="D")
    return frame


@pytest.fixture()
def events() -> pd.DataFrame:
    return _events([
        ("a", "x", 0, "purchase", 2, 10.0, "o1"),
        ("a", "y", 0, "purchase", 1, 5.0, "o1"),
        ("a", "x", 20, "purchase", 1, 10.0, "o2"),
        ("a", "z", 40, "purchase", 3, 10.0, "o3"),
        ("a", "x", 42, "return", 1, 10.0, "r1"),
        ("b", "x", 50, "purchase", 1, 8.0, "o4"),
        (None, "x", 55, "purchase", 9, 1.0, "o5"),
        ("c", "x", 5, "view", 1, 1.0, None),
    ])


def test_rfm_and_gaps(events: pd.DataFrame) -> None:
    f = customer_features(events, as_of=T0 + pd.Timedelta(days=60),
                          customers=pd.DataFrame({"customer_id": ["a"], "region": ["north"]}))
    assert list(f.columns) == list(FEATURE_COLUMNS)
    assert sorted(f.index) == ["a", "b"]  # c only viewed; anonymous rows are ignored
    a = f.loc["a"]
    # the return of x on day 42 cancels the latest earlier purchase of x, order o2: it is no order
    assert a["recency_days"] == 20 and a["tenure_days"] == 60 and a["frequency"] == 2
    assert a["monetary_total"] == pytest.approx(25 + 30)
    assert a["gap_mean_days"] == 40 and a["gap_median_days"] == 40 and a["gap_ratio"] == pytest.approx(0.5)
    assert a["orders_30d"] == 1 and a["orders_90d"] == 2
    assert a["returns"] == 1 and a["return_value_share"] == pytest.approx(10 / 65)  # of the value bought
    assert a["distinct_items"] == 3 and a["region"] == "north"
    b = f.loc["b"]
    assert np.isnan(b["gap_mean_days"]) and b["frequency"] == 1 and b["region"] is None


def test_events_after_as_of_change_nothing(events: pd.DataFrame) -> None:
    as_of = T0 + pd.Timedelta(days=45)
    later = _events([("a", "x", 45, "purchase", 5, 10.0, "o9"), ("b", "q", 70, "purchase", 1, 1.0, "o10"),
                     ("d", "x", 46, "purchase", 1, 1.0, "o11"), ("a", "x", 50, "return", 1, 10.0, "r9")])
    before = customer_features(events, as_of=as_of)
    after = customer_features(pd.concat([events, later], ignore_index=True), as_of=as_of)
    pd.testing.assert_frame_equal(before, after)
    assert "b" not in before.index and "d" not in after.index  # b's first purchase is on day 50


def test_nothing_before_as_of_gives_empty_frame(events: pd.DataFrame) -> None:
    f = customer_features(events, as_of=T0)
    assert f.empty and list(f.columns) == list(FEATURE_COLUMNS)


def test_naive_as_of_is_utc(events: pd.DataFrame) -> None:
    a = customer_features(events, as_of="2024-03-01")
    b = customer_features(events, as_of=pd.Timestamp("2024-03-01", tz="UTC"))
    pd.testing.assert_frame_equal(a, b)


def test_categories_counted_when_items_have_them(events: pd.DataFrame) -> None:
    items = pd.DataFrame({"item_id": ["x", "y", "z"], "category": ["toys", "toys", "garden"]})
    f = customer_features(events, as_of=T0 + pd.Timedelta(days=60), items=items)
    assert f.loc["a", "distinct_categories"] == 2
