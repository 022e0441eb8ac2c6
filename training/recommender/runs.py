"""Tracked runs of the recommender: the training run (register, promote if better) and the backtest."""

from __future__ import annotations

import logging
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd

from features.settings import Settings
from training.errors import NotEnoughData
from training.recommender.backtest import MODEL, PEERS, Backtest, evaluate
from training.recommender.model import Context, RecommenderConfig
from training.recommender.pipeline import TrainResult, train_recommender

log = logging.getLogger(__name__)

FAMILY = "recommender"


@dataclass
class Inputs:
    """Events plus the optional items and customers tables."""

    events: pd.DataFrame
    items: pd.DataFrame
    customers: pd.DataFrame
    source: str
    file: str | None = None  # the file the events came from; None for the event store
    stored_through: int | None = None  # the store's last event id before the events were read

    def context(self) -> Context:
        """Customer regions, item categories and item names for the candidate sources."""
        regions: dict[str, str] = {}
        if "region" in self.customers.columns:
            known = self.customers.dropna(subset=["region"])
            regions = dict(zip(known["customer_id"].astype(str), known["region"].astype(str)))
        categories: dict[str, str] = {}
        if "category" in self.items.columns:
            known = self.items.dropna(subset=["category"])
            categories = dict(zip(known["item_id"].astype(str), known["category"].astype(str)))
        names: dict[str, str] = {}
        if "name" in self.items.columns:
            known = self.items.dropna(subset=["name"])
            names = dict(zip(known["item_id"].astype(str), known["name"].astype(str)))
        return Context(regions=regions, categories=categories, names=names)


def load_inputs(settings: Settings, source: Path | None = None, fmt: str = "online-retail") -> Inputs:
    """Read the event store (default) or a file in one of the loader formats."""
    if source is not None:
        from features.loaders import LOADERS

        if fmt not in LOADERS:
            raise ValueError(f"unknown --format {fmt!r}; allowed: {', '.join(LOADERS)}")
        result = LOADERS[fmt](source)
        items = result.items if result.items is not None else pd.DataFrame(columns=["item_id"])
        customers = result.customers if result.customers is not None else pd.DataFrame(columns=["customer_id"])
        return Inputs(result.events, items, customers, str(source), file=str(source))
    from features.store import EventStore
    from training.tracking import store_label

    store = EventStore.from_settings(settings)
    try:
        stored_through = store.last_event_id()  # first: an event stored while reading counts as unseen
        events = store.read_events(event_types=["purchase"])
        return Inputs(events, store.read_items(), store.read_customers(), store_label(settings),
                      stored_through=stored_through)
    finally:
        store.close()


def _log_common(config: RecommenderConfig, inputs: Inputs) -> None:
    import mlflow

    from training.tracking import log_data_window

    params = {f"candidates.{k}": v for k, v in asdict(config.candidates).items()}
    params.update({f"catalogue.{k}": v for k, v in asdict(config.catalogue).items()})
    params.update({f"ranker.{k}": v for k, v in asdict(config.ranker).items()})
    params.update({f"new_ranker.{k}": v for k, v in asdict(config.new_ranker).items()})
    params.update({"window_days": config.window_days, "train_windows": config.train_windows, "k": config.k,
                   "source": inputs.source})
    mlflow.log_params(params)
    log_data_window(inputs.events)


def run_evaluation(settings: Settings, inputs: Inputs, *, cutoff: str, config: RecommenderConfig) -> Backtest:
    """Backtest shopml and its peers at `cutoff` and log its tables and figures to MLflow."""
    import mlflow

    from training.evaluation.report import log_table
    from training.tracking import tracked_run

    with tracked_run(settings, FAMILY, run_name=f"evaluate@{cutoff}", source=inputs.file):
        _log_common(config, inputs)
        mlflow.log_param("cutoff", cutoff)
        started = time.perf_counter()
        result = evaluate(inputs.events, cutoff=cutoff, context=inputs.context(), config=config)
        mlflow.log_metrics({**result.info, **summary_rows(result.table, config.k),
                            "total_seconds": time.perf_counter() - started})
        log_table(result.table, "recommender_backtest")
        if not result.catalogue.empty:
            log_table(result.catalogue, "recommender_new_products")
    return result


def run_training(settings: Settings, inputs: Inputs | None = None, config: RecommenderConfig | None = None
                 ) -> tuple[TrainResult, object]:
    """Train on everything, compare with the champion on the last window, log and register."""
    import mlflow

    from training.evaluation.report import log_table
    from training.tracking import discard_download, download_model, register_model, tracked_run

    config = config or RecommenderConfig()
    inputs = inputs or load_inputs(settings)
    if inputs.events.empty:
        raise NotEnoughData("the event store holds no purchases: run `shopml ingest` first")
    started = time.perf_counter()
    with tracked_run(settings, FAMILY, run_name="train") as run_id, \
            tempfile.TemporaryDirectory(prefix="shopml-recommender-") as tmp:
        champion_dir = download_model(settings, FAMILY)  # in the run: it records which champion it compares with
        try:
            _log_common(config, inputs)
            result = train_recommender(inputs.events, context=inputs.context(), items=inputs.items,
                                       customers=inputs.customers, config=config, out_dir=Path(tmp) / "model",
                                       champion_dir=champion_dir, stored_through=inputs.stored_through)
        finally:
            discard_download(champion_dir)
        mlflow.log_params({"holdout_start": str(result.holdout_start), "trained_until": str(result.data_end)})
        log_table(result.table, "recommender_holdout")
        seconds = {f"seconds_{k}": v for k, v in result.seconds.items()}
        mlflow.log_metrics({**seconds, "training_seconds": time.perf_counter() - started,
                            "holdout_ndcg_all": result.candidate_score})
        if result.champion_score is not None and result.champion_score != float("inf"):
            mlflow.log_metric("champion_holdout_ndcg_all", result.champion_score)
        registration = register_model(
            run_id, FAMILY, result.folder, candidate_score=result.candidate_score,
            champion_score=result.champion_score, metric="ndcg@10_all_items",
            tags={"holdout_start": str(result.holdout_start.date())},
            data_end=str(inputs.events["timestamp"].max()),  # the last event trained on, as the run logs it
        )
    return result, registration


def summary_rows(table: pd.DataFrame, k: int = 10) -> dict[str, float]:
    """Ratios the issue's targets are stated in: shopml / best peer (all) and shopml / ALS (new)."""
    col = f"ndcg@{k}"
    best_peer = max(float(table.loc[("all items", p), col]) for p in PEERS)
    als_new = float(table.loc[("new items", "als"), col])
    return {
        "shopml_over_best_peer_all": float(table.loc[("all items", MODEL), col]) / best_peer if best_peer else float("nan"),
        "shopml_over_als_new": float(table.loc[("new items", MODEL), col]) / als_new if als_new else float("nan"),
    }
