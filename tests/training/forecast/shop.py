"""A tiny synthetic wholesale shop for fast forecast tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

from training.forecast.config import DAILY, WEEKLY, ForecastConfig

START = pd.Timestamp("2023-01-02", tz="UTC")  # a Monday


def small_events(n_items: int = 24, days: int = 280, seed: int = 0) -> pd.DataFrame:
    """Purchases of `n_items` items over `days` days: weekly rhythm, trend, intermittent tails, bulk orders."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n_items):
        base = 6.0 / (1 + i / 4)
        for d in range(days):
            ts = START + pd.Timedelta(days=d, hours=10)
            rate = base * (1.3 if ts.dayofweek < 4 else 0.5) * (1 + d / days)
            for _ in range(rng.poisson(rate)):
                rows.append((f"c{rng.integers(50)}", f"item{i:02d}", ts, "purchase", int(rng.integers(1, 13)), 2.0 + i))
    rows.append(("c1", "item00", START + pd.Timedelta(days=100, hours=11), "purchase", 5000, 2.0))  # bulk order
    rows.append(("c2", "item01", START + pd.Timedelta(days=120, hours=9), "return", 3, 3.0))
    frame = pd.DataFrame(rows, columns=["customer_id", "item_id", "timestamp", "event_type", "quantity", "price"])
    frame["quantity"] = frame["quantity"].astype("int64")
    frame["order_id"] = [f"o{k}" for k in range(len(frame))]
    return frame.sort_values("timestamp", kind="mergesort").reset_index(drop=True)


def small_items(n_items: int = 24) -> pd.DataFrame:
    """Items table: two categories; stock and lead time known for even items only."""
    ids = [f"item{i:02d}" for i in range(n_items)]
    return pd.DataFrame({
        "item_id": ids, "name": ids, "category": ["mugs" if i % 2 else "cards" for i in range(n_items)],
        "price": [2.0 + i for i in range(n_items)], "in_stock": True,
        "stock_on_hand": [float(40) if i % 2 == 0 else np.nan for i in range(n_items)],
        "lead_time_days": [float(10) if i % 2 == 0 else np.nan for i in range(n_items)],
    })


def tiny_config() -> ForecastConfig:
    """Small, fast model settings."""
    weekly = WEEKLY.__class__(**{**WEEKLY.__dict__, "served_horizon": 12, "max_origins": 12})
    daily = DAILY.__class__(**{**DAILY.__dict__, "served_horizon": 35, "max_origins": 6, "train_items": 12})
    return ForecastConfig(train_items=24, n_estimators=15, min_child_samples=20, specs={"W": weekly, "D": daily})
