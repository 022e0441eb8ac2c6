"""A tiny synthetic shop for churn tests: Poisson buyers who drop out after a purchase (BG/NBD-like)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from training.churn.model import ChurnConfig

START = pd.Timestamp("2024-01-01", tz="UTC")
REGIONS = ("north", "south", "east")
FAST = ChurnConfig(step_days=28, min_history_days=30, calibration_dates=2, n_estimators=40, min_child_samples=20,
                   min_region_customers=5, n_jobs=1)


def small_events(n_customers: int = 300, days: int = 330, seed: int = 3) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Events (purchases, some returns) and customers with a region; deterministic for a seed."""
    rng = np.random.default_rng(seed)
    rows = []
    for c in range(n_customers):
        rate = rng.gamma(2.0, 1 / 40.0)  # purchases per day
        p_drop = rng.beta(1.0, 4.0)
        t = rng.uniform(0, days * 0.7)
        order = 0
        while t < days:
            order += 1
            oid = f"o{c}-{order}"
            for item in rng.choice(20, size=rng.integers(1, 4), replace=False):
                rows.append((f"c{c}", f"i{item}", START + pd.Timedelta(days=float(t)), "purchase",
                             int(rng.integers(1, 5)), float(rng.uniform(2, 20)), oid))
            if rng.random() < 0.05:
                rows.append((f"c{c}", "i0", START + pd.Timedelta(days=float(t) + 2), "return", 1, 5.0, f"r{c}-{order}"))
            if rng.random() < p_drop:
                break
            t += rng.exponential(1 / rate)
    rows.append((None, "i1", START + pd.Timedelta(days=10), "purchase", 3, 4.0, "anon"))
    events = pd.DataFrame(rows, columns=["customer_id", "item_id", "timestamp", "event_type", "quantity", "price", "order_id"])
    events["timestamp"] = pd.to_datetime(events["timestamp"], utc=True)
    events = events[events["timestamp"] < START + pd.Timedelta(days=days)].sort_values("timestamp", kind="stable")
    customers = pd.DataFrame({"customer_id": [f"c{c}" for c in range(n_customers)],
                              "region": [REGIONS[c % 3] for c in range(n_customers)]})
    return events.reset_index(drop=True), customers
