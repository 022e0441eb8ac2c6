"""Stage one: the union of every source's top candidates per customer, with the ranker's features."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from features.items import item_features
from training.recommender.interactions import Interactions
from training.recommender.sources.als import ALSSource
from training.recommender.sources.copurchase import CoPurchaseSource
from training.recommender.sources.itemknn import ItemKNNSource
from training.recommender.sources.names import NameSource
from training.recommender.sources.popularity import PopularitySource
from training.recommender.sources.repeat import repeat_scores

ITEM_COLUMNS: tuple[str, ...] = (
    "customers_7d", "customers_30d", "customers_90d", "orders_30d", "quantity_30d", "customers_all",
    "trend_30d", "price_recent", "days_since_first_sale", "days_since_last_sale", "repeat_share",
    "new_buyers_30d", "new_buyer_share_30d",
)
SOURCE_COLUMNS: tuple[str, ...] = (
    "repeat", "repeat_rank", "names", "names_rank", "names_share", "als", "als_rank", "knn", "knn_rank", "copurchase", "copurchase_rank",
    "region_popular", "popular", "trending", "arrival", "arrival_rank", "als_gap", "knn_share", "copurchase_share", "repeat_share_of_max",
)
PAIR_COLUMNS: tuple[str, ...] = (
    "pair_orders", "pair_orders_90d", "pair_recency_short", "pair_quantity", "pair_last_age", "pair_first_age", "pair_share", "pair_interval",
    "pair_due", "pair_due_customer", "pair_gap_to_last_order", "pair_recent", "category_share",
)
CUSTOMER_COLUMNS: tuple[str, ...] = (
    "cust_orders", "cust_last_order_age", "cust_first_order_age", "cust_interval", "cust_items", "price_ratio",
    "cust_repeat_share", "cust_basket_size",
)
FEATURES: tuple[str, ...] = (*SOURCE_COLUMNS, *PAIR_COLUMNS, *CUSTOMER_COLUMNS, *(f"item_{c}" for c in ITEM_COLUMNS))


@dataclass(frozen=True)
class CandidateConfig:
    """How many candidates each source contributes per customer, and the source settings.

    Defaults were chosen on the Online Retail II windows ending 2010-07-23 (before any reported
    evaluation cutoff): smaller quotas cost little NDCG and a third of the training time."""

    repeat_n: int = 80
    als_n: int = 60
    knn_n: int = 30
    copurchase_n: int = 30
    popular_n: int = 20
    region_n: int = 20
    arrivals_n: int = 20
    names_n: int = 30
    names_neighbours: int = 50
    trending_n: int = 10
    arrival_days: int = 45
    als_factors: int = 64
    als_regularization: float = 0.05
    als_iterations: int = 8
    knn_neighbours: int = 100
    copurchase_neighbours: int = 100
    halflife_days: float = 60.0
    block_size: int = 1024


@dataclass
class FittedSources:
    """Every candidate source fitted on one history, plus item features aligned to its items."""

    history: Interactions
    als: ALSSource
    knn: ItemKNNSource
    copurchase: CoPurchaseSource
    names: NameSource
    popularity: PopularitySource
    item_table: np.ndarray
    arrivals: np.ndarray
    item_category: np.ndarray
    category_counts: np.ndarray


def fit_sources(
    events: pd.DataFrame,
    history: Interactions,
    *,
    regions: dict[str, str],
    categories: dict[str, str],
    names: dict[str, str],
    config: CandidateConfig,
) -> FittedSources:
    """Fit ALS, item-kNN, co-purchase and popularity on `history` (events before history.as_of)."""
    feats = item_features(events, as_of=history.as_of).reindex(history.items)
    table = feats[list(ITEM_COLUMNS)].to_numpy(dtype=np.float32)
    category_names = sorted({categories.get(i, "") for i in history.items} - {""})
    lookup = {n: k for k, n in enumerate(category_names)}
    item_category = np.array([lookup.get(categories.get(i, ""), -1) for i in history.items], dtype=np.int64)
    onehot = np.zeros((len(history.items), max(len(category_names), 1)), dtype=np.float32)
    has = item_category >= 0
    onehot[np.flatnonzero(has), item_category[has]] = 1.0
    return FittedSources(
        history=history,
        als=ALSSource(factors=config.als_factors, regularization=config.als_regularization,
                      iterations=config.als_iterations).fit(history),
        knn=ItemKNNSource(neighbours=config.knn_neighbours).fit(history),
        copurchase=CoPurchaseSource(neighbours=config.copurchase_neighbours).fit(history),
        names=NameSource(neighbours=config.names_neighbours).fit(history, names),
        popularity=PopularitySource().fit(events, history, regions),
        item_table=table,
        arrivals=new_arrivals(feats, config.arrival_days),
        item_category=item_category,
        category_counts=np.asarray(history.orders @ onehot, dtype=np.float32),
    )


def new_arrivals(feats: pd.DataFrame, days: int) -> np.ndarray:
    """Per item: customers who first bought it in the last 30 days, for items first sold within
    `days` (0 for older items)."""
    recent = (feats["days_since_first_sale"] < days).to_numpy()
    return np.where(recent, feats["new_buyers_30d"].fillna(0.0).to_numpy(), 0.0).astype(np.float32)


def _top(block: np.ndarray, n: int, positive: bool) -> tuple[np.ndarray, np.ndarray]:
    """Mask of each row's top-n entries and their 0-based ranks (n where not in the top n)."""
    n = min(n, block.shape[1])
    part = np.argpartition(-block, n - 1, axis=1)[:, :n]
    order = np.argsort(-np.take_along_axis(block, part, axis=1), axis=1, kind="stable")
    top = np.take_along_axis(part, order, axis=1)
    ranks = np.full(block.shape, n, dtype=np.float32)
    rows = np.arange(block.shape[0])[:, None]
    ranks[rows, top] = np.arange(n, dtype=np.float32)[None, :]
    mask = ranks < n
    if positive:
        mask &= block > 0
    return mask, ranks


def candidate_block(
    fitted: FittedSources, rows: np.ndarray, config: CandidateConfig, *, new_only: bool = False
) -> pd.DataFrame:
    """Candidates and features of the customers at `rows` (history row numbers).

    With `new_only`, items the customer bought before are not candidates.
    """
    h = fitted.history
    rep = repeat_scores(h, rows)
    als = fitted.als.scores(rows)
    knn = fitted.knn.scores(rows)
    cop = fitted.copurchase.scores(rows)
    nam = fitted.names.scores(rows)
    region = fitted.popularity.region_scores(rows)
    rep_mask, rep_rank = _top(rep, config.repeat_n, positive=True)
    als_mask, als_rank = _top(als, config.als_n, positive=False)
    knn_mask, knn_rank = _top(knn, config.knn_n, positive=True)
    cop_mask, cop_rank = _top(cop, config.copurchase_n, positive=True)
    nam_mask, nam_rank = _top(nam, config.names_n, positive=True)
    reg_mask, _ = _top(region, config.region_n, positive=True)
    arr_mask, arr_rank = _top(fitted.arrivals[None, :], config.arrivals_n, positive=True)
    trend_mask, _ = _top(fitted.popularity.trending_[None, :], config.trending_n, positive=True)
    arr_rank = np.broadcast_to(arr_rank, rep.shape)
    pop_mask, _ = _top(fitted.popularity.popular_[None, :], config.popular_n, positive=True)
    mask = rep_mask | nam_mask | als_mask | knn_mask | cop_mask | reg_mask | pop_mask | arr_mask | trend_mask
    orders = h.orders[rows].toarray()
    if new_only:
        mask &= orders == 0
    r, i = np.nonzero(mask)
    c = rows[r]
    als_max = als.max(axis=1)
    knn_max = np.maximum(knn.max(axis=1), 1e-9)
    cop_max = np.maximum(cop.max(axis=1), 1e-9)
    rep_max = np.maximum(rep.max(axis=1), 1e-9)
    nam_max = np.maximum(nam.max(axis=1), 1e-9)

    def at(matrix_block: np.ndarray) -> np.ndarray:
        return matrix_block[r, i]

    pair_orders = at(orders)
    last = at(h.last_age[rows].toarray()) - 1.0
    first = at(h.first_age[rows].toarray()) - 1.0
    never = pair_orders == 0
    last[never] = np.nan
    first[never] = np.nan
    interval = np.where(pair_orders > 1, (first - last) / np.maximum(pair_orders - 1, 1), np.nan)
    interval = np.where(interval > 0, interval, np.nan)
    cust_interval = h.order_interval[c]
    cust_interval = np.where(cust_interval > 0, cust_interval, np.nan)
    cat = fitted.item_category[i]
    cat_share = np.where(cat >= 0, fitted.category_counts[c, np.maximum(cat, 0)], np.nan)
    n_items = np.diff(h.orders.indptr)[c].astype(np.float32)
    lines = np.asarray(h.orders.sum(axis=1)).ravel()[c]
    table = fitted.item_table[i]
    columns = {
        "repeat": at(rep), "repeat_rank": at(rep_rank), "names": at(nam), "names_rank": at(nam_rank),
        "names_share": at(nam) / nam_max[r], "als": at(als), "als_rank": at(als_rank),
        "knn": at(knn), "knn_rank": at(knn_rank), "copurchase": at(cop), "copurchase_rank": at(cop_rank),
        "region_popular": at(region), "popular": fitted.popularity.popular_[i],
        "trending": fitted.popularity.trending_[i], "arrival": fitted.arrivals[i], "arrival_rank": at(arr_rank),
        "als_gap": at(als) - als_max[r], "knn_share": at(knn) / knn_max[r],
        "copurchase_share": at(cop) / cop_max[r], "repeat_share_of_max": at(rep) / rep_max[r],
        "pair_orders": pair_orders, "pair_orders_90d": at(h.orders_90d[rows].toarray()),
        "pair_recency_short": at(h.recency_short[rows].toarray()),
        "pair_quantity": at(h.quantity[rows].toarray()),
        "pair_last_age": last, "pair_first_age": first, "pair_share": pair_orders / h.n_orders[c],
        "pair_interval": interval, "pair_due": last / interval, "pair_due_customer": last / cust_interval,
        "pair_gap_to_last_order": last - h.last_order_age[c], "pair_recent": at(h.recent[rows].toarray()),
        "category_share": cat_share / np.maximum(h.n_orders[c], 1.0),
        "cust_orders": h.n_orders[c], "cust_last_order_age": h.last_order_age[c],
        "cust_first_order_age": h.first_order_age[c], "cust_interval": cust_interval, "cust_items": n_items,
        "cust_repeat_share": 1.0 - n_items / np.maximum(lines, 1.0), "cust_basket_size": lines / np.maximum(h.n_orders[c], 1.0),
        "price_ratio": table[:, ITEM_COLUMNS.index("price_recent")] / h.mean_price[c],
        **{f"item_{name}": table[:, k] for k, name in enumerate(ITEM_COLUMNS)},
    }
    # float32, as the ranker reads them: half the memory of float64 frames
    return pd.DataFrame({"c": c.astype(np.int64), "i": i.astype(np.int64),
                         **{name: np.asarray(v, dtype=np.float32) for name, v in columns.items()}})


def candidate_frame(
    fitted: FittedSources, config: CandidateConfig, *, rows: np.ndarray | None = None, new_only: bool = False
) -> pd.DataFrame:
    """Candidates and features for `rows` (default: every customer of the history), block by block."""
    rows = np.arange(fitted.history.shape[0]) if rows is None else np.asarray(rows, dtype=np.int64)
    parts = [candidate_block(fitted, rows[s:s + config.block_size], config, new_only=new_only)
             for s in range(0, len(rows), config.block_size)]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["c", "i", *FEATURES])
