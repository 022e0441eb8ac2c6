"""Bulk one-off orders: order lines far above an item's usual line size are capped.

Choice: *capped*, at the order-line level. An order line whose quantity exceeds `factor` x the item's
90th-percentile line quantity (computed on the history before `as_of` only) is cut to that bound.
A wholesaler's occasional 10,000-unit order is real demand, but it is not repeatable, and left in the
history it inflates every level and lag for months. Capping lines (not weekly totals) keeps busy weeks
made of many ordinary orders intact. Evaluation targets are never capped.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from features.timestamps import as_utc

log = logging.getLogger(__name__)


def bulk_caps(events: pd.DataFrame, *, as_of: pd.Timestamp | str, factor: float = 4.0) -> pd.Series:
    """Per item, the largest order-line quantity kept as is (factor x p90 of its purchase lines)."""
    if factor <= 0:
        raise ValueError(f"factor must be > 0, got {factor}")
    cutoff = as_utc(as_of)
    mask = events["event_type"].eq("purchase") & (events["timestamp"] < cutoff)
    lines = events.loc[mask, ["item_id", "quantity"]]
    p90 = lines.groupby("item_id")["quantity"].quantile(0.9)
    return (factor * p90).clip(lower=1.0).rename("cap")


def cap_bulk_orders(events: pd.DataFrame, *, as_of: pd.Timestamp | str, factor: float = 4.0) -> pd.DataFrame:
    """A copy of `events` whose purchase lines before `as_of` are capped at the item's bulk cap."""
    cutoff = as_utc(as_of)
    caps = bulk_caps(events, as_of=cutoff, factor=factor)
    out = events.copy()
    mask = out["event_type"].eq("purchase") & (out["timestamp"] < cutoff)
    cap = out.loc[mask, "item_id"].map(caps).to_numpy(dtype=float)
    qty = out.loc[mask, "quantity"].to_numpy(dtype=float)
    capped = np.where(np.isnan(cap), qty, np.minimum(qty, np.floor(cap)))
    n = int((capped < qty).sum())
    out.loc[mask, "quantity"] = capped.astype("int64")
    log.info("capped %d bulk order lines (%.0f units removed)", n, float((qty - capped).sum()))
    return out

