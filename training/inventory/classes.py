"""ABC classes by sales value, XYZ classes by demand variability, and turnover in days.

Both classes are meant for what was actually sold: `pipeline.item_table` passes the uncapped sales
value (last 52 weeks) and the uncapped weekly units (last 26 weeks), bulk orders included.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

ABC_BOUNDS = (0.80, 0.95)  # cumulative value share closing classes A and B
XYZ_BOUNDS = (0.5, 1.0)  # coefficient of variation of weekly demand closing classes X and Y


def abc_classes(value: pd.Series, bounds: tuple[float, float] = ABC_BOUNDS) -> pd.Series:
    """A for the items making the first 80% of value, B the next 15%, C the rest (index = item id).

    `value` is the actual (uncapped) sales value per item."""
    if value.empty:
        return pd.Series(dtype=object)
    ordered = value.clip(lower=0).sort_values(ascending=False, kind="mergesort")
    total = float(ordered.sum())
    if total <= 0:
        return pd.Series("C", index=value.index)
    before = (ordered.cumsum() - ordered) / total  # share of value held by bigger items
    labels = np.where(before < bounds[0], "A", np.where(before < bounds[1], "B", "C"))
    return pd.Series(labels, index=ordered.index).reindex(value.index)


def xyz_classes(weekly: np.ndarray, ids: list[str], bounds: tuple[float, float] = XYZ_BOUNDS) -> pd.Series:
    """X (steady, CV <= 0.5), Y (CV <= 1), Z (erratic or no demand) from a [n, weeks] demand matrix.

    Pass the units actually sold (bulk orders left in), not a capped training series."""
    cv = coefficient_of_variation(weekly)
    labels = np.where(cv <= bounds[0], "X", np.where(cv <= bounds[1], "Y", "Z"))
    return pd.Series(labels, index=ids)


def coefficient_of_variation(weekly: np.ndarray) -> np.ndarray:
    """Standard deviation over mean of each row (inf when the mean is zero)."""
    mean = weekly.mean(axis=1)
    return np.divide(weekly.std(axis=1), mean, out=np.full(mean.shape, np.inf), where=mean > 0)


def turnover_days(on_hand: float | None, daily_demand: float) -> float | None:
    """Days the stock on hand lasts at the forecast daily demand (None without stock on hand)."""
    if on_hand is None:
        return None
    return float("inf") if daily_demand <= 0 else float(on_hand) / daily_demand
