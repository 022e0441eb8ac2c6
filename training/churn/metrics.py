"""Churn metrics: ROC-AUC, PR-AUC, Brier score, expected calibration error (10 bins), top-decile lift."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

METRIC_COLUMNS: tuple[str, ...] = ("ROC-AUC", "PR-AUC", "Brier", "ECE", "lift@10%")


def expected_calibration_error(y: np.ndarray, p: np.ndarray, n_bins: int = 10) -> float:
    """Weighted mean |observed rate - mean probability| over `n_bins` equal-width probability bins."""
    y, p = np.asarray(y, dtype=float), np.asarray(p, dtype=float)
    bins = np.clip((p * n_bins).astype(int), 0, n_bins - 1)
    total = 0.0
    for b in range(n_bins):
        mask = bins == b
        if mask.any():
            total += mask.sum() * abs(y[mask].mean() - p[mask].mean())
    return float(total / len(y))


def top_decile_lift(y: np.ndarray, score: np.ndarray, fraction: float = 0.1) -> float:
    """Churn rate among the top `fraction` scores divided by the overall churn rate.

    Customers tied on the score at the cut share the remaining places: they count at their mean
    churn rate (what a random order among them would give on average), not in an arbitrary order."""
    y, score = np.asarray(y, dtype=float), np.nan_to_num(np.asarray(score, dtype=float), nan=-np.inf)
    n_top = max(1, round(len(y) * fraction))
    cut = np.sort(score)[::-1][n_top - 1]
    above, tied = score > cut, score == cut
    top_churners = y[above].sum() + (n_top - above.sum()) * y[tied].mean()
    return float(top_churners / n_top / y.mean())


def churn_metrics(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    """All table metrics for labels `y` (1 = churned) and churn probabilities `p`."""
    y, p = np.asarray(y, dtype=int), np.clip(np.asarray(p, dtype=float), 0.0, 1.0)
    if len(np.unique(y)) < 2:
        raise ValueError("churn metrics need both churners and stayers in the evaluation set")
    return {
        "ROC-AUC": float(roc_auc_score(y, p)),
        "PR-AUC": float(average_precision_score(y, p)),
        "Brier": float(brier_score_loss(y, p)),
        "ECE": expected_calibration_error(y, p),
        "lift@10%": top_decile_lift(y, p),
    }
