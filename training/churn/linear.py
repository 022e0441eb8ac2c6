"""The linear half of the churn model: logistic regression on a few log-scaled RFM and BG/NBD columns.

Trees cannot extrapolate past the recency and tenure seen in the training windows; a linear model on
log scales can, and averaging the two log-odds ranked better than either on the validation as-ofs.
Its per-feature contributions are exact, so they add to the trees' SHAP values for `top_factors`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

from training.churn.logodds import logit


def _logit(p: pd.Series) -> np.ndarray:
    return logit(np.nan_to_num(p.to_numpy(dtype=float), nan=0.5))


def _log1p(p: pd.Series) -> np.ndarray:
    return np.log1p(np.clip(np.nan_to_num(p.to_numpy(dtype=float), nan=0.0), 0.0, None))


# name -> (source column, transform); the source column is where the contribution is reported
TERMS: dict[str, tuple[str, Callable[[pd.Series], np.ndarray]]] = {
    "logit_p_no_purchase": ("p_no_purchase_h", _logit),
    "logit_p_alive": ("p_alive", _logit),
    "log_recency": ("recency_days", _log1p),
    "log_tenure": ("tenure_days", _log1p),
    "log_frequency": ("frequency", _log1p),
    "log_purchase_days": ("purchase_days", _log1p),
    "log_orders_30d": ("orders_30d", _log1p),
    "log_orders_90d": ("orders_90d", _log1p),
    "log_monetary": ("monetary_total", _log1p),
    "log_expected_purchases": ("expected_purchases_h", _log1p),
    "log_gap_ratio": ("gap_ratio_median", _log1p),
    "one_order_day": ("gap_median_days", lambda s: s.isna().to_numpy(dtype=float)),
    "log_distinct_items": ("distinct_items", _log1p),
}


def design(frame: pd.DataFrame) -> np.ndarray:
    """The TERMS of every row of `frame` (missing source columns count as NaN)."""
    cols = [fn(frame[src] if src in frame else pd.Series(np.nan, index=frame.index)) for src, fn in TERMS.values()]
    return np.column_stack(cols)


@dataclass
class LinearPart:
    """Standardised logistic regression over TERMS: log-odds = intercept + sum coef * (x - mean) / scale."""

    mean: list[float] = field(default_factory=list)
    scale: list[float] = field(default_factory=list)
    coef: list[float] = field(default_factory=list)
    intercept: float = 0.0

    @classmethod
    def fit(cls, frame: pd.DataFrame, labels: np.ndarray, c: float = 1.0,
            sample_weight: np.ndarray | None = None) -> LinearPart:
        """Fit on labelled rows (L2 penalty 1/c on the standardised terms)."""
        x = design(frame)
        mean, scale = x.mean(axis=0), x.std(axis=0)
        scale = np.where(scale > 0, scale, 1.0)
        lr = LogisticRegression(C=c, max_iter=2000).fit((x - mean) / scale, labels, sample_weight=sample_weight)
        return cls([float(v) for v in mean], [float(v) for v in scale], [float(v) for v in lr.coef_[0]],
                   float(lr.intercept_[0]))

    def terms(self, frame: pd.DataFrame) -> np.ndarray:
        """Per-row, per-term contributions to the log-odds (without the intercept)."""
        return (design(frame) - np.asarray(self.mean)) / np.asarray(self.scale) * np.asarray(self.coef)

    def margin(self, frame: pd.DataFrame) -> np.ndarray:
        """Log-odds of churn."""
        return np.asarray(self.intercept + self.terms(frame).sum(axis=1), dtype=float)

    def contributions(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Contributions summed per source column, plus `bias` (the intercept)."""
        parts = pd.DataFrame(self.terms(frame), index=frame.index, columns=[src for src, _ in TERMS.values()])
        out = parts.T.groupby(level=0, sort=False).sum().T
        out["bias"] = self.intercept
        return out
