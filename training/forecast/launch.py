"""Forecasts for catalogue items that have not sold yet: how the shop's recent launches sold.

A launch is an item whose first sale came at least `spec.min_history` buckets after the start of
the history (an item selling from the start may be an old one) with a whole horizon of history
after it. Its curve is its uncapped demand in the buckets from its first sale on. A group (a
category with at least `MIN_LAUNCHES` launches, else the whole shop) forecasts, per bucket since
launch, the mean and the 10/50/90% quantiles of its launches' curves. The curve starts at the
forecast origin, as if the item went on sale then, and closed days (`closures`) take their share
off it like any forecast.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

KEYS = ("mean", "p10", "p50", "p90")
MIN_LAUNCHES = 10  # launches a category needs for its own curve
SHOP = "shop"  # the group of every launch


@dataclass
class LaunchCurves:
    """Per group (category name or `SHOP`): the launches counted and mean/p10/p50/p90 per bucket."""

    groups: list[str]
    launches: np.ndarray  # [g]
    values: dict[str, np.ndarray]  # key -> [g, horizon]

    def group_of(self, category: str | None) -> int | None:
        """Row of a category's curve, else of the shop's; None when there is neither."""
        for name in (category, SHOP):
            if name is not None and name in self.groups:
                return self.groups.index(name)
        return None

    def scaled(self, share: np.ndarray) -> LaunchCurves:
        """The curves times the open share of each bucket (closed days)."""
        return LaunchCurves(self.groups, self.launches, {k: v * share[None, :] for k, v in self.values.items()})

    def save(self, path: Path) -> None:
        np.savez_compressed(path, groups=np.array(self.groups, dtype=str), launches=self.launches,
                            **{k: self.values[k].astype(np.float64) for k in KEYS})  # type: ignore[arg-type]

    @classmethod
    def load(cls, path: Path) -> LaunchCurves:
        with np.load(path, allow_pickle=False) as data:
            return cls([str(g) for g in data["groups"]], np.asarray(data["launches"], dtype=int),
                       {k: np.asarray(data[k], dtype=float) for k in KEYS})


def launch_curves(uncapped: np.ndarray, categories: Sequence[str], horizon: int, *,
                  min_start: int) -> LaunchCurves | None:
    """Curves of the launches in `uncapped` [items, buckets] (None when fewer than MIN_LAUNCHES)."""
    sold = uncapped > 0
    any_sale = sold.any(axis=1)
    first = np.where(any_sale, sold.argmax(axis=1), -1)
    launched = any_sale & (first >= min_start) & (first + horizon <= uncapped.shape[1])
    rows = np.flatnonzero(launched)
    if rows.size < MIN_LAUNCHES:
        return None
    curves = np.vstack([uncapped[i, first[i]:first[i] + horizon] for i in rows])
    cats = np.asarray(categories, dtype=object)[rows]
    groups = [SHOP] + sorted(c for c in set(cats) if (cats == c).sum() >= MIN_LAUNCHES)
    members = [np.ones(len(rows), dtype=bool)] + [cats == c for c in groups[1:]]
    values = {"mean": np.vstack([curves[m].mean(axis=0) for m in members])}
    for key, q in (("p10", 0.1), ("p50", 0.5), ("p90", 0.9)):
        values[key] = np.vstack([np.quantile(curves[m], q, axis=0) for m in members])
    return LaunchCurves(groups, np.array([int(m.sum()) for m in members]), values)
