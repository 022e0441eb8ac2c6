"""Point-in-time item features: popularity windows, trend, price level and age of each item."""

from __future__ import annotations

import numpy as np
import pandas as pd

from features.timestamps import as_utc

POPULARITY_WINDOWS_DAYS: tuple[int, ...] = (7, 30, 90)

ITEM_FEATURE_COLUMNS: tuple[str, ...] = (
    *(f"customers_{d}d" for d in POPULARITY_WINDOWS_DAYS),
    *(f"orders_{d}d" for d in POPULARITY_WINDOWS_DAYS),
    *(f"quantity_{d}d" for d in POPULARITY_WINDOWS_DAYS),
    "customers_all",
    "orders_all",
    "trend_30d",
    "price_median",
    "price_recent",
    "days_since_first_sale",
    "days_since_last_sale",
    "repeat_share",
    "new_buyers_30d",
    "new_buyer_share_30d",
)


def _purchases_before(events: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    mask = (events["timestamp"] < as_of).to_numpy()
    if "event_type" in events.columns:
        mask &= (events["event_type"] == "purchase").to_numpy()
    return events.loc[mask]


def item_features(events: pd.DataFrame, *, as_of: pd.Timestamp | str) -> pd.DataFrame:
    """Features of every item sold before `as_of`, one row per item_id (the index).

    Columns (see ITEM_FEATURE_COLUMNS): distinct customers, orders and units in the last 7/30/90
    days and ever; trend_30d = log((sales in the last 30 days + 1) / (sales in the 30 days
    before + 1)); median and most recent unit price; days since the first and the last sale;
    repeat_share = share of the item's customers who bought it in more than one order;
    new_buyers_30d = customers whose first purchase of the item was in the last 30 days, and
    new_buyer_share_30d = their share of the item's customers in the last 30 days.
    Only purchases with timestamp < as_of are used.
    """
    as_of = as_utc(as_of)
    buys = _purchases_before(events, as_of)
    if buys.empty:
        return pd.DataFrame(columns=list(ITEM_FEATURE_COLUMNS), index=pd.Index([], name="item_id"), dtype=float)
    age = ((as_of - buys["timestamp"]).dt.total_seconds() / 86400.0).to_numpy()
    order = buys["order_id"] if "order_id" in buys.columns else None
    if order is None or order.isna().all():
        order = buys["customer_id"].astype(str) + "@" + buys["timestamp"].astype(str)
    frame = pd.DataFrame({
        "item_id": buys["item_id"].to_numpy(),
        "customer_id": buys["customer_id"].to_numpy(),
        "order_id": order.fillna("").to_numpy(),
        "quantity": buys["quantity"].to_numpy() if "quantity" in buys.columns else np.ones(len(buys)),
        "price": buys["price"].to_numpy() if "price" in buys.columns else np.full(len(buys), np.nan),
        "age": age,
    })
    grouped = frame.groupby("item_id", sort=True)
    out = pd.DataFrame(index=pd.Index(sorted(frame["item_id"].unique()), name="item_id"))
    for days in (*POPULARITY_WINDOWS_DAYS, None):
        window = frame if days is None else frame[frame["age"] < days]
        suffix = "all" if days is None else f"{days}d"
        g = window.groupby("item_id")
        out[f"customers_{suffix}"] = g["customer_id"].nunique()
        out[f"orders_{suffix}"] = g["order_id"].nunique()
        if days is not None:
            out[f"quantity_{suffix}"] = g["quantity"].sum()
    previous = frame[(frame["age"] >= 30) & (frame["age"] < 60)].groupby("item_id")["order_id"].nunique()
    out = out.fillna(0.0)
    prev = previous.reindex(out.index).fillna(0.0)
    out["trend_30d"] = np.log((out["orders_30d"] + 1.0) / (prev + 1.0))
    out["price_median"] = grouped["price"].median()
    latest = frame.sort_values("age").groupby("item_id")["price"].first()
    out["price_recent"] = latest
    out["days_since_first_sale"] = grouped["age"].max()
    out["days_since_last_sale"] = grouped["age"].min()
    per_customer = frame.dropna(subset=["customer_id"]).groupby(["item_id", "customer_id"])["order_id"].nunique()
    repeaters = (per_customer > 1).groupby(level="item_id").mean()
    out["repeat_share"] = repeaters.reindex(out.index).fillna(0.0)
    known = frame.dropna(subset=["customer_id"])
    first_age = known.groupby(["item_id", "customer_id"])["age"].max()
    new_buyers = (first_age < 30).groupby(level="item_id").sum()
    out["new_buyers_30d"] = new_buyers.reindex(out.index).fillna(0.0)
    out["new_buyer_share_30d"] = out["new_buyers_30d"] / out["customers_30d"].where(out["customers_30d"] > 0)
    return out[list(ITEM_FEATURE_COLUMNS)].astype(float)
