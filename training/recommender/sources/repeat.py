"""Candidates from the customer's own past purchases, weighted by recency and frequency."""

from __future__ import annotations

import numpy as np

from training.recommender.interactions import Interactions


def repeat_scores(history: Interactions, rows: np.ndarray) -> np.ndarray:
    """Dense block (rows x items): sum over the customer's orders with the item of a recency
    weight that halves every `halflife_days` (set when the history was built); 0 = never bought."""
    return history.recency[rows].toarray()
