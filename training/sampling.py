"""Seeded uniform samples that bound how many customers a training run reads."""

from __future__ import annotations

import numpy as np


def at_most(ids: np.ndarray, limit: int, *, seed: int) -> np.ndarray:
    """`ids` itself when there are at most `limit`, else `limit` of them drawn uniformly without
    replacement; the same seed gives the same draw."""
    if limit < 1:
        raise ValueError(f"max_customers must be a positive number of customers, got {limit}")
    if len(ids) <= limit:
        return ids
    return np.random.default_rng(seed).choice(ids, size=limit, replace=False)
