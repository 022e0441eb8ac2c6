"""From events, items and promotions to the aligned matrices the forecaster reads (`History`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from features.demand import bucket_start, demand_series, to_matrix
from features.schema import UNKNOWN_CATEGORY
from training.forecast.outliers import cap_bulk_orders
from training.forecast.windows import History


@dataclass
class Prepared:
    """A History before `as_of`, plus each item's category name and the uncapped demand and revenue."""

    history: History
    uncapped: np.ndarray  # [n, T] demand before as_of, bulk orders left in
    uncapped_revenue: np.ndarray  # [n, T] revenue of `uncapped`: what was actually sold (ABC classes)
    categories: list[str]  # category name per series ('unknown' when the items table has none)
    category_names: list[str]  # code -> name


def _naive(ts: pd.Timestamp | str) -> pd.Timestamp:
    t = pd.Timestamp(ts)
    return t.tz_convert("UTC").tz_localize(None) if t.tzinfo else t


def top_items(events: pd.DataFrame, *, as_of: pd.Timestamp | str, n: int) -> list[str]:
    """The `n` items with the most units purchased before `as_of` (ties broken by item id)."""
    cutoff = pd.Timestamp(_naive(as_of)).tz_localize("UTC")
    mask = events["event_type"].eq("purchase") & (events["timestamp"] < cutoff)
    units = events.loc[mask].groupby("item_id")["quantity"].sum()
    frame = units.rename("units").reset_index().sort_values(["units", "item_id"], ascending=[False, True])
    return frame["item_id"].astype(str).head(n).tolist()


def _matrix(series: pd.DataFrame, ids: Sequence[str], grid: pd.DatetimeIndex) -> np.ndarray:
    if series.empty:
        return np.zeros((len(ids), len(grid)))
    sids, dates, values = to_matrix(series)
    frame = pd.DataFrame(values, index=sids, columns=dates)
    return frame.reindex(index=list(ids), columns=grid, fill_value=0.0).to_numpy(dtype=float)


def _revenue(events: pd.DataFrame, ids: Sequence[str], grid: pd.DatetimeIndex, cutoff: pd.Timestamp,
             freq: str) -> np.ndarray:
    mask = events["event_type"].eq("purchase") & (events["timestamp"] < cutoff.tz_localize("UTC"))
    mask &= events["item_id"].isin(set(ids)) & events["price"].notna()
    sub = events.loc[mask]
    rev = pd.DataFrame({"item_id": sub["item_id"].astype(str).to_numpy(),
                        "ds": bucket_start(sub["timestamp"], freq).to_numpy(),
                        "r": (sub["quantity"] * sub["price"]).to_numpy()})
    table = rev.groupby(["item_id", "ds"])["r"].sum().unstack(fill_value=0.0)
    return table.reindex(index=list(ids), columns=grid, fill_value=0.0).to_numpy(dtype=float)


def promo_matrix(promotions: pd.DataFrame | None, ids: Sequence[str], categories: Sequence[str],
                 starts: pd.DatetimeIndex, freq: str) -> np.ndarray:
    """Largest discount active on any day of each bucket, per series (item, its category or shop-wide)."""
    out = np.zeros((len(ids), len(starts)))
    if promotions is None or promotions.empty or len(starts) == 0:
        return out
    length = pd.Timedelta(days=1 if freq == "D" else 7)
    bucket_end = starts + length
    ids_arr, cats_arr = np.asarray(ids, dtype=object), np.asarray(categories, dtype=object)
    for promo in promotions.itertuples(index=False):
        start, end = _naive(promo.start_date), _naive(promo.end_date) + pd.Timedelta(days=1)
        active = np.asarray((starts < end) & (bucket_end > start))
        item = getattr(promo, "item_id", None)
        cat = getattr(promo, "category", None)
        if isinstance(item, str) and item:
            rows = ids_arr == item
        elif isinstance(cat, str) and cat:
            rows = cats_arr == cat
        else:
            rows = np.ones(len(ids), dtype=bool)
        out[np.ix_(rows, active)] = np.maximum(out[np.ix_(rows, active)], float(promo.discount))
    return out


def item_categories(items: pd.DataFrame | None, ids: Sequence[str]) -> list[str]:
    """Each item's category in the items table, `UNKNOWN_CATEGORY` where it has none."""
    cat_map: dict[str, str] = {}
    if items is not None and not items.empty and "category" in items:
        known = items.dropna(subset=["category"])
        cat_map = dict(zip(known["item_id"].astype(str), known["category"].astype(str), strict=False))
    return [cat_map.get(str(i), UNKNOWN_CATEGORY) for i in ids]


def _daily_total(events: pd.DataFrame, grid: pd.DatetimeIndex, cutoff: pd.Timestamp) -> np.ndarray | None:
    """The shop's daily demand from the first bucket's first day to the day before `cutoff`."""
    if len(grid) == 0:
        return None
    daily = demand_series(events, as_of=cutoff, freq="D", level="total")
    days = pd.date_range(grid[0], cutoff - pd.Timedelta(days=1), freq="D")
    return daily.set_index("ds")["y"].reindex(days, fill_value=0.0).to_numpy(dtype=float)


def prepare(events: pd.DataFrame, *, as_of: pd.Timestamp | str, freq: str, ids: Sequence[str],
            items: pd.DataFrame | None = None, promotions: pd.DataFrame | None = None,
            bulk_factor: float = 4.0, future_buckets: int = 0) -> Prepared:
    """Capped and uncapped demand and revenue, shop total, categories and promotions before `as_of`.

    The uncapped revenue is the capped one plus the revenue of the units the bulk cap removed (only
    the capped lines are priced again)."""
    cutoff = _naive(as_of)
    ids = [str(i) for i in ids]
    capped_events = cap_bulk_orders(events, as_of=cutoff, factor=bulk_factor)
    total = demand_series(capped_events, as_of=cutoff, freq=freq, level="total")
    grid = pd.DatetimeIndex(total["ds"])
    y = _matrix(demand_series(capped_events, as_of=cutoff, freq=freq, items=ids), ids, grid)
    raw = _matrix(demand_series(events, as_of=cutoff, freq=freq, items=ids), ids, grid)
    revenue = _revenue(capped_events, ids, grid, cutoff, freq)
    removed = events["quantity"] - capped_events["quantity"]  # > 0 only on the capped bulk lines
    bulk = events.loc[removed > 0].assign(quantity=removed[removed > 0])
    uncapped_revenue = revenue + _revenue(bulk, ids, grid, cutoff, freq)
    ones = events.loc[events["item_id"].isin(set(ids))].assign(quantity=1)
    lines = _matrix(demand_series(ones, as_of=cutoff, freq=freq, items=ids), ids, grid)
    categories = item_categories(items, ids)
    names = sorted(set(categories))
    codes = np.array([names.index(c) for c in categories], dtype=int)
    step = pd.Timedelta(days=1 if freq == "D" else 7)
    full = pd.DatetimeIndex([grid[0] + k * step for k in range(len(grid) + future_buckets)]) if len(grid) else grid
    promo = promo_matrix(promotions, ids, categories, full, freq)
    hist = History(ids=ids, dates=grid, y=y, revenue=revenue, total=total["y"].to_numpy(dtype=float),
                   category_code=codes, promo=promo, lines=lines,
                   daily_total=_daily_total(capped_events, grid, cutoff) if freq == "W" else None)
    return Prepared(history=hist, uncapped=raw, uncapped_revenue=uncapped_revenue, categories=categories,
                    category_names=names)


def truth_matrix(events: pd.DataFrame, *, ids: Sequence[str], start: pd.Timestamp, buckets: int,
                 freq: str) -> np.ndarray:
    """Uncapped demand of `ids` in `buckets` buckets from `start` (for scoring a backtest)."""
    step = pd.Timedelta(days=1 if freq == "D" else 7)
    end = start + buckets * step
    series = demand_series(events, as_of=end, freq=freq, items=ids)
    grid = pd.DatetimeIndex([start + k * step for k in range(buckets)])
    return _matrix(series, [str(i) for i in ids], grid)
