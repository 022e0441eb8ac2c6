"""The linear half of the churn model: exact contributions and extrapolation past the training recency."""

from __future__ import annotations

import numpy as np
import pandas as pd

from training.churn.linear import TERMS, LinearPart


def _frame(recency: np.ndarray, rng: np.random.Generator) -> pd.DataFrame:
    n = len(recency)
    return pd.DataFrame({
        "recency_days": recency, "tenure_days": recency + rng.uniform(0, 100, n), "frequency": rng.integers(1, 9, n),
        "p_no_purchase_h": rng.uniform(0.1, 0.9, n), "gap_median_days": np.where(rng.random(n) < 0.3, np.nan, 20.0),
    })


def test_contributions_add_up_and_recency_extrapolates() -> None:
    rng = np.random.default_rng(5)
    recency = rng.uniform(0, 100, 3000)
    train = _frame(recency, rng)
    y = (rng.random(3000) < 1 / (1 + np.exp(-(np.log1p(recency) - 3.0)))).astype(int)
    part = LinearPart.fit(train, y)
    assert len(part.coef) == len(TERMS)
    later = _frame(np.array([50.0, 150.0, 300.0]), rng).assign(tenure_days=400.0, frequency=2, p_no_purchase_h=0.5,
                                                                gap_median_days=20.0)
    contrib = part.contributions(later)
    np.testing.assert_allclose(contrib.sum(axis=1), part.margin(later))
    assert "bias" in contrib and "recency_days" in contrib
    margin = part.margin(later)
    assert margin[0] < margin[1] < margin[2]  # beyond the 100 days seen in training, risk keeps rising
