"""The evaluation protocol: shopml and its peers fitted on the same temporal split, one table.

Train on purchases before the cutoff, test on the distinct items each customer bought in the next
`window_days`; only customers with history count. Metrics@K on all items and on new items only
(items the customer never bought before; already-bought items are filtered out of every list).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from features.timestamps import as_utc
from training.evaluation.bootstrap import ratio_of_sums_interval
from training.recommender.candidates import FittedSources, candidate_frame
from training.recommender.catalogue_backtest import catalogue_tables
from training.recommender.interactions import Truth, new_items_truth
from training.recommender.metrics import METRIC_NAMES, ndcg_per_customer, ranking_metrics, top_k
from training.recommender.model import (
    Context,
    Rankers,
    RecommenderConfig,
    fill_with,
    fit_at,
    popular_order,
    ranked_lists,
    sampled_truth,
    train_rankers,
)
from training.recommender.ranker import score
from training.recommender.sources.als import ALSSource
from training.recommender.sources.itemknn import ItemKNNSource
from training.recommender.sources.repeat import repeat_scores

log = logging.getLogger(__name__)

PEERS: tuple[str, ...] = ("popularity", "repeat", "als", "item_knn")
MODEL = "shopml"


@dataclass
class Holdout:
    """One evaluation split: sources fitted before `cutoff`, truth in the window after it."""

    cutoff: pd.Timestamp
    fitted: FittedSources
    truth: Truth
    new_truth: Truth
    frame: pd.DataFrame | None = None
    peer_als: ALSSource | None = None
    peer_knn: ItemKNNSource | None = None

    def peers(self) -> tuple[ALSSource, ItemKNNSource]:
        """The peer ALS (BM25, 64 factors) and item-kNN (cosine, K=100), fitted on first use."""
        if self.peer_als is None or self.peer_knn is None:
            self.peer_als = ALSSource(factors=64).fit(self.fitted.history)
            self.peer_knn = ItemKNNSource(neighbours=100).fit(self.fitted.history)
        return self.peer_als, self.peer_knn


def make_holdout(events: pd.DataFrame, *, cutoff: pd.Timestamp, context: Context, config: RecommenderConfig) -> Holdout:
    """Fit the sources before `cutoff` and collect what customers bought in the window after it."""
    fitted = fit_at(events, cutoff, context, config)
    truth = sampled_truth(events, fitted, cutoff, config)
    return Holdout(cutoff, fitted, truth, new_items_truth(truth, fitted.history))


def _peer_scores(holdout: Holdout) -> dict[str, Callable[[np.ndarray], np.ndarray]]:
    f = holdout.fitted
    als, knn = holdout.peers()
    return {
        "popularity": lambda rows: np.broadcast_to(f.popularity.popular_, (len(rows), len(f.popularity.popular_))),
        "repeat": lambda rows: repeat_scores(f.history, rows),
        "als": als.scores,
        "item_knn": knn.scores,
    }


def peer_lists(holdout: Holdout, name: str, rows: np.ndarray, *, new_only: bool, k: int,
               block: int = 1024) -> np.ndarray:
    """Top-k item columns of one peer for `rows` (new_only: already-bought items filtered out).

    Equal scores (common for repeat purchases: items bought in the same orders) go to the more
    popular item."""
    scorer = _peer_scores(holdout)[name]
    by_popularity = popular_order(holdout.fitted)
    out = []
    for s in range(0, len(rows), block):
        part = rows[s:s + block]
        scores = np.array(scorer(part), dtype=np.float64)
        exclude = scores <= 0 if name == "repeat" else np.zeros(scores.shape, dtype=bool)
        if new_only:
            exclude |= holdout.fitted.history.orders[part].toarray() > 0
        best = top_k(scores[:, by_popularity], k, exclude=exclude[:, by_popularity])
        out.append(np.where(best >= 0, by_popularity[np.maximum(best, 0)], -1))
    return np.vstack(out) if out else np.zeros((0, k), dtype=np.int64)


def holdout_frame(holdout: Holdout, config: RecommenderConfig) -> pd.DataFrame:
    """Candidates and features of every customer who bought something in the window (cached)."""
    if holdout.frame is None:
        rows = np.flatnonzero(holdout.truth.total > 0)
        holdout.frame = candidate_frame(holdout.fitted, config.candidates, rows=rows)
    return holdout.frame


def model_lists(holdout: Holdout, rankers: Rankers, rows: np.ndarray, config: RecommenderConfig, *,
                new_only: bool) -> np.ndarray:
    """shopml's top-k for `rows`, topped up with popular items when there are too few candidates."""
    frame = holdout_frame(holdout, config)
    keep = np.isin(frame["c"].to_numpy(), rows)
    if new_only:
        keep &= frame["pair_orders"].to_numpy() == 0
    frame = frame.loc[keep]
    booster = rankers.new_items if new_only else rankers.all_items
    items, _ = ranked_lists(frame, score(booster, frame), rows, config.k)
    exclude = holdout.fitted.history.orders[rows].toarray() > 0 if new_only else None
    return fill_with(items, popular_order(holdout.fitted), exclude)


def holdout_lists(holdout: Holdout, rankers: Rankers, config: RecommenderConfig, *,
                  peers: tuple[str, ...] = PEERS) -> dict[tuple[str, str], np.ndarray]:
    """Every model's top-K per evaluated customer, keyed by (mode, model); rows follow `mode_rows`."""
    lists = {}
    for mode, new_only in (("all items", False), ("new items", True)):
        rows = mode_rows(holdout, mode)
        for name in (*peers, MODEL):
            lists[(mode, name)] = (model_lists(holdout, rankers, rows, config, new_only=new_only) if name == MODEL
                                   else peer_lists(holdout, name, rows, new_only=new_only, k=config.k))
    return lists


def mode_rows(holdout: Holdout, mode: str) -> np.ndarray:
    """The customers a mode evaluates: everyone who bought something (new items: something new)."""
    return np.flatnonzero(mode_truth(holdout, mode).total > 0)


def mode_truth(holdout: Holdout, mode: str) -> Truth:
    """What counts as a hit in a mode ('all items' or 'new items')."""
    return holdout.truth if mode == "all items" else holdout.new_truth


def metrics_table(holdout: Holdout, lists: dict[tuple[str, str], np.ndarray], config: RecommenderConfig) -> pd.DataFrame:
    """One table: a row per model and mode ('all items', 'new items'), a column per metric@K."""
    n_items = len(holdout.fitted.history.items)
    records = []
    for (mode, name), recommended in lists.items():
        truth, rows = mode_truth(holdout, mode), mode_rows(holdout, mode)
        metrics = ranking_metrics(recommended, truth.matrix, truth.total, rows, n_items=n_items)
        records.append({"mode": mode, "model": name, **{f"{m}@{config.k}" if m != "coverage" else m: v
                                                        for m, v in metrics.items()},
                        "customers": len(rows)})
    return pd.DataFrame.from_records(records).set_index(["mode", "model"])


def score_holdout(holdout: Holdout, rankers: Rankers, config: RecommenderConfig, *,
                  peers: tuple[str, ...] = PEERS) -> pd.DataFrame:
    """One table: a row per model and mode ('all items', 'new items'), a column per metric@K."""
    return metrics_table(holdout, holdout_lists(holdout, rankers, config, peers=peers), config)


def ratio_intervals(holdout: Holdout, lists: dict[tuple[str, str], np.ndarray], table: pd.DataFrame,
                    k: int = 10) -> dict[str, float]:
    """95% paired-bootstrap intervals (over customers) of the two target ratios: shopml / best peer
    NDCG@K on all items, shopml / ALS NDCG@K on new items."""
    col = f"ndcg@{k}"
    best = max(PEERS, key=lambda p: float(table.loc[("all items", p), col]))
    out = {}
    for key, mode, peer in (("all", "all items", best), ("new", "new items", "als")):
        truth, rows = mode_truth(holdout, mode), mode_rows(holdout, mode)
        mine = ndcg_per_customer(lists[(mode, MODEL)], truth.matrix, truth.total, rows)
        theirs = ndcg_per_customer(lists[(mode, peer)], truth.matrix, truth.total, rows)
        out[f"ratio_{key}_ci_low"], out[f"ratio_{key}_ci_high"] = ratio_of_sums_interval(mine, theirs)
    return out


@dataclass
class Backtest:
    """A backtest's tables: models and peers (`table`), new-arrival picks (`catalogue`, empty when
    no product was first sold in the test window), and figures to log (`info`: timings and the
    bootstrap intervals of the target ratios)."""

    table: pd.DataFrame
    catalogue: pd.DataFrame
    info: dict[str, float]


def evaluate(events: pd.DataFrame, *, cutoff: pd.Timestamp | str, context: Context,
             config: RecommenderConfig) -> Backtest:
    """Backtest at `cutoff`: rankers trained on windows ending at the cutoff, peers fitted alongside."""
    cutoff = as_utc(cutoff)
    t0 = time.perf_counter()
    rankers, _ = train_rankers(events, until=cutoff, context=context, config=config)
    t1 = time.perf_counter()
    holdout = make_holdout(events, cutoff=cutoff, context=context, config=config)
    lists = holdout_lists(holdout, rankers, config)
    table = metrics_table(holdout, lists, config)
    t2 = time.perf_counter()
    catalogue = catalogue_tables(events, holdout.fitted, context, days=config.window_days, k=config.k,
                                 config=config.catalogue)
    info = {"ranker_training_seconds": t1 - t0, "holdout_seconds": t2 - t1,
            "catalogue_seconds": time.perf_counter() - t2, **ratio_intervals(holdout, lists, table, config.k)}
    return Backtest(table, catalogue, info)


def ndcg_of(table: pd.DataFrame, model: str, mode: str = "all items", k: int = 10) -> float:
    """The NDCG@k cell of a backtest table."""
    return float(table.loc[(mode, model), f"ndcg@{k}"])


__all__ = ["METRIC_NAMES", "MODEL", "PEERS", "Backtest", "Holdout", "evaluate", "make_holdout", "ndcg_of", "score_holdout"]
