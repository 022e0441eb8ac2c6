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


def top_k_sparse(matrix: sp.csr_matrix, k: int) -> sp.csr_matrix:
    """Keep the k largest positive stored entries of every row of a sparse matrix."""
    matrix = sp.csr_matrix(matrix, dtype=np.float32)
    matrix.eliminate_zeros()
    rows, cols, values = [], [], []
    for r in range(matrix.shape[0]):
        a, b = matrix.indptr[r], matrix.indptr[r + 1]
        data = matrix.data[a:b]
        idx = matrix.indices[a:b]
        if b - a > k:
            pick = np.argpartition(-data, k - 1)[:k]
            data, idx = data[pick], idx[pick]
        keep = data > 0
        rows.append(np.full(int(keep.sum()), r))
        cols.append(idx[keep])
        values.append(data[keep])
    if not rows:
        return sp.csr_matrix(matrix.shape, dtype=np.float32)
    return sp.csr_matrix((np.concatenate(values), (np.concatenate(rows), np.concatenate(cols))),
                         shape=matrix.shape, dtype=np.float32)


class CoPurchaseSource:
    """Item x item co-occurrence in orders, cosine-normalised, top `neighbours` per item."""

    def __init__(self, *, neighbours: int = 100) -> None:
        self.neighbours = neighbours

    def fit(self, history: Interactions) -> CoPurchaseSource:
        """Count how often two items share an order."""
        basket = sp.csr_matrix((history.basket > 0).astype(np.float32))
        together = sp.csr_matrix(basket.T @ basket)
        scale = sp.diags(1.0 / np.sqrt(np.maximum(together.diagonal(), 1.0)))
        cosine = sp.csr_matrix(scale @ together @ scale)
        cosine.setdiag(0.0)
        self.similarity_ = top_k_sparse(cosine, self.neighbours)
        self.recent_ = history.recent
        return self

    def scores(self, rows: np.ndarray) -> np.ndarray:
        """Dense block (rows x items): items bought together with the customer's recent items."""
        return np.asarray((self.recent_[rows] @ self.similarity_).todense())
