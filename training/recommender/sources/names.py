"""Candidates whose product names share words with what the customer bought (variants, ranges)."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from training.recommender.interactions import Interactions
from training.recommender.sources.copurchase import top_k_sparse


class NameSource:
    """TF-IDF cosine similarity of item names (words and word pairs), top `neighbours` per item."""

    def __init__(self, *, neighbours: int = 50) -> None:
        self.neighbours = neighbours

    def fit(self, history: Interactions, names: dict[str, str]) -> NameSource:
        """Learn the item x item name similarity; items without a name have none."""
        texts = [names.get(item, "") or "" for item in history.items]
        n = len(texts)
        if not any(t.strip() for t in texts):
            self.similarity_ = sp.csr_matrix((n, n), dtype=np.float32)
        else:
            vectors = TfidfVectorizer(ngram_range=(1, 2), min_df=1, token_pattern=r"(?u)\b[a-zA-Z]{2,}\b",
                                      lowercase=True).fit_transform(texts)
            cosine = sp.csr_matrix(vectors @ vectors.T, dtype=np.float32)
            cosine.setdiag(0.0)
            self.similarity_ = top_k_sparse(cosine, self.neighbours)
        self.recency_ = history.recency
        return self

    def scores(self, rows: np.ndarray) -> np.ndarray:
        """Dense block (rows x items): recency-weighted history times name similarity."""
        return np.asarray((self.recency_[rows] @ self.similarity_).todense())
