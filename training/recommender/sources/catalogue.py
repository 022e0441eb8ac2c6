"""Never-sold catalogue items: how like the sold items they are (name words, category), for new-arrival picks.

A product in the items table that nobody has bought yet has no purchases for ALS, item-kNN or the
rankers to learn from. Its name and category still say what it resembles: a customer who bought
"JUMBO BAG RED RETROSPOT" is likely to want the new "JUMBO BAG PINK RETROSPOT".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from training.recommender.sources.copurchase import top_k_sparse

TOKENS = r"(?u)\b[a-zA-Z]{2,}\b"
CELLS = 1 << 24  # cells per block of rows (64 MB as dense float32), so a large catalogue stays in memory


def block_rows(columns: int) -> int:
    """How many rows of a matrix with `columns` columns one block holds (at least one)."""
    return max(1, CELLS // max(columns, 1))


@dataclass(frozen=True)
class CatalogueConfig:
    """How new catalogue items are matched to sold ones.

    Defaults were chosen on the Online Retail II window starting 2010-07-23 (items first sold in it
    played the never-sold catalogue), before any reported cutoff."""

    neighbours: int = 10
    category_weight: float = 0.5  # weight of a shared category against the name's TF-IDF vector
    prior_weight: float = 0.3  # weight of the expected popularity against the customer's own likeness
    similar_popularity_weight: float = 1.0  # weight of popularity in a new product's similar items
    per_customer: int = 20  # new arrivals kept per customer in a served model


@dataclass
class Catalogue:
    """Never-sold items (`items`) and their likeness to the sold items (`neighbours`: new x sold,
    the top `neighbours` cosine similarities per new item); `prior` is each new item's expected
    popularity: the likeness-weighted mean popularity of its sold neighbours."""

    items: list[str]
    neighbours: sp.csr_matrix
    prior: np.ndarray

    @property
    def empty(self) -> bool:
        return not self.items


def fit_catalogue(sold: list[str], new: list[str], *, names: dict[str, str], categories: dict[str, str],
                  popularity: np.ndarray, config: CatalogueConfig) -> Catalogue:
    """Match every `new` item to its most alike `sold` items (`popularity` is aligned with `sold`)."""
    if not new or not sold:
        return Catalogue(list(new), sp.csr_matrix((len(new), len(sold)), dtype=np.float32),
                         np.zeros(len(new), dtype=np.float32))
    vectors = _content_vectors([*sold, *new], names, categories, config.category_weight)
    sold_t = vectors[:len(sold)].T.tocsc()
    step = block_rows(len(sold))
    likeness = sp.csr_matrix(sp.vstack([
        top_k_sparse(sp.csr_matrix(vectors[len(sold) + s:len(sold) + s + step] @ sold_t), config.neighbours)
        for s in range(0, len(new), step)]), dtype=np.float32)
    weight = np.asarray(likeness.sum(axis=1)).ravel()
    expected = np.asarray(likeness @ popularity.astype(np.float32)).ravel()
    prior = np.where(weight > 0, expected / np.maximum(weight, 1e-9), 0.0).astype(np.float32)
    return Catalogue(list(new), likeness, prior)


def _content_vectors(items: list[str], names: dict[str, str], categories: dict[str, str],
                     category_weight: float) -> sp.csr_matrix:
    """Unit-length rows: the TF-IDF of the name (words and word pairs) next to a weighted category one-hot."""
    texts = [names.get(item, "") or "" for item in items]
    parts: list[sp.csr_matrix] = []
    if any(t.strip() for t in texts):
        try:
            words = TfidfVectorizer(ngram_range=(1, 2), token_pattern=TOKENS).fit_transform(texts)
            parts.append(sp.csr_matrix(words, dtype=np.float32))
        except ValueError:  # no name holds a word of two letters or more
            pass
    labels = [categories.get(item, "") or "" for item in items]
    known = sorted(set(labels) - {""})
    if known and category_weight > 0:
        index = {c: k for k, c in enumerate(known)}
        rows = [r for r, c in enumerate(labels) if c]
        cols = [index[labels[r]] for r in rows]
        onehot = sp.csr_matrix((np.full(len(rows), category_weight, dtype=np.float32), (rows, cols)),
                               shape=(len(items), len(known)))
        parts.append(onehot)
    if not parts:
        return sp.csr_matrix((len(items), 1), dtype=np.float32)
    return sp.csr_matrix(normalize(sp.hstack(parts).tocsr()), dtype=np.float32)


def arrival_scores(catalogue: Catalogue, taste: sp.csr_matrix, config: CatalogueConfig) -> np.ndarray:
    """Dense (customers x new items): each customer's likeness to the new items from `taste`
    (customers x sold items, e.g. recency-weighted purchases), each row scaled to a maximum of 1,
    plus `prior_weight` times the expected popularity scaled the same way."""
    own = np.asarray((taste @ catalogue.neighbours.T).todense(), dtype=np.float32)
    own /= np.maximum(own.max(axis=1, keepdims=True), 1e-9)
    return own + config.prior_weight * prior_share(catalogue)[None, :]


def similar_scores(catalogue: Catalogue, popularity: np.ndarray, config: CatalogueConfig,
                   rows: np.ndarray | None = None) -> np.ndarray:
    """Dense (new x sold items; only the new items `rows` when given): how fit each sold item is for
    a new product's page; its likeness scaled to a maximum of 1 per new product, plus
    `similar_popularity_weight` times the sold item's popularity (`popularity`) scaled to a maximum of 1."""
    like = (catalogue.neighbours if rows is None else catalogue.neighbours[rows]).toarray()
    like /= np.maximum(like.max(axis=1, keepdims=True), 1e-9)
    top = float(popularity.max()) if len(popularity) else 0.0
    share = popularity / top if top > 0 else np.zeros_like(popularity)
    return (like + config.similar_popularity_weight * share[None, :]).astype(np.float32)


def prior_share(catalogue: Catalogue) -> np.ndarray:
    """The expected popularity of the new items, scaled to a maximum of 1."""
    top = float(catalogue.prior.max()) if len(catalogue.prior) else 0.0
    return (catalogue.prior / top if top > 0 else catalogue.prior).astype(np.float32)
