"""Point-in-time item features: windows, trend, price, and no look-ahead."""

from __future__ import annotations

import numpy as np
import pandas as pd

from features.items import ITEM_FEATURE_COLUMNS, item_features


def _events(rows: list[tuple[str, str, str, str, int, float]]) -> pd.DataFrame:
    return pd.DataFrame({
        "customer_id": [r[0] for r in rows],
        "item_id": [r[1] for r in rows],
        "timestamp": pd.to_datetime([r[2] for r in rows], utc=True),
        "event_type": [r[3] for r in rows],
        "quantity": pd.Series([r[4] for r in rows], dtype="int64"),
        "price": [r[5] for r in rows],
        "order_id": [f"o{k}" for k in range(len(rows))],
    })


EVENTS = _events([
    ("c1", "a", "2024-01-01", "purchase", 2, 1.0),
    ("c1", "a", "2024-02-20", "purchase", 1, 1.5),
    ("c2", "a", "2024-02-25", "purchase", 3, 2.0),
    ("c2", "b", "2024-02-26", "purchase", 1, 5.0),
    ("c3", "b", "2024-02-27", "return", 1, 5.0),
    ("c3", "c", "2024-02-28", "view", 1, 9.0),
])


def test_windows_counts_trend_and_price() -> None:
    f = item_features(EVENTS, as_of="2024-03-01")
    assert list(f.columns) == list(ITEM_FEATURE_COLUMNS)
    assert sorted(f.index) == ["a", "b"]          # views and returns are not sales
    a = f.loc["a"]
    assert a["customers_30d"] == 2 and a["orders_30d"] == 2 and a["quantity_30d"] == 4
    assert a["customers_all"] == 2 and a["orders_all"] == 3
    assert a["trend_30d"] == np.log(3.0 / 1.0)      # 2 orders in the last 30 days, none before
    assert a["price_recent"] == 2.0 and a["price_median"] == 1.5
    assert a["days_since_first_sale"] == 60 and a["days_since_last_sale"] == 5
    assert a["repeat_share"] == 0.5                 # c1 bought it twice, c2 once
    assert a["new_buyers_30d"] == 1                 # c2 first bought it within 30 days; c1 did not


def test_events_on_or_after_as_of_do_not_change_features() -> None:
    before = item_features(EVENTS, as_of="2024-02-26")
    later = pd.concat([EVENTS, _events([
        ("c9", "a", "2024-02-26", "purchase", 50, 99.0),
        ("c9", "z", "2024-03-05", "purchase", 1, 1.0),
    ])], ignore_index=True)
    after = item_features(later, as_of="2024-02-26")
    pd.testing.assert_frame_equal(before, after)


def test_no_sales_gives_an_empty_frame_with_the_columns() -> None:
    f = item_features(EVENTS, as_of="2023-01-01")
    assert f.empty and list(f.columns) == list(ITEM_FEATURE_COLUMNS)
