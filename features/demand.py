"""Point-in-time demand series: units sold per bucket, per item, category or shop total.

Demand is *gross purchases*: the units of `purchase` events. Returns are not subtracted, because a
return (or a cancelled invoice, in the UCI files) says nothing about how much customers wanted in
that bucket; subtracting them would produce negative or shifted "demand" weeks, and a planner orders
for what is bought, not for what is bought net of returns. Returns stay available in the events for
whoever needs them.

Buckets are calendar days (`freq="D"`) or weeks that start on Monday (`freq="W"`); the bucket's label
`ds` is its first day, naive (no time zone), at midnight UTC. Every series is zero-filled from the
first bucket that holds any purchase in the whole frame (the shop's opening) up to the last bucket that
starts before `as_of`. The last bucket may be partial when `as_of` is not on a bucket boundary.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from features.schema import CATEGORY_PREFIX, TOTAL_ID, UNKNOWN_CATEGORY

FREQS = ("D", "W")
LEVELS = ("item", "category", "total")


def bucket_start(timestamps: pd.Series | pd.DatetimeIndex, freq: str) -> pd.Series:
    """The first day of each timestamp's bucket (midnight, naive UTC); weeks start on Monday."""
    _check_freq(freq)
    ts = pd.Series(pd.to_datetime(timestamps, utc=True)).dt.tz_convert("UTC").dt.tz_localize(None)
    days = ts.dt.floor("D")
    if freq == "D":
        return days
    return days - pd.to_timedelta(days.dt.weekday, unit="D")


def _check_freq(freq: str) -> None:
    if freq not in FREQS:
        raise ValueError(f"freq must be one of {FREQS}, got {freq!r}")


def _as_naive(as_of: pd.Timestamp | str) -> pd.Timestamp:
    ts = pd.Timestamp(as_of)
    if ts.tzinfo is not None:
        ts = ts.tz_convert("UTC").tz_localize(None)
    return ts


def _series_key(
    purchases: pd.DataFrame, level: str, categories: Mapping[str, str] | None
) -> pd.Series:
    if level == "item":
        return purchases["item_id"].astype(str)
    if level == "total":
        return pd.Series(TOTAL_ID, index=purchases.index)
    mapping = dict(categories or {})
    cats = purchases["item_id"].map(mapping).fillna(UNKNOWN_CATEGORY).astype(str)
    return CATEGORY_PREFIX + cats


def demand_series(
    events: pd.DataFrame,
    *,
    as_of: pd.Timestamp | str,
    freq: str = "W",
    level: str = "item",
    items: Iterable[str] | None = None,
    categories: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Units purchased per series and bucket before `as_of`, zero-filled, long format.

    Returns columns `unique_id` (item id, `category:NAME` or `_total`), `ds` (bucket start) and `y`
    (float units), sorted by unique_id and ds. `items` restricts item-level output to those ids (ids
    without any purchase get an all-zero series); `categories` maps item id -> category for
    `level="category"` (unmapped items fall in `category:unknown`).
    """
    _check_freq(freq)
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, got {level!r}")
    cutoff = _as_naive(as_of)
    ts = pd.to_datetime(events["timestamp"], utc=True).dt.tz_localize(None)
    is_purchase = events["event_type"].eq("purchase") if "event_type" in events else True
    keep = is_purchase & (ts < cutoff)
    purchases = events.loc[keep, ["item_id", "quantity"]].copy()
    purchases["ds"] = bucket_start(ts[keep], freq).to_numpy()
    wanted = None if items is None else [str(i) for i in items]
    if wanted is not None and level == "item":
        purchases = purchases[purchases["item_id"].astype(str).isin(set(wanted))]
    purchases["unique_id"] = _series_key(purchases, level, categories).to_numpy()
    return _zero_filled(purchases, events, ts, is_purchase, cutoff, freq, level, wanted)


def _zero_filled(
    purchases: pd.DataFrame,
    events: pd.DataFrame,
    ts: pd.Series,
    is_purchase: pd.Series | bool,
    cutoff: pd.Timestamp,
    freq: str,
    level: str,
    wanted: list[str] | None,
) -> pd.DataFrame:
    all_before = ts[(ts < cutoff) & is_purchase] if not isinstance(is_purchase, bool) else ts[ts < cutoff]
    columns = ["unique_id", "ds", "y"]
    if all_before.empty:
        return pd.DataFrame({"unique_id": pd.Series(dtype=object), "ds": pd.Series(dtype="datetime64[ns]"),
                             "y": pd.Series(dtype=float)})[columns]
    first = bucket_start(pd.Series([all_before.min()]), freq).iloc[0]
    last = bucket_start(pd.Series([cutoff - pd.Timedelta(microseconds=1)]), freq).iloc[0]
    step = "D" if freq == "D" else "7D"
    grid = pd.date_range(first, last, freq=step)
    sums = purchases.groupby(["unique_id", "ds"], sort=False)["quantity"].sum()
    ids = sorted(set(sums.index.get_level_values(0)) | (set(wanted) if wanted and level == "item" else set()))
    if level == "total":
        ids = [TOTAL_ID]
    index = pd.MultiIndex.from_product([ids, grid], names=["unique_id", "ds"])
    y = sums.reindex(index, fill_value=0).astype(float)
    out = y.rename("y").reset_index()
    out["unique_id"] = out["unique_id"].astype(object)
    return out[columns]


def to_matrix(series: pd.DataFrame) -> tuple[list[str], pd.DatetimeIndex, np.ndarray]:
    """Long (unique_id, ds, y) frame -> (ids, dates, array of shape [n_series, n_buckets])."""
    wide = series.pivot(index="unique_id", columns="ds", values="y").fillna(0.0)
    return list(wide.index.astype(str)), pd.DatetimeIndex(wide.columns), wide.to_numpy(dtype=float)
