"""A stacked p50: non-negative weights (summing to one) over a few median-type forecasts.

The components are the global model's p50, the 8- and 13-week medians, statsforecast's TSB and an
exponentially weighted level (`STACK_COMPONENTS`). The weights are the point of a simplex grid with the
least pooled absolute error (the WAPE loss) on the validation origins, chosen per series class.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd

STACK_COMPONENTS = ("q50", "median_8w", "tsb", "median_13w", "ewm")
_COLUMNS = {"median_8w": "_median_8w", "tsb": "_tsb", "median_13w": "_median_13w", "ewm": "_ewm"}


def stack_inputs(rows: pd.DataFrame, model_p50: np.ndarray) -> np.ndarray:
    """The components of every row, [n rows, len(STACK_COMPONENTS)] (a missing column counts as 0)."""
    cols = [model_p50]
    for name in STACK_COMPONENTS[1:]:
        col = _COLUMNS[name]
        cols.append(rows[col].to_numpy(dtype=float) if col in rows else np.zeros(len(rows)))
    return np.column_stack(cols)


def simplex_grid(k: int, steps: int) -> np.ndarray:
    """Every weight vector of length k with entries in multiples of 1/steps that sum to one, [m, k]."""
    out = []
    for bars in combinations(range(steps + k - 1), k - 1):  # stars and bars
        edges = (-1, *bars, steps + k - 1)
        out.append([edges[i + 1] - edges[i] - 1 for i in range(k)])
    return np.asarray(out, dtype=float) / steps


def fit_stack(y: np.ndarray, inputs: np.ndarray, steps: int = 10, chunk: int = 128) -> tuple[float, ...]:
    """The grid weights with the least sum of |y - inputs @ w| (ties: the first, i.e. more model weight)."""
    if len(y) == 0:
        return tuple(float(v) for v in np.eye(inputs.shape[1])[0])
    grid = simplex_grid(inputs.shape[1], steps)
    best, best_loss = grid[0], np.inf
    for start in range(0, len(grid), chunk):
        part = grid[start:start + chunk]
        loss = np.abs(y[:, None] - inputs @ part.T).sum(axis=0)
        i = int(np.argmin(loss))
        if loss[i] < best_loss:
            best, best_loss = part[i], float(loss[i])
    return tuple(float(v) for v in best)


def apply_stack(inputs: np.ndarray, weights: tuple[tuple[float, ...], ...], cls: np.ndarray) -> np.ndarray:
    """Each row's stacked p50 with the weights of its class (`cls` indexes `weights`)."""
    w = np.asarray(weights, dtype=float)[cls]
    return np.maximum((inputs * w).sum(axis=1), 0.0)
