"""The served model's never-sold catalogue items: per-customer new-arrival picks and their similar items.

Catalogue items follow the sold items in the model's item index (column n_sold + j for new item j).
Arrays (all empty when every catalogue item has sold):
  arrival_items, arrival_scores   customers x per_customer: each customer's best new items (-1 = none)
  arrival_reasons                 customers x per_customer: 14 alike the customer's items, 15 popularity only
  arrival_prior                   per new item: expected popularity scaled to a maximum of 1
  arrival_taste_*                 CSR sold x new: likeness, to pick new items from a visitor's items
  catalogue_similar_*             CSR new x sold: a new product's similar items, with reason codes
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from training.recommender.candidates import FittedSources
from training.recommender.sources.catalogue import (
    Catalogue,
    CatalogueConfig,
    arrival_scores,
    block_rows,
    fit_catalogue,
    prior_share,
    similar_scores,
)
from training.recommender.sources.copurchase import top_k_per_row

REASON_POPULAR, REASON_LIKE_BOUGHT, REASON_NEW_IN_CATALOGUE, REASON_LOOKS_LIKE = 5, 14, 15, 16
SIMILAR_N = 50


def never_sold(items: pd.DataFrame, sold: np.ndarray) -> list[str]:
    """Items of the items table that no purchase in the history holds, in table order."""
    if items.empty or "item_id" not in items.columns:
        return []
    known = set(map(str, sold))
    return list(dict.fromkeys(str(i) for i in items["item_id"] if str(i) not in known))


def fitted_catalogue(fitted: FittedSources, new: list[str], *, names: dict[str, str],
                     categories: dict[str, str], config: CatalogueConfig) -> Catalogue:
    """The `new` items matched to the history's sold items, popularity as of the history's date."""
    return fit_catalogue(list(fitted.history.items), new, names=names, categories=categories,
                         popularity=fitted.popularity.popular_, config=config)


def catalogue_arrays(fitted: FittedSources, new: list[str], *, names: dict[str, str], categories: dict[str, str],
                     config: CatalogueConfig) -> dict[str, np.ndarray]:
    """Everything the runtime needs to offer the `new` items (see the module docstring)."""
    h = fitted.history
    n_sold = len(h.items)
    catalogue = fitted_catalogue(fitted, new, names=names, categories=categories, config=config)
    picks, scores, why = _customer_picks(catalogue, h.recency, n_sold, config)
    taste = catalogue.neighbours.T.tocsr()
    similar, reasons = _similar_rows(catalogue, fitted.popularity.popular_, config)
    return {
        "arrival_items": picks, "arrival_scores": scores, "arrival_reasons": why, "arrival_prior": prior_share(catalogue),
        "arrival_taste_indptr": taste.indptr.astype(np.int64), "arrival_taste_indices": taste.indices.astype(np.int32),
        "arrival_taste_scores": taste.data.astype(np.float32),
        "catalogue_similar_indptr": similar.indptr.astype(np.int64),
        "catalogue_similar_indices": similar.indices.astype(np.int32),
        "catalogue_similar_scores": similar.data.astype(np.float32), "catalogue_similar_reasons": reasons,
    }


def _customer_picks(catalogue: Catalogue, recency: sp.csr_matrix, n_sold: int, config: CatalogueConfig
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each customer's `per_customer` best new items (item-index columns, -1 = none), their scores and
    why (alike the customer's items, or only expected popularity)."""
    n_customers, n_new = recency.shape[0], len(catalogue.items)
    width = min(config.per_customer, n_new)
    items = np.full((n_customers, width), -1, dtype=np.int32)
    values = np.zeros((n_customers, width), dtype=np.float32)
    reasons = np.full((n_customers, width), REASON_NEW_IN_CATALOGUE, dtype=np.int8)
    if width == 0:
        return items, values, reasons
    prior = config.prior_weight * prior_share(catalogue)[None, :]
    step = block_rows(n_new)
    for s in range(0, n_customers, step):
        block = arrival_scores(catalogue, recency[s:s + step], config)
        top = np.argsort(-block, axis=1, kind="stable")[:, :width]
        items[s:s + step] = top + n_sold
        values[s:s + step] = np.take_along_axis(block, top, axis=1)
        alike = np.take_along_axis(block - prior, top, axis=1) > 0
        reasons[s:s + step] = np.where(alike, REASON_LIKE_BOUGHT, REASON_NEW_IN_CATALOGUE)
    return items, values, reasons


def _similar_rows(catalogue: Catalogue, popularity: np.ndarray, config: CatalogueConfig
                  ) -> tuple[sp.csr_matrix, np.ndarray]:
    """Top SIMILAR_N sold items per new item and why: alike by name or category, else popular."""
    if catalogue.empty:
        return sp.csr_matrix((0, len(popularity)), dtype=np.float32), np.zeros(0, dtype=np.int8)
    n_new, step = len(catalogue.items), block_rows(len(popularity))
    blocks = [top_k_per_row(similar_scores(catalogue, popularity, config, rows=np.arange(s, min(s + step, n_new))),
                            SIMILAR_N) for s in range(0, n_new, step)]
    top = sp.csr_matrix(sp.vstack(blocks), dtype=np.float32)
    top.sort_indices()
    row = np.repeat(np.arange(top.shape[0]), np.diff(top.indptr))
    alike = np.asarray(catalogue.neighbours[row, top.indices]).ravel() > 0
    return top, np.where(alike, REASON_LOOKS_LIKE, REASON_POPULAR).astype(np.int8)
