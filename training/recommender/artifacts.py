"""The served model folder: ranked lists, fallbacks and similar items as .npz, boosters as text.

Layout of a folder (what `register_model` logs as the `model` artefact):
  meta.json                        config, data window, holdout metrics, feature names, reason names
  arrays.npz                       every array the runtime reads (allow_pickle=False)
  ranker_all_<k>.txt, ranker_new_<k>.txt   LightGBM boosters as text (k = ensemble member),
                                   trained on windows that end where the holdout starts
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from training.recommender.candidates import CandidateConfig, FittedSources
from training.recommender.sources.copurchase import top_k_per_row

REASONS: tuple[str, ...] = (
    "bought before",                      # 0 repeat purchase
    "customers like you bought it",       # 1 ALS
    "similar to items you bought",        # 2 item-kNN
    "bought together with your recent items",  # 3 co-purchase
    "popular in your region",             # 4
    "popular now",                        # 5
    "trending",                           # 6
    "similar taste",                      # 7 (similar items: ALS neighbours)
    "bought together",                    # 8 (similar items: co-purchase)
    "bought recently",                    # 9 (purchase recorded after training)
    "similar to recent items",            # 10 (anonymous recent_items)
    "popular (personalisation off)",      # 11
    "a variant of items you bought",      # 12 product names
    "new arrival",                        # 13
    "new, like items you bought",         # 14 never-sold catalogue item (customer's or visitor's items)
    "new in the catalogue",               # 15 never-sold catalogue item (expected popularity)
    "looks like this product",            # 16 (similar items of a never-sold item: name, category)
    "new, like this product",             # 17 (similar items: a never-sold item like the product)
)
ARRAYS = "arrays.npz"
META = "meta.json"


def reason_codes(frame: pd.DataFrame, config: CandidateConfig) -> np.ndarray:
    """Why each candidate row is there: the source that ranked it highest relative to its quota."""
    sources = (("als_rank", config.als_n, 1), ("knn_rank", config.knn_n, 2),
               ("copurchase_rank", config.copurchase_n, 3), ("names_rank", config.names_n, 12),
               ("arrival_rank", config.arrivals_n, 13))
    ratio = np.column_stack([frame[col].to_numpy() / max(n, 1) for col, n, _ in sources])
    best = np.argmin(ratio, axis=1)
    code = np.array([c for _, _, c in sources])[best]
    code = np.where(ratio.min(axis=1) >= 1.0, np.where(frame["region_popular"].to_numpy() > 0, 4, 5), code)
    return np.where(frame["pair_orders"].to_numpy() > 0, 0, code).astype(np.int8)


def similar_items(fitted: FittedSources, n: int = 50) -> tuple[sp.csr_matrix, np.ndarray]:
    """Item x item scores of 'bought together' blended with 'similar taste', and the reason code
    of each stored entry (aligned with the CSR's data)."""
    together = fitted.copurchase.similarity_.toarray()
    factors = fitted.als.item_factors_
    norms = np.linalg.norm(factors, axis=1)
    taste = (factors @ factors.T) / np.maximum(norms[:, None] * norms[None, :], 1e-9)
    np.fill_diagonal(taste, 0.0)
    taste = np.maximum(taste, 0.0) * 0.5
    blended = together + taste
    np.fill_diagonal(blended, 0.0)
    scores = top_k_per_row(blended.astype(np.float32), n)
    scores.sort_indices()
    row = np.repeat(np.arange(scores.shape[0]), np.diff(scores.indptr))
    col = scores.indices
    reasons = np.where(together[row, col] >= taste[row, col], 8, 7).astype(np.int8)
    return scores, reasons


def save_folder(folder: Path, meta: dict[str, object], arrays: dict[str, np.ndarray]) -> None:
    """Write meta.json and arrays.npz into `folder` (created if needed)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / META).write_text(json.dumps(meta, indent=2, default=str))
    np.savez_compressed(folder / ARRAYS, **arrays)  # type: ignore[arg-type]


def load_folder(folder: Path) -> tuple[dict[str, object], dict[str, np.ndarray]]:
    """Read what `save_folder` wrote."""
    meta = json.loads((folder / META).read_text())
    with np.load(folder / ARRAYS, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    return meta, arrays


def text_array(values: list[str] | np.ndarray) -> np.ndarray:
    """Strings as a fixed-width unicode array (storable without pickles)."""
    values = [str(v) for v in values]
    return np.array(values, dtype=f"<U{max([len(v) for v in values] + [1])}")
