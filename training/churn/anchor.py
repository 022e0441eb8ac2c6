"""Level anchoring: shift churn log-odds so the population's mean churn matches a reference forecast.

The training windows' churn rates drift (the history is left-truncated and buying is seasonal), so the
level learned on them can be off at a new as-of. BG/NBD, fitted on the whole history before the as-of,
gives a stationary forecast of how many customers will stay quiet; anchoring keeps LightGBM's ranking
and takes the overall level from that forecast. It uses the as-of population's features only, no labels.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import brentq

from training.churn.logodds import logit

MAX_SHIFT = 8.0  # log-odds


def shifted(p: np.ndarray, shift: float) -> np.ndarray:
    """Probabilities `p` with `shift` added to their log-odds."""
    return 1.0 / (1.0 + np.exp(-(logit(p) + shift)))


def level_shift(p: np.ndarray, target_mean: float) -> float:
    """The log-odds shift that makes the mean of `p` equal `target_mean` (0 if undefined)."""
    p = np.asarray(p, dtype=float)
    if len(p) == 0 or not np.isfinite(target_mean) or not 0.0 < target_mean < 1.0:
        return 0.0

    def gap(shift: float) -> float:
        return float(np.mean(shifted(p, shift)) - target_mean)

    if gap(-MAX_SHIFT) > 0:
        return -MAX_SHIFT
    if gap(MAX_SHIFT) < 0:
        return MAX_SHIFT
    return float(brentq(gap, -MAX_SHIFT, MAX_SHIFT, xtol=1e-10))
