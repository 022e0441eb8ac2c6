"""Top-K ranking metrics: NDCG, recall, precision, hit rate and catalogue coverage."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

METRIC_NAMES: tuple[str, ...] = ("ndcg", "recall", "precision", "hit_rate", "coverage")


def ranking_metrics(
    recommended: np.ndarray, truth: sp.csr_matrix, total: np.ndarray, rows: np.ndarray, *, n_items: int
) -> dict[str, float]:
    """Mean metrics@K over `rows`.

    `recommended[j]` holds the K item columns recommended to customer `rows[j]` (-1 = empty slot);
    `truth` marks the known items each customer bought in the test window and `total[row]` counts
    every distinct item bought (unknown items too), which is what recall and the ideal DCG use.
    Coverage is the share of the `n_items` catalogue recommended to at least one customer.
    """
    if len(rows) == 0:
        return {name: float("nan") for name in METRIC_NAMES}
    k = recommended.shape[1]
    hits = _hits(recommended, truth, rows)
    n_rel = total[rows]
    n_hits = hits.sum(axis=1)
    shown = np.unique(recommended[recommended >= 0])
    return {
        "ndcg": float(np.mean(_ndcg(hits, n_rel))),
        "recall": float(np.mean(n_hits / n_rel)),
        "precision": float(np.mean(n_hits / k)),
        "hit_rate": float(np.mean(n_hits > 0)),
        "coverage": float(len(shown) / max(n_items, 1)),
    }


def ndcg_per_customer(recommended: np.ndarray, truth: sp.csr_matrix, total: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """NDCG@K of each customer at `rows` (the values `ranking_metrics` averages)."""
    return _ndcg(_hits(recommended, truth, rows), total[rows])


def _hits(recommended: np.ndarray, truth: sp.csr_matrix, rows: np.ndarray) -> np.ndarray:
    """[customers, K] booleans: the recommended item was bought in the test window."""
    sub = truth[rows]
    valid = recommended >= 0
    safe = np.where(valid, recommended, 0)
    hits = np.zeros(recommended.shape, dtype=bool)
    for j in range(len(rows)):
        start, end = sub.indptr[j], sub.indptr[j + 1]
        if end > start:
            hits[j] = np.isin(safe[j], sub.indices[start:end]) & valid[j]
    return hits


def _ndcg(hits: np.ndarray, n_rel: np.ndarray) -> np.ndarray:
    discounts = 1.0 / np.log2(np.arange(hits.shape[1]) + 2.0)
    ideal = np.cumsum(discounts)[np.minimum(n_rel, hits.shape[1]).astype(int) - 1]
    return np.asarray((hits * discounts).sum(axis=1) / ideal)


def top_k(scores: np.ndarray, k: int, *, exclude: np.ndarray | None = None) -> np.ndarray:
    """Column indices of each row's k best scores, best first; excluded or -inf entries become -1.

    Ties go to the lower column index, so the lists do not depend on how numpy partitions."""
    block = scores.astype(np.float64, copy=True)
    block[np.isnan(block)] = -np.inf
    if exclude is not None:
        block[exclude] = -np.inf
    n_rows, n_cols = block.shape
    k_eff = min(k, n_cols)
    if k_eff == 0 or n_rows == 0:
        return np.full((n_rows, k), -1, dtype=np.int64)
    kth = -np.partition(-block, k_eff - 1, axis=1)[:, k_eff - 1:k_eff]
    above = block > kth
    tied = block == kth
    need = k_eff - above.sum(axis=1, keepdims=True)
    chosen = above | (tied & (np.cumsum(tied, axis=1) <= need))
    cols = np.nonzero(chosen)[1].reshape(n_rows, k_eff)
    order = np.argsort(-np.take_along_axis(block, cols, axis=1), axis=1, kind="stable")
    best = np.take_along_axis(cols, order, axis=1)
    best = np.where(np.isfinite(np.take_along_axis(block, best, axis=1)), best, -1)
    if k_eff < k:
        best = np.hstack([best, np.full((n_rows, k - k_eff), -1)])
    return best
