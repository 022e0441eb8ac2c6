"""Forecasts for catalogue items that have not sold yet: how the shop's recent launches sold.

A launch is an item whose first sale came at least `spec.min_history` buckets after the start of
the history (an item selling from the start may be an old one) with a whole horizon of history
after it. Its curve is its uncapped demand in the buckets from its first sale on, and its price the
unit price of that first bucket. A group (a category with at least `MIN_LAUNCHES` launches, else the
whole shop) forecasts, per bucket since launch, the mean and the 10/50/90% quantiles of its
launches' curves; a group with at least `PRICE_BANDS` x `MIN_LAUNCHES` priced launches also has one
curve per price tercile (cheap items sell more units), used when the new item's price is known.
The curve starts at the forecast origin, as if the item went on sale then, and closed days
(`closures`) take their share off it like any forecast.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

KEYS = ("mean", "p10", "p50", "p90")
MIN_LAUNCHES = 10  # launches a category (or a price band) needs for its own curve
PRICE_BANDS = 3
SHOP = "shop"  # the group of every launch


@dataclass
class LaunchCurves:
    """Curves per row; a row is a group (category name or `SHOP`) and a price band (0 = every price).

    `edges[g]` holds the price tercile edges of group `g`'s row with band 0 (NaN: no bands)."""

    groups: list[str]
    bands: np.ndarray  # [rows] 0 for the whole group, 1..PRICE_BANDS for a price band
    launches: np.ndarray  # [rows]
    edges: np.ndarray  # [rows, PRICE_BANDS - 1]
    values: dict[str, np.ndarray]  # key -> [rows, horizon]

    def row_of(self, category: str | None, price: float | None = None) -> int | None:
        """The curve for a new item: its category's (else the shop's), in its price band when known."""
        rows = {(g, int(b)): r for r, (g, b) in enumerate(zip(self.groups, self.bands, strict=True))}
        name = category if category is not None and (category, 0) in rows else SHOP
        if (name, 0) not in rows:
            return None
        whole = rows[(name, 0)]
        if price is None or not np.isfinite(price) or np.isnan(self.edges[whole]).any():
            return whole
        return rows[(name, int(np.searchsorted(self.edges[whole], price, side="right")) + 1)]

    def label(self, row: int) -> str:
        """The row in words: `kitchen`, or `kitchen, price tercile 2`."""
        band = int(self.bands[row])
        return self.groups[row] if band == 0 else f"{self.groups[row]}, price tercile {band}"

    def scaled(self, share: np.ndarray) -> LaunchCurves:
        """The curves times the open share of each bucket (closed days)."""
        return LaunchCurves(self.groups, self.bands, self.launches, self.edges,
                            {k: v * share[None, :] for k, v in self.values.items()})

    def save(self, path: Path) -> None:
        np.savez_compressed(path, groups=np.array(self.groups, dtype=str), bands=self.bands, launches=self.launches,
                            edges=self.edges, **{k: self.values[k].astype(np.float64) for k in KEYS})  # type: ignore[arg-type]

    @classmethod
    def load(cls, path: Path) -> LaunchCurves:
        with np.load(path, allow_pickle=False) as data:
            rows = len(data["groups"])
            bands = data["bands"] if "bands" in data else np.zeros(rows)  # folders before price terciles
            edges = data["edges"] if "edges" in data else np.full((rows, PRICE_BANDS - 1), np.nan)
            return cls([str(g) for g in data["groups"]], np.asarray(bands, dtype=int),
                       np.asarray(data["launches"], dtype=int), np.asarray(edges, dtype=float),
                       {k: np.asarray(data[k], dtype=float) for k in KEYS})


def launch_curves(uncapped: np.ndarray, categories: Sequence[str], horizon: int, *, min_start: int,
                  revenue: np.ndarray | None = None) -> LaunchCurves | None:
    """Curves of the launches in `uncapped` [items, buckets] (None when fewer than MIN_LAUNCHES);
    `revenue` (same shape) prices each launch by its first bucket."""
    sold = uncapped > 0
    any_sale = sold.any(axis=1)
    first = np.where(any_sale, sold.argmax(axis=1), -1)
    launched = any_sale & (first >= min_start) & (first + horizon <= uncapped.shape[1])
    rows = np.flatnonzero(launched)
    if rows.size < MIN_LAUNCHES:
        return None
    curves = np.vstack([uncapped[i, first[i]:first[i] + horizon] for i in rows])
    price = np.full(rows.size, np.nan)
    if revenue is not None:
        price = np.array([revenue[i, first[i]] / uncapped[i, first[i]] for i in rows])
        price[~(price > 0)] = np.nan
    cats = np.asarray(categories, dtype=object)[rows]
    names = [SHOP] + sorted(c for c in set(cats) if (cats == c).sum() >= MIN_LAUNCHES)
    out: list[tuple[str, int, np.ndarray, np.ndarray]] = []  # group, band, members, edges
    for name in names:
        member = np.ones(rows.size, dtype=bool) if name == SHOP else cats == name
        priced = member & np.isfinite(price)
        edges = np.full(PRICE_BANDS - 1, np.nan)
        bands: list[np.ndarray] = []
        if priced.sum() >= PRICE_BANDS * MIN_LAUNCHES:
            edges = np.quantile(price[priced], np.linspace(0, 1, PRICE_BANDS + 1)[1:-1])
            band = np.searchsorted(edges, price, side="right") + 1
            bands = [priced & (band == b) for b in range(1, PRICE_BANDS + 1)]
            if min(int(m.sum()) for m in bands) < MIN_LAUNCHES:  # ties at an edge: no bands
                edges, bands = np.full(PRICE_BANDS - 1, np.nan), []
        out.append((name, 0, member, edges))
        out.extend((name, b, m, np.full(PRICE_BANDS - 1, np.nan)) for b, m in enumerate(bands, start=1))
    values = {"mean": np.vstack([curves[m].mean(axis=0) for _, _, m, _ in out])}
    for key, q in (("p10", 0.1), ("p50", 0.5), ("p90", 0.9)):
        values[key] = np.vstack([np.quantile(curves[m], q, axis=0) for _, _, m, _ in out])
    return LaunchCurves([g for g, _, _, _ in out], np.array([b for _, b, _, _ in out]),
                        np.array([int(m.sum()) for _, _, m, _ in out]), np.vstack([e for _, _, _, e in out]), values)
