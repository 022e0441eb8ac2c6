"""Paired bootstrap intervals: how sure a "shopml against the best peer" figure is.

Both models are scored on the same units (customers, products); resampling the units with
replacement and recomputing the figure on each resample gives its spread.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def paired_interval(statistic: Callable[[np.ndarray], float], n_units: int, *, draws: int = 1000,
                    level: float = 0.95, seed: int = 0) -> tuple[float, float]:
    """Percentile interval of `statistic(units)` over `draws` resamples of the unit indices 0..n_units-1."""
    if n_units < 2:
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    values = np.array([statistic(rng.integers(0, n_units, n_units)) for _ in range(draws)])
    values = values[np.isfinite(values)]
    if values.size == 0:
        return float("nan"), float("nan")
    tail = (1.0 - level) / 2.0
    low, high = np.quantile(values, [tail, 1.0 - tail])
    return float(low), float(high)


def ratio_of_sums_interval(numerator: np.ndarray, denominator: np.ndarray, *, draws: int = 1000,
                           level: float = 0.95, seed: int = 0) -> tuple[float, float]:
    """Interval of sum(numerator) / sum(denominator), both indexed by unit (e.g. per-customer NDCG of
    shopml and of a peer: the ratio of their means)."""
    num, den = np.asarray(numerator, dtype=float), np.asarray(denominator, dtype=float)

    def ratio(units: np.ndarray) -> float:
        d = den[units].sum()
        return float(num[units].sum() / d) if d > 0 else float("nan")

    return paired_interval(ratio, len(num), draws=draws, level=level, seed=seed)
