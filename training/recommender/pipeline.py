"""`shopml train recommender`: fit, compare with the champion on the same holdout, log, register.

Windows (T = just after the latest event, W = window_days):
  ranker frames as of T-2W, T-3W, ... (labels: the W days after each, all before T-W);
  holdout: sources fitted before T-W, the rankers scored on [T-W, T) with the peers beside them;
  served model: the same rankers on sources refitted on everything before T.
The holdout score is therefore the score of the very rankers that serve (their features are
point-in-time, so they carry over to the later sources), and a champion is compared on the same
holdout (training.recommender.champion). One set of rankers keeps `train` within its time budget.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from features.timestamps import as_utc
from training.errors import NotEnoughData
from training.promotion import recipe
from training.recommender import artifacts
from training.recommender.backtest import MODEL, Holdout, score_holdout
from training.recommender.candidates import FEATURES, FittedSources, candidate_frame
from training.recommender.catalogue_arrays import catalogue_arrays, never_sold
from training.recommender.champion import champion_holdout_score
from training.recommender.interactions import new_items_truth
from training.recommender.model import (
    Context,
    Rankers,
    RecommenderConfig,
    fit_at,
    labelled_frame,
    ranked_lists,
    sampled_truth,
)
from training.recommender.ranker import Ranker, fit_ranker, score

log = logging.getLogger(__name__)

LIST_LENGTH = 60
SERVE_BLOCK = 4096  # customers whose candidates are built and scored at once when precomputing lists


@dataclass
class TrainResult:
    """What a training run produced: the folder to register, the holdout table and the scores."""

    folder: Path
    table: pd.DataFrame
    candidate_score: float
    champion_score: float | None
    data_end: pd.Timestamp
    holdout_start: pd.Timestamp
    seconds: dict[str, float]


def _rankers(frames: list[tuple[pd.DataFrame, np.ndarray]], until: pd.Timestamp, config: RecommenderConfig) -> Rankers:
    frame = pd.concat([f for f, _ in frames], ignore_index=True)
    labels = np.concatenate([y for _, y in frames])
    new = (frame["pair_orders"] == 0).to_numpy()
    with ThreadPoolExecutor(max_workers=2) as pool:  # LightGBM trains outside the GIL: one core each
        all_items = pool.submit(fit_ranker, frame, labels, config.ranker)
        new_items = pool.submit(fit_ranker, frame.loc[new].reset_index(drop=True), labels[new], config.new_ranker)
        return Rankers(all_items=all_items.result(), new_items=new_items.result(), trained_until=until)


def train_recommender(
    events: pd.DataFrame,
    *,
    context: Context,
    items: pd.DataFrame,
    customers: pd.DataFrame,
    config: RecommenderConfig,
    out_dir: Path,
    champion_dir: Path | None = None,
    stored_through: int | None = None,
) -> TrainResult:
    """Fit the recommender on every event, measure it (and the champion) on the last window.

    `stored_through` is the event store's last event id when the events were read (None for a file):
    serving replays the purchases stored after it, back-dated ones included."""
    t0 = time.perf_counter()
    end = as_utc(events["timestamp"].max()) + pd.Timedelta(seconds=1)
    window = pd.Timedelta(days=config.window_days)
    frames: list[tuple[pd.DataFrame, np.ndarray]] = []
    first_fitted: FittedSources | None = None
    for w in range(1, config.train_windows + 2):
        as_of = end - w * window
        try:
            fitted = fit_at(events, as_of, context, config)
        except ValueError:
            break
        truth = sampled_truth(events, fitted, as_of, config)
        frame, labels = labelled_frame(fitted, truth, config)
        if w == 1:
            first_fitted = fitted
            holdout = Holdout(as_of, fitted, truth, new_items_truth(truth, fitted.history), frame=frame.copy())
        frame["c"] += w * 10_000_000
        frames.append((frame, labels))
    if len(frames) < 2 or first_fitted is None:
        raise NotEnoughData(f"need at least {2 * config.window_days} days of purchases to train and hold out")
    t1 = time.perf_counter()
    rankers = _rankers(frames[1:], holdout.cutoff, config)
    table = score_holdout(holdout, rankers, config)
    candidate = float(table.loc[("all items", MODEL), f"ndcg@{config.k}"])
    champion = champion_holdout_score(champion_dir, holdout, config, events=events, context=context,
                                      candidate=candidate)
    t2 = time.perf_counter()
    final = fit_at(events, end, context, config)
    arrays = serving_arrays(final, rankers, config, items=items, customers=customers, context=context)
    t3 = time.perf_counter()
    seconds = {"frames": t1 - t0, "holdout": t2 - t1, "final": t3 - t2}
    meta: dict[str, object] = {
        "family": "recommender",
        "data_end": str(end),
        "stored_through": stored_through,
        "recipe": recipe(config),  # a later run with the same settings ties with this one (champion_holdout_score)
        "holdout_start": str(holdout.cutoff),
        "rankers_trained_until": str(holdout.cutoff),
        "window_days": config.window_days,
        "train_windows": len(frames) - 1,
        "config": {"candidates": asdict(config.candidates), "ranker": asdict(config.ranker),
                   "new_ranker": asdict(config.new_ranker), "k": config.k},
        "features": list(FEATURES),
        "reasons": list(artifacts.REASONS),
        "holdout_ndcg_all": candidate,
        "holdout_ndcg_new": float(table.loc[("new items", MODEL), f"ndcg@{config.k}"]),
        "seconds": seconds,
    }
    artifacts.save_folder(out_dir, meta, arrays)
    rankers.all_items.save(out_dir, "ranker_all")
    rankers.new_items.save(out_dir, "ranker_new")
    return TrainResult(out_dir, table, candidate, champion, end, holdout.cutoff, seconds)


def _lists(fitted: FittedSources, booster: Ranker, frame: pd.DataFrame, rows: np.ndarray, config: RecommenderConfig
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    scores = score(booster, frame)
    items, values = ranked_lists(frame, scores, rows, LIST_LENGTH)
    codes = artifacts.reason_codes(frame, config.candidates)
    lookup = pd.Series(codes, index=pd.MultiIndex.from_arrays([frame["c"].to_numpy(), frame["i"].to_numpy()]))
    reasons = np.full(items.shape, -1, dtype=np.int8)
    has = items >= 0
    rr, cc = np.nonzero(has)
    reasons[rr, cc] = lookup.reindex(pd.MultiIndex.from_arrays([rows[rr], items[rr, cc]])).to_numpy()
    return items.astype(np.int32), values, reasons


def customer_lists(fitted: FittedSources, rankers: Rankers, config: RecommenderConfig) -> dict[str, np.ndarray]:
    """Every customer's ranked lists (all items, and items never bought) with scores and reasons,
    scored SERVE_BLOCK customers at a time so memory does not grow with the number of customers."""
    rows = np.arange(fitted.history.shape[0])
    parts: list[tuple[np.ndarray, ...]] = []
    for s in range(0, len(rows), SERVE_BLOCK):
        block = rows[s:s + SERVE_BLOCK]
        frame = candidate_frame(fitted, config.candidates, rows=block)
        new_frame = frame.loc[frame["pair_orders"].to_numpy() == 0].reset_index(drop=True)
        parts.append((*_lists(fitted, rankers.all_items, frame, block, config),
                      *_lists(fitted, rankers.new_items, new_frame, block, config)))
    if not parts:
        raise NotEnoughData("the history has no customers to precompute recommendations for")
    names = ("all_items", "all_scores", "all_reasons", "new_items", "new_scores", "new_reasons")
    return {name: np.concatenate([part[k] for part in parts]) for k, name in enumerate(names)}


def serving_arrays(fitted: FittedSources, rankers: Rankers, config: RecommenderConfig, *, items: pd.DataFrame,
                   customers: pd.DataFrame, context: Context) -> dict[str, np.ndarray]:
    """Everything the runtime needs, precomputed for every known customer and item, and for the
    items table's never-sold items (`catalogue_*`, `arrival_*`: training.recommender.catalogue_arrays)."""
    h = fitted.history
    similar, similar_reason = artifacts.similar_items(fitted)
    bought = (h.orders > 0).astype(np.int8).tocsr()
    pop = fitted.popularity
    item_info = items.set_index("item_id") if not items.empty else pd.DataFrame(index=pd.Index([], name="item_id"))
    item_info.index = item_info.index.astype(str)
    new = never_sold(items, h.items)
    category, in_stock = _item_flags(item_info, list(h.items))
    new_category, new_in_stock = _item_flags(item_info, new)
    regions = customers[["customer_id", "region"]].dropna() if "region" in customers else pd.DataFrame(columns=["customer_id", "region"])
    opt_out = (customers.loc[customers["personalization_opt_out"].fillna(False).astype(bool), "customer_id"]
               if "personalization_opt_out" in customers else pd.Series([], dtype=object))
    return {
        "customers": artifacts.text_array(h.customers), "items": artifacts.text_array(h.items),
        **customer_lists(fitted, rankers, config),
        "bought_indptr": bought.indptr.astype(np.int64), "bought_indices": bought.indices.astype(np.int32),
        "popular": pop.popular_.astype(np.float32), "trending": pop.trending_.astype(np.float32),
        "region_names": artifacts.text_array(list(pop.region_names_)),
        "region_popular": pop.region_popular_.astype(np.float32),
        "known_region_customers": artifacts.text_array(regions["customer_id"].astype(str).tolist()),
        "known_region_names": artifacts.text_array(regions["region"].astype(str).tolist()),
        "similar_indptr": similar.indptr.astype(np.int64), "similar_indices": similar.indices.astype(np.int32),
        "similar_scores": similar.data.astype(np.float32), "similar_reasons": similar_reason,
        "item_category": artifacts.text_array(category.tolist()), "in_stock": in_stock,
        "opt_out": artifacts.text_array(opt_out.astype(str).tolist()),
        "catalogue_items": artifacts.text_array(new), "catalogue_category": artifacts.text_array(new_category.tolist()),
        "catalogue_in_stock": new_in_stock,
        **catalogue_arrays(fitted, new, names=context.names, categories=context.categories, config=config.catalogue),
    }


def _item_flags(item_info: pd.DataFrame, ids: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Category ('' when none) and in-stock flag (True when not given) of `ids` from the items table."""
    index = pd.Index(ids, dtype=object)
    category = item_info["category"].reindex(index) if "category" in item_info else pd.Series(index=index, dtype=object)
    in_stock = item_info["in_stock"].reindex(index) if "in_stock" in item_info else pd.Series(index=index, dtype=object)
    return category.fillna("").astype(str).to_numpy(), in_stock.astype("boolean").fillna(True).to_numpy(dtype=bool)
