"""Log-odds of probabilities, clipped away from 0 and 1 so they stay finite."""

from __future__ import annotations

import numpy as np

EPS = 1e-6


def logit(p: np.ndarray) -> np.ndarray:
    """log(p / (1 - p)) with p clipped to [EPS, 1 - EPS]."""
    q = np.clip(np.asarray(p, dtype=float), EPS, 1 - EPS)
    return np.log(q / (1 - q))
