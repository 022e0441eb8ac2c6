"""Category and shop-total series built from the item series, and reconciliation of their forecasts.

Reconciliation is bottom-up for the mean: a category's (or the shop's) mean is the sum of its items'
means, so the levels add up exactly. The aggregate's own model run gives the shape of its
distribution (p10/p50/p90 relative to its own mean); those quantiles are scaled by the ratio of the
bottom-up mean to the aggregate model's mean (`levels.rescaled`), so the shape survives when the two
levels differ a lot (an additive shift would push the lower quantiles to zero), then kept ordered and
non-negative, with the mean inside p10..p90. The item-level
conformal offsets are not applied to aggregates (see `GlobalForecaster.predict`), and no backtest
measures aggregate coverage yet.
"""

from __future__ import annotations

import numpy as np

from features.demand import CATEGORY_PREFIX, TOTAL_ID
from training.forecast.levels import rescaled
from training.forecast.windows import History


def aggregate_history(hist: History, category_names: list[str]) -> tuple[History, list[np.ndarray]]:
    """A History of every category present plus the total, and the item rows each one sums."""
    groups: list[np.ndarray] = []
    ids: list[str] = []
    for code, name in enumerate(category_names):
        rows = np.flatnonzero(hist.category_code == code)
        if rows.size:
            groups.append(rows)
            ids.append(f"{CATEGORY_PREFIX}{name}")
    groups.append(np.arange(len(hist.ids)))
    ids.append(TOTAL_ID)

    def summed(matrix: np.ndarray) -> np.ndarray:
        return np.vstack([matrix[g].sum(axis=0) for g in groups])

    codes = np.array([hist.category_code[g[0]] if i < len(groups) - 1 else -1 for i, g in enumerate(groups)])
    agg = History(ids=ids, dates=hist.dates, y=summed(hist.y), revenue=summed(hist.revenue), total=hist.total,
                  category_code=codes, promo=np.vstack([hist.promo[g].max(axis=0) for g in groups]),
                  lines=None if hist.lines is None else summed(hist.lines), daily_total=hist.daily_total)
    return agg, groups


def reconcile(item: dict[str, np.ndarray], agg: dict[str, np.ndarray], groups: list[np.ndarray]
              ) -> dict[str, np.ndarray]:
    """Aggregate forecasts whose means are the sums of their items' means (arrays [n_agg, H])."""
    bottom_up = np.vstack([item["mean"][g].sum(axis=0) for g in groups])
    return rescaled(agg, bottom_up)
