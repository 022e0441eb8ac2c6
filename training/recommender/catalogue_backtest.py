"""Backtest of new-arrival picks: items first sold in the test window play the never-sold catalogue.

At the cutoff, the items that nobody had bought yet but that sell in the `window_days` after it are
treated as the catalogue's new products (their names and categories come from the items table).
Two questions are scored, each against non-personal baselines fitted on the same split:
  - which new products each known customer buys (NDCG, recall and hit rate @K among the new products);
  - which sold products are bought in the same orders as a new product (the `similar` answer of a
    product page for a new item).
Caveat: a real catalogue also lists products that never sell; here every new product sells.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from training.recommender.candidates import FittedSources
from training.recommender.catalogue_arrays import fitted_catalogue
from training.recommender.interactions import purchases
from training.recommender.metrics import ranking_metrics, top_k
from training.recommender.model import Context
from training.recommender.sources.catalogue import (
    Catalogue,
    CatalogueConfig,
    arrival_scores,
    prior_share,
    similar_scores,
)

MODEL = "shopml"


def launched_items(events: pd.DataFrame, *, cutoff: pd.Timestamp, days: int) -> list[str]:
    """Items whose first purchase falls in [cutoff, cutoff + days)."""
    bought = purchases(events, end=cutoff + pd.Timedelta(days=days))
    first = bought.groupby(bought["item_id"].astype(str))["timestamp"].min()
    return sorted(first.index[first >= cutoff])


def catalogue_at(fitted: FittedSources, new: list[str], context: Context, config: CatalogueConfig) -> Catalogue:
    """The new items matched to the history's sold items, popularity as of the history's date."""
    return fitted_catalogue(fitted, new, names=context.names, categories=context.categories, config=config)


def catalogue_tables(events: pd.DataFrame, fitted: FittedSources, context: Context, *, days: int, k: int = 10,
                     config: CatalogueConfig | None = None) -> pd.DataFrame:
    """One table (rows: task x model) for the new products of the window after `fitted`'s date;
    empty when none was launched."""
    config = config or CatalogueConfig()
    cutoff = fitted.history.as_of
    new = launched_items(events, cutoff=cutoff, days=days)
    if not new:
        return pd.DataFrame()
    catalogue = catalogue_at(fitted, new, context, config)
    window = purchases(events, start=cutoff, end=cutoff + pd.Timedelta(days=days))
    parts = [_customer_rows(fitted, catalogue, window, k, config)]
    if "order_id" in window.columns and window["order_id"].notna().any():  # similar items need orders
        parts.append(_similar_rows(fitted, catalogue, window, k, config))
    return pd.concat(parts).set_index(["task", "model"])


def _customer_rows(fitted: FittedSources, catalogue: Catalogue, window: pd.DataFrame, k: int,
                   config: CatalogueConfig) -> pd.DataFrame:
    """Which new products each known customer buys, ranked among all new products."""
    h = fitted.history
    ci = pd.Categorical(window["customer_id"].astype(str), categories=h.customers).codes
    ni = pd.Categorical(window["item_id"].astype(str), categories=catalogue.items).codes
    keep = (ci >= 0) & (ni >= 0)
    truth = sp.csr_matrix((np.ones(int(keep.sum()), dtype=np.float32), (ci[keep], ni[keep])),
                          shape=(len(h.customers), len(catalogue.items)))
    truth.sum_duplicates()
    truth.data[:] = 1.0
    total = np.asarray(truth.sum(axis=1)).ravel()
    rows = np.flatnonzero(total > 0)
    n_new = len(catalogue.items)
    rng = np.random.default_rng(0)
    scored = {
        "random": rng.random((len(rows), n_new)),
        "expected popularity": np.broadcast_to(prior_share(catalogue), (len(rows), n_new)),
        MODEL: arrival_scores(catalogue, h.recency[rows], config),
    }
    return _scored("customers x new products", scored, truth[rows], total[rows], k, n_new)


def _similar_rows(fitted: FittedSources, catalogue: Catalogue, window: pd.DataFrame, k: int,
                  config: CatalogueConfig) -> pd.DataFrame:
    """Which sold products share an order with each new product, ranked among all sold products."""
    h = fitted.history
    orders = window.dropna(subset=["order_id"])
    oi = pd.Categorical(orders["order_id"].astype(str)).codes
    n_orders = int(oi.max()) + 1 if len(oi) else 0
    ni = pd.Categorical(orders["item_id"].astype(str), categories=catalogue.items).codes
    si = pd.Categorical(orders["item_id"].astype(str), categories=h.items).codes
    new_in = sp.csr_matrix((np.ones(int((ni >= 0).sum())), (ni[ni >= 0], oi[ni >= 0])),
                           shape=(len(catalogue.items), n_orders))
    sold_in = sp.csr_matrix((np.ones(int((si >= 0).sum())), (oi[si >= 0], si[si >= 0])),
                            shape=(n_orders, len(h.items)))
    truth = sp.csr_matrix((new_in @ sold_in) > 0, dtype=np.float32)
    total = np.asarray(truth.sum(axis=1)).ravel()
    rows = np.flatnonzero(total > 0)
    popular = np.broadcast_to(fitted.popularity.popular_, (len(rows), len(h.items)))
    mine = similar_scores(catalogue, fitted.popularity.popular_, config, rows=rows)
    scored = {"popularity": popular, MODEL: mine}
    return _scored("similar to a new product", scored, truth[rows], total[rows], k, len(h.items))


def _scored(task: str, scored: dict[str, np.ndarray], truth: sp.csr_matrix, total: np.ndarray, k: int,
            n_items: int) -> pd.DataFrame:
    """One row per model of `scored` (rows x items scores): NDCG, recall and hit rate @k against `truth`."""
    records = []
    for name, scores in scored.items():
        m = ranking_metrics(top_k(np.asarray(scores), k), truth, total, np.arange(truth.shape[0]), n_items=n_items)
        records.append({"task": task, "model": name, f"ndcg@{k}": m["ndcg"], f"recall@{k}": m["recall"],
                        f"hit_rate@{k}": m["hit_rate"], "count": truth.shape[0]})
    return pd.DataFrame.from_records(records)
