"""Point-in-time customer features: recency, frequency, value, gaps, trends, returns, breadth, season, region.

`customer_features(events, *, as_of)` uses only events strictly before `as_of`, reads no clock and does
no I/O, so training (many stacked as-of dates) and serving (as of the latest event) share it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from features.timestamps import as_utc

DAY = pd.Timedelta(days=1)
WINDOWS_DAYS: tuple[int, ...] = (30, 90)
SEASON_DAYS = 90

# Every column `customer_features` returns, in order (region is a string column, the rest are numbers).
FEATURE_COLUMNS: tuple[str, ...] = (
    "recency_days", "tenure_days", "frequency", "purchase_days", "monetary_total", "monetary_mean",
    "last_order_value", "first_order_value", "quantity_per_order", "lines_per_order",
    "gap_mean_days", "gap_median_days", "gap_std_days", "gap_last_days", "gap_max_days",
    "gap_ratio", "gap_ratio_median", "gap_zscore", "gap_cv", "recency_tenure_ratio", "orders_per_30d",
    "active_month_share",
    "orders_30d", "orders_90d", "value_30d", "value_90d", "rate_ratio_90d", "value_ratio_90d",
    "active_days_30d", "last_value_ratio",
    "returns", "return_value_share", "return_quantity_share", "days_since_return",
    "distinct_items", "distinct_categories", "items_per_order_distinct",
    "season_share", "season_orders_last_year", "month_concentration", "weekday_concentration",
    "region",
)


def _known(events: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Events with a customer, strictly before `as_of`."""
    mask = events["customer_id"].notna() & (events["timestamp"] < as_of)
    return events.loc[mask]


def _order_key(lines: pd.DataFrame) -> pd.Series:
    """The order a line belongs to: its order id, or else its timestamp."""
    if "order_id" not in lines:
        return lines["timestamp"].astype(str)
    return lines["order_id"].astype(object).where(lines["order_id"].notna(), lines["timestamp"].astype(str))


def net_purchases(events: pd.DataFrame) -> pd.DataFrame:
    """The purchase lines of `events` net of the returns (cancellations) among them.

    Each return line is matched to a purchase line of the same customer and item at or before it:
    the latest one of the order the return names (its `order_id`), or, when it names none or no such
    line exists (a separate cancellation number), the latest one of any order (`merge_asof`). The
    returned quantity is subtracted from that line, floored at 0, and lines with nothing left are
    dropped. So an order that was cancelled in full is no order at all, and values computed from the
    result are net of returns. A return with no earlier purchase of its item (bought before the
    history starts) changes nothing here; it still counts in the return features. Quantities are
    read as absolute values, whatever sign a source gives returns. Pass only the events known at the
    as-of date (strictly before it).
    """
    known = events[events["customer_id"].notna()]
    buys = known[known["event_type"] == "purchase"].reset_index(drop=True)
    returns = known[known["event_type"] == "return"]
    if buys.empty or returns.empty:
        return buys
    returned = _returned_per_line(buys, returns)
    left = buys["quantity"].abs() - returned.reindex(np.arange(len(buys)), fill_value=0).to_numpy()
    return buys.assign(quantity=left.clip(lower=0)).loc[left > 0].reset_index(drop=True)


def _returned_per_line(buys: pd.DataFrame, returns: pd.DataFrame) -> pd.Series:
    """Units returned per purchase line (index: row of `buys`): each return goes to the latest earlier
    line of its named order, else of its customer and item."""
    keys = ["customer_id", "item_id"]
    cols = [*keys, "timestamp", *(["order_id"] if "order_id" in buys and "order_id" in returns else [])]
    lines = buys[cols].assign(line=np.arange(len(buys))).sort_values("timestamp", kind="stable")
    back = returns[cols].assign(returned=returns["quantity"].abs().to_numpy(), ret=np.arange(len(returns)))
    back = back.sort_values("timestamp", kind="stable")
    matched = []
    if "order_id" in cols:
        named = back[back["order_id"].notna()]
        same_order = pd.merge_asof(named[[*keys, "order_id", "timestamp", "returned", "ret"]],
                                   lines.loc[lines["order_id"].notna(), [*keys, "order_id", "timestamp", "line"]],
                                   on="timestamp", by=[*keys, "order_id"], direction="backward")
        matched.append(same_order.dropna(subset=["line"]))
        back = back[~back["ret"].isin(matched[0]["ret"])]
    latest = pd.merge_asof(back[[*keys, "timestamp", "returned", "ret"]], lines[[*keys, "timestamp", "line"]],
                           on="timestamp", by=keys, direction="backward")
    matched.append(latest.dropna(subset=["line"]))
    every = pd.concat([m[["line", "returned"]] for m in matched])
    return every.groupby(every["line"].astype("int64"))["returned"].sum()


def _orders(purchases: pd.DataFrame) -> pd.DataFrame:
    """One row per order (customer, order id or else timestamp): time, value, quantity, lines."""
    frame = purchases.assign(
        value=purchases["quantity"] * purchases["price"].fillna(0.0), order_key=_order_key(purchases),
    )
    orders = frame.groupby(["customer_id", "order_key"], sort=False).agg(
        timestamp=("timestamp", "min"), value=("value", "sum"), quantity=("quantity", "sum"),
        lines=("item_id", "size"),
    )
    return orders.reset_index().sort_values(["customer_id", "timestamp"], kind="stable")


def _gap_features(days: pd.DataFrame, recency: pd.Series) -> pd.DataFrame:
    """Gaps between a customer's distinct purchase days, and the current gap against the usual one."""
    day = days["day"].to_numpy()
    cust = days["customer_id"].to_numpy()
    same = np.r_[False, cust[1:] == cust[:-1]]
    gap = np.where(same, np.r_[np.nan, np.diff(day)], np.nan)
    g = pd.DataFrame({"customer_id": cust, "gap": gap}).dropna()
    stats = g.groupby("customer_id")["gap"].agg(
        gap_mean_days="mean", gap_median_days="median", gap_std_days="std", gap_last_days="last",
        gap_max_days="max",
    )
    stats = stats.reindex(recency.index)
    out = stats.assign(
        gap_ratio=recency / stats["gap_mean_days"],
        gap_ratio_median=recency / stats["gap_median_days"],
        gap_zscore=(recency - stats["gap_mean_days"]) / stats["gap_std_days"].where(stats["gap_std_days"] > 0),
        gap_cv=stats["gap_std_days"] / stats["gap_mean_days"],
    )
    return out


def _window_features(orders: pd.DataFrame, as_of: pd.Timestamp, base: pd.DataFrame) -> pd.DataFrame:
    """Orders and value in the last 30/90 days, and the recent rate against the rate before."""
    age = (as_of - orders["timestamp"]) / DAY
    out = pd.DataFrame(index=base.index)
    for w in WINDOWS_DAYS:
        recent = orders[age <= w].groupby("customer_id")
        out[f"orders_{w}d"] = recent.size().reindex(base.index, fill_value=0).astype(float)
        out[f"value_{w}d"] = recent["value"].sum().reindex(base.index, fill_value=0.0)
    before_days = (base["tenure_days"] - 90).clip(lower=0)
    before_orders = base["frequency"] - out["orders_90d"]
    before_value = base["monetary_total"] - out["value_90d"]
    has_before = before_days > 14
    rate_before = (before_orders / before_days.where(has_before)).replace(0, np.nan)
    value_before = (before_value / before_days.where(has_before)).replace(0, np.nan)
    out["rate_ratio_90d"] = (out["orders_90d"] / 90.0) / rate_before
    out["value_ratio_90d"] = (out["value_90d"] / 90.0) / value_before
    active = orders[age <= 30].assign(day=lambda f: f["timestamp"].dt.floor("D"))
    out["active_days_30d"] = active.groupby("customer_id")["day"].nunique().reindex(base.index, fill_value=0)
    return out


def _season_features(days: pd.DataFrame, as_of: pd.Timestamp, index: pd.Index) -> pd.DataFrame:
    """How much of a customer's buying falls in the coming season, and how concentrated it is in time."""
    ts = pd.to_datetime(days["day"], unit="D", utc=True)
    doy_start = as_of.dayofyear
    offset = (ts.dt.dayofyear - doy_start) % 365
    in_season = offset < SEASON_DAYS
    year_ago = as_of - pd.Timedelta(days=365)
    last_year = (ts >= year_ago) & (ts < year_ago + pd.Timedelta(days=SEASON_DAYS))
    frame = pd.DataFrame({
        "customer_id": days["customer_id"].to_numpy(), "in_season": in_season.to_numpy(),
        "last_year": last_year.to_numpy(), "month": ts.dt.month.to_numpy(), "weekday": ts.dt.weekday.to_numpy(),
    })
    grouped = frame.groupby("customer_id")
    out = pd.DataFrame(index=index)
    out["season_share"] = grouped["in_season"].mean().reindex(index)
    out["season_orders_last_year"] = grouped["last_year"].sum().reindex(index, fill_value=0).astype(float)
    for col, name in (("month", "month_concentration"), ("weekday", "weekday_concentration")):
        share = frame.groupby(["customer_id", col]).size() / grouped.size()
        out[name] = (share ** 2).groupby(level=0).sum().reindex(index)
    return out


def _return_features(returns: pd.DataFrame, bought: pd.DataFrame, base: pd.DataFrame,
                     as_of: pd.Timestamp) -> pd.DataFrame:
    """Returns: how many return orders (cancellation invoices, or return events of one order id or
    timestamp), the returned value and quantity as shares of the value and quantity bought (gross,
    before returns), and days since the last return."""
    quantity = returns["quantity"].abs()
    grouped = returns.assign(quantity=quantity, value=quantity * returns["price"].fillna(0.0),
                             order_key=_order_key(returns)).groupby("customer_id")
    gross = bought.assign(quantity=bought["quantity"].abs(),
                          value=bought["quantity"].abs() * bought["price"].fillna(0.0)).groupby("customer_id")
    out = pd.DataFrame(index=base.index)
    out["returns"] = grouped["order_key"].nunique().reindex(base.index, fill_value=0).astype(float)
    ret_value = grouped["value"].sum().reindex(base.index, fill_value=0.0)
    ret_qty = grouped["quantity"].sum().reindex(base.index, fill_value=0).astype(float)
    out["return_value_share"] = ret_value / gross["value"].sum().reindex(base.index).replace(0, np.nan)
    out["return_quantity_share"] = ret_qty / gross["quantity"].sum().reindex(base.index).replace(0, np.nan)
    last = grouped["timestamp"].max().reindex(base.index)
    out["days_since_return"] = (as_of - last) / DAY
    return out


def _breadth_features(purchases: pd.DataFrame, items: pd.DataFrame | None, base: pd.DataFrame) -> pd.DataFrame:
    """Distinct items and categories bought."""
    out = pd.DataFrame(index=base.index)
    grouped = purchases.groupby("customer_id")["item_id"]
    out["distinct_items"] = grouped.nunique().reindex(base.index, fill_value=0).astype(float)
    if items is not None and "category" in items.columns and items["category"].notna().any():
        cats = purchases["item_id"].map(items.drop_duplicates("item_id").set_index("item_id")["category"])
        n_cat = cats.groupby(purchases["customer_id"]).nunique()
        out["distinct_categories"] = n_cat.reindex(base.index, fill_value=0).astype(float)
    else:
        out["distinct_categories"] = np.nan
    out["items_per_order_distinct"] = out["distinct_items"] / base["frequency"]
    return out


def empty_features() -> pd.DataFrame:
    """The feature frame with no customers (all columns, index named customer_id)."""
    frame = pd.DataFrame({c: pd.Series(dtype=object if c == "region" else float) for c in FEATURE_COLUMNS})
    frame.index = pd.Index([], name="customer_id", dtype=object)
    return frame


def customer_features(
    events: pd.DataFrame,
    *,
    as_of: pd.Timestamp | str,
    customers: pd.DataFrame | None = None,
    items: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Features of every customer with a purchase before `as_of`, one row each, indexed by customer_id.

    Only events with timestamp < as_of and a customer are used. Orders, values, gaps, windows and
    breadth are net of returns (`net_purchases`): an order cancelled in full is not an order. The
    return features count the returns themselves. Durations are in days. Columns are
    FEATURE_COLUMNS; `region` comes from `customers` (None when unknown). NaN means "not defined yet"
    (for example gaps of a one-order customer).
    """
    as_of = as_utc(as_of)
    known = _known(events, as_of)
    purchases = net_purchases(known)
    if purchases.empty:
        return empty_features()
    orders = _orders(purchases)
    grouped = orders.groupby("customer_id", sort=True)
    first, last = grouped["timestamp"].min(), grouped["timestamp"].max()
    base = pd.DataFrame({
        "recency_days": (as_of - last) / DAY,
        "tenure_days": (as_of - first) / DAY,
        "frequency": grouped.size().astype(float),
        "monetary_total": grouped["value"].sum(),
        "last_order_value": grouped["value"].last(),
        "first_order_value": grouped["value"].first(),
        "quantity_per_order": grouped["quantity"].mean(),
        "lines_per_order": grouped["lines"].mean(),
    })
    base.index.name = "customer_id"
    base["monetary_mean"] = base["monetary_total"] / base["frequency"]
    base["last_value_ratio"] = base["last_order_value"] / base["monetary_mean"].replace(0, np.nan)
    base["orders_per_30d"] = base["frequency"] / np.maximum(base["tenure_days"], 1.0) * 30.0
    epoch = pd.Timestamp("1970-01-01", tz="UTC")
    days = orders.assign(day=((orders["timestamp"] - epoch) // DAY).astype("int64"))
    days = days.drop_duplicates(["customer_id", "day"])[["customer_id", "day"]]
    base["purchase_days"] = days.groupby("customer_id").size().reindex(base.index).astype(float)
    base["recency_tenure_ratio"] = base["recency_days"] / np.maximum(base["tenure_days"], 1.0)
    months = (days["day"] // 30).groupby(days["customer_id"]).nunique().reindex(base.index).astype(float)
    base["active_month_share"] = months / np.ceil(np.maximum(base["tenure_days"], 1.0) / 30.0)
    parts = [
        base,
        _gap_features(days, base["recency_days"]),
        _window_features(orders, as_of, base),
        _return_features(known[known["event_type"] == "return"], known[known["event_type"] == "purchase"], base,
                         as_of),
        _breadth_features(purchases, items, base),
        _season_features(days, as_of, base.index),
    ]
    out = pd.concat(parts, axis=1)
    out["region"] = _regions(customers, out.index)
    return out.loc[:, list(FEATURE_COLUMNS)]


def _regions(customers: pd.DataFrame | None, index: pd.Index) -> pd.Series:
    if customers is None or "region" not in customers.columns:
        return pd.Series(None, index=index, dtype=object)
    region = customers.drop_duplicates("customer_id").set_index("customer_id")["region"]
    return region.reindex(index).astype(object).where(lambda s: s.notna(), None)
