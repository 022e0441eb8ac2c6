"""Train from the event store, log to MLflow, register `shopml-forecast` (champion only if it wins)."""

from __future__ import annotations

import json
import logging
import tempfile
import time
from pathlib import Path

import pandas as pd

from features.calendar_file import calendar_document
from features.settings import Settings
from training.errors import NotEnoughData
from training.forecast.champion import HOLDOUT_METRIC, RunData, champion_score
from training.forecast.config import ForecastConfig, config_params, forecast_config
from training.forecast.pipeline import TrainResult, train_forecast_folder

log = logging.getLogger(__name__)


def load_store(settings: Settings) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Purchases, items and promotions from the configured event store."""
    from features.store import EventStore

    store = EventStore.from_settings(settings)
    try:
        events = store.read_events(event_types=["purchase"])
        return events, store.read_items(), store.read_promotions()
    finally:
        store.close()


def train_and_register(settings: Settings, *, events: pd.DataFrame | None = None,
                       items: pd.DataFrame | None = None, promotions: pd.DataFrame | None = None,
                       config: ForecastConfig | None = None) -> dict[str, object]:
    """Fit weekly and daily models on all history, log them, register and maybe promote."""
    import mlflow

    from training.tracking import log_data_window, register_model, tracked_run

    t0 = time.perf_counter()
    if events is None:
        events, items, promotions = load_store(settings)
    if events.empty:
        raise NotEnoughData("the event store holds no purchases: run `shopml ingest` first")
    cfg = config or forecast_config(settings)
    with tracked_run(settings, "forecast", run_name="train") as run_id, \
            tempfile.TemporaryDirectory(prefix="shopml-forecast-") as tmp:  # a failed fit marks the run FAILED
        mlflow.log_params(config_params(cfg))
        mlflow.log_dict(calendar_document(cfg.calendar), "settings/calendar.json")  # a calendar file
        log_data_window(events)
        result: TrainResult = train_forecast_folder(events, items=items, promotions=promotions, config=cfg,
                                                    folder=Path(tmp) / "model")
        weekly = result.forecasts["W"]
        mlflow.log_params({f"origin_{f}": d for f, d in result.as_of.items()})
        for freq, fc in result.forecasts.items():
            mlflow.log_metrics({f"{freq}.{k}": v for k, v in fc.validation.items()})
            mlflow.log_metrics({f"{freq}.served_series": len(fc.ids), f"{freq}.holdout_series": int(fc.holdout["series"])})  # type: ignore[call-overload]
            mlflow.log_metric(f"{freq}.fit_seconds", fc.seconds)
        candidate = weekly.validation[HOLDOUT_METRIC]
        data = RunData(events, items, promotions, list(weekly.prepared.history.ids))
        champion, why = champion_score(settings, data, weekly.holdout, cfg, candidate)
        reg = register_model(run_id, "forecast", Path(result.folder), candidate_score=candidate,
                             champion_score=champion, metric=HOLDOUT_METRIC, higher_is_better=False,
                             data_end=str(events["timestamp"].max()),
                             tags={"champion_comparison": why, "origin_W": result.as_of.get("W", ""),
                                   "holdout_W": json.dumps(weekly.holdout, default=str)})
        seconds = time.perf_counter() - t0
        mlflow.log_metric("train_seconds", seconds)
    return {"run_id": run_id, "model": reg.name, "version": reg.version, "promoted": reg.promoted,
            "reason": reg.reason, "seconds": seconds, "validation": {f: fc.validation for f, fc in result.forecasts.items()},
            "series": {f: len(fc.ids) for f, fc in result.forecasts.items()}, "origin": result.as_of,
            "holdout": {f: fc.holdout for f, fc in result.forecasts.items()}}
