"""The churn label: no purchase in [as_of, as_of + horizon_days)."""

from __future__ import annotations

import pandas as pd

from features.timestamps import as_utc
from training.errors import NotEnoughData

DEFAULT_HORIZON_DAYS = 90


def churn_labels(events: pd.DataFrame, customer_ids: pd.Index, *, as_of: pd.Timestamp | str,
                 horizon_days: int = DEFAULT_HORIZON_DAYS) -> pd.Series:
    """1 for each customer in `customer_ids` with no purchase in [as_of, as_of + horizon_days), else 0.

    Features use events strictly before as_of, so the label window starts at as_of itself.
    """
    if horizon_days <= 0:
        raise ValueError(f"horizon_days must be positive, got {horizon_days}")
    start = as_utc(as_of)
    end = start + pd.Timedelta(days=horizon_days)
    mask = (events["event_type"] == "purchase") & (events["timestamp"] >= start) & (events["timestamp"] < end)
    buyers = set(events.loc[mask, "customer_id"].dropna())
    return pd.Series((~customer_ids.isin(list(buyers))).astype(int), index=customer_ids, name="churned")


def label_window_end(as_of: pd.Timestamp | str, horizon_days: int) -> pd.Timestamp:
    """The first instant after the label window of `as_of`."""
    return as_utc(as_of) + pd.Timedelta(days=horizon_days)


def latest_as_of(events: pd.DataFrame, horizon_days: int = DEFAULT_HORIZON_DAYS) -> pd.Timestamp:
    """The latest midnight whose whole label window lies inside the data (ends by the last event's day)."""
    if events.empty:
        raise NotEnoughData("no events: the latest as-of date needs at least one event")
    last_day = as_utc(events["timestamp"].max()).normalize()
    return last_day - pd.Timedelta(days=horizon_days)
