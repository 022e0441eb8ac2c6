"""Candidates from implicit ALS on BM25-weighted order counts (collaborative filtering by taste)."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from implicit.cpu.als import AlternatingLeastSquares
from implicit.nearest_neighbours import bm25_weight
from threadpoolctl import threadpool_limits

from training.recommender.interactions import Interactions


class ALSSource:
    """Matrix factorisation of the customer x item order counts (BM25-weighted)."""

    def __init__(self, *, factors: int = 64, regularization: float = 0.05, iterations: int = 15,
                 bm25_k1: float = 100.0, bm25_b: float = 0.8, num_threads: int = 1, seed: int = 7) -> None:
        self.factors = factors
        self.regularization = regularization
        self.iterations = iterations
        self.bm25_k1 = bm25_k1
        self.bm25_b = bm25_b
        self.num_threads = num_threads
        self.seed = seed

    def fit(self, history: Interactions) -> ALSSource:
        """Learn customer and item factors from `history.orders`.

        BLAS runs single-threaded during the fit, as implicit advises (its own threads do the work)."""
        weighted = bm25_weight(history.orders.astype(np.float32), K1=self.bm25_k1, B=self.bm25_b).tocsr()
        with threadpool_limits(1, "blas"):
            model = AlternatingLeastSquares(factors=self.factors, regularization=self.regularization,
                                            iterations=self.iterations, num_threads=self.num_threads,
                                            random_state=self.seed)
            model.fit(sp.csr_matrix(weighted, dtype=np.float32), show_progress=False)
        self.user_factors_ = np.asarray(model.user_factors, dtype=np.float32)
        self.item_factors_ = np.asarray(model.item_factors, dtype=np.float32)
        return self

    def scores(self, rows: np.ndarray) -> np.ndarray:
        """Dense block (rows x items) of predicted preference."""
        return self.user_factors_[rows] @ self.item_factors_.T
