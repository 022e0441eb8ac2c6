"""Candidates from implicit's item-kNN (cosine similarity between item purchase vectors)."""

from __future__ import annotations

import warnings

import numpy as np
import scipy.sparse as sp
from implicit.nearest_neighbours import CosineRecommender
from implicit.utils import ParameterWarning

from training.recommender.interactions import Interactions


class ItemKNNSource:
    """Cosine item-item neighbours (K per item) over customers' order counts."""

    def __init__(self, *, neighbours: int = 100, num_threads: int = 1) -> None:
        self.neighbours = neighbours
        self.num_threads = num_threads

    def fit(self, history: Interactions) -> ItemKNNSource:
        """Learn the sparse item x item similarity from `history.orders`."""
        model = CosineRecommender(K=self.neighbours, num_threads=self.num_threads)
        self.user_items_ = sp.csr_matrix(history.orders, dtype=np.float32)
        with warnings.catch_warnings():  # CosineRecommender transposes our CSR input itself, then warns
            warnings.simplefilter("ignore", ParameterWarning)
            model.fit(self.user_items_, show_progress=False)
        self.similarity_ = sp.csr_matrix(model.similarity, dtype=np.float32)
        return self

    def scores(self, rows: np.ndarray) -> np.ndarray:
        """Dense block (rows x items): the customer's items times their neighbours' similarity."""
        return np.asarray((self.user_items_[rows] @ self.similarity_).todense())
