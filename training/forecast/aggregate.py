"""Category and shop-total levels as groups of item series, and reconciliation of their forecasts.

Reconciliation is bottom-up for the mean: a category's (or the shop's) mean is the sum of its items'
means, so the levels add up exactly. Its p10/p50/p90 are that mean times the ratio quantiles the
forecaster measured on sums of its training items over the validation origins (`levels`).
"""

from __future__ import annotations

import numpy as np

from features.demand import CATEGORY_PREFIX, TOTAL_ID
from training.forecast.levels import Ratios, spread


def level_groups(category_code: np.ndarray, category_names: list[str]) -> tuple[list[str], list[np.ndarray]]:
    """The ids of every category present plus the total, and the item rows each one sums."""
    groups: list[np.ndarray] = []
    ids: list[str] = []
    for code, name in enumerate(category_names):
        rows = np.flatnonzero(category_code == code)
        if rows.size:
            groups.append(rows)
            ids.append(f"{CATEGORY_PREFIX}{name}")
    groups.append(np.arange(len(category_code)))
    ids.append(TOTAL_ID)
    return ids, groups


def summed(matrix: np.ndarray, groups: list[np.ndarray]) -> np.ndarray:
    """Rows of `matrix` summed per group."""
    return np.vstack([matrix[g].sum(axis=0) for g in groups])


def reconcile(item: dict[str, np.ndarray], groups: list[np.ndarray], *, category_ratios: Ratios,
              total_ratios: Ratios) -> dict[str, np.ndarray]:
    """Forecasts of the sums of `groups` (arrays [n_groups, H]; the last group is the shop total) whose
    means are the sums of their items' means."""
    bottom_up = summed(item["mean"], groups)
    parts = [spread(bottom_up[:-1], category_ratios), spread(bottom_up[-1:], total_ratios)]
    return {key: np.vstack([part[key] for part in parts]) for key in parts[0]}
