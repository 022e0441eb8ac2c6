"""Candidates bought in the same orders as the items in the customer's most recent baskets."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from training.recommender.interactions import Interactions


def top_k_per_row(matrix: np.ndarray, k: int) -> sp.csr_matrix:
    """Keep the k largest positive entries of every row of a dense matrix."""
    k = min(k, matrix.shape[1])
    cols = np.argpartition(-matrix, k - 1, axis=1)[:, :k]
    rows = np.repeat(np.arange(matrix.shape[0]), k)
    values = matrix[rows, cols.ravel()]
    keep = values > 0
    return sp.csr_matrix((values[keep], (rows[keep], cols.ravel()[keep])), shape=matrix.shape, dtype=np.float32)


class CoPurchaseSource:
    """Item x item co-occurrence in orders, cosine-normalised, top `neighbours` per item."""

    def __init__(self, *, neighbours: int = 100) -> None:
        self.neighbours = neighbours

    def fit(self, history: Interactions) -> CoPurchaseSource:
        """Count how often two items share an order."""
        basket = (history.basket > 0).astype(np.float32)
        together = np.asarray((basket.T @ basket).todense(), dtype=np.float32)
        counts = np.sqrt(np.maximum(np.diag(together), 1.0))
        np.fill_diagonal(together, 0.0)
        cosine = together / counts[:, None] / counts[None, :]
        self.similarity_ = top_k_per_row(cosine, self.neighbours)
        self.recent_ = history.recent
        return self

    def scores(self, rows: np.ndarray) -> np.ndarray:
        """Dense block (rows x items): items bought together with the customer's recent items."""
        return np.asarray((self.recent_[rows] @ self.similarity_).todense())
