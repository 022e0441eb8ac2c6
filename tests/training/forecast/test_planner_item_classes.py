"""Planner QA: ABC/XYZ classes describe what was actually sold, bulk orders included."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.training.forecast.shop import START, small_events, small_items, tiny_config
from training.forecast.pipeline import train_forecast_folder

BULK_UNITS, BULK_PRICE = 4000, 1.5


@pytest.fixture(scope="module")
def bulk_shop() -> pd.DataFrame:
    """The small shop plus a one-off bulk order of a small item, 10 weeks before the end."""
    events = small_events()
    bulk = events.iloc[[0]].assign(item_id="item20", quantity=BULK_UNITS, price=BULK_PRICE, order_id="bulk",
                                   timestamp=START + pd.Timedelta(days=210, hours=12), event_type="purchase")
    return pd.concat([events, bulk], ignore_index=True).sort_values("timestamp", kind="mergesort")


def _weekly(events: pd.DataFrame, item: str, end: pd.Timestamp) -> tuple[np.ndarray, np.ndarray]:
    """Actual weekly units and sales value of `item` for the 40 Mondays START..end (exclusive)."""
    sold = events[(events["item_id"] == item) & events["event_type"].eq("purchase") & (events["timestamp"] < end)]
    week = ((sold["timestamp"] - START).dt.days // 7).to_numpy()
    units = np.bincount(week, weights=sold["quantity"].to_numpy(float), minlength=40)
    value = np.bincount(week, weights=(sold["quantity"] * sold["price"]).to_numpy(float), minlength=40)
    return units, value


def test_classes_use_the_uncapped_sales(bulk_shop: pd.DataFrame, tmp_path: Path) -> None:
    train_forecast_folder(bulk_shop, items=small_items(), config=tiny_config(), folder=tmp_path, freqs=("W",))
    table = json.loads((tmp_path / "items.json").read_text())
    end = START + pd.Timedelta(weeks=40)  # the last event is on day 279: 40 complete weeks
    units, value = _weekly(bulk_shop, "item20", end)
    row = table["item20"]
    assert row["sales_value_52w"] == pytest.approx(value.sum())  # the bulk order's 6,000 counted
    recent = units[-26:]
    assert row["cv_weekly"] == pytest.approx(recent.std() / recent.mean())
    assert row["xyz"] == "Z" and row["abc"] == "A"
    for item, got in table.items():  # every item: value of what was sold, not of the capped series
        assert got["sales_value_52w"] == pytest.approx(_weekly(bulk_shop, item, end)[1][-52:].sum())
