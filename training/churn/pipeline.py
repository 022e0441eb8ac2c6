"""`train` and `evaluate` for churn: backtest, final fit on the latest windows, MLflow logging, registry."""

from __future__ import annotations

import json
import logging
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd
from sklearn.metrics import roc_auc_score

from features.settings import Settings
from training.churn.backtest import BacktestResult, auc_gap_interval, run_backtest
from training.churn.dataset import customer_sample, snapshot, stacked_frame, training_dates
from training.churn.model import ChurnConfig, ChurnModel
from training.churn.profiles import build_profiles, write_profiles
from training.churn.runtime import ChurnRuntime
from training.errors import NotEnoughData

log = logging.getLogger(__name__)

HOLDOUT_METRIC = "roc_auc"


@dataclass
class ShopData:
    """The tables churn training reads."""

    events: pd.DataFrame
    customers: pd.DataFrame | None
    items: pd.DataFrame | None
    source: str = "event store"  # where the tables came from (logged with an evaluation)


def read_store(settings: Settings) -> ShopData:
    """Events, customers and items from the event store."""
    from features.store import EventStore

    store = EventStore.from_settings(settings)
    try:
        events = store.read_events(event_types=["purchase", "return"])
        customers, items = store.read_customers(), store.read_items()
    finally:
        store.close()
    return ShopData(events, customers if len(customers) else None, items if len(items) else None)


def read_source(path: Path, fmt: str) -> ShopData:
    """Events (and customers, items when the layout has them) from a file."""
    from features.loaders import LOADERS

    if fmt not in LOADERS:
        raise ValueError(f"unknown format {fmt!r}; allowed: {', '.join(LOADERS)}")
    result = LOADERS[fmt](path)
    return ShopData(result.events, result.customers, result.items, source=f"{path} ({fmt})")


def serving_as_of(events: pd.DataFrame) -> pd.Timestamp:
    """The day after the latest event: every event is history for the served answers."""
    return events["timestamp"].max().floor("D") + pd.Timedelta(days=1)


def evaluate(data: ShopData, *, as_of: pd.Timestamp | str, config: ChurnConfig, settings: Settings | None = None) -> BacktestResult:
    """Backtest shopml against the peers at `as_of`; logged to MLflow (experiment shopml-churn) if settings
    given, in a run opened before the backtest (a failure or an interruption leaves a FAILED run)."""
    if settings is None:
        return _backtest(data, as_of, config)
    import mlflow

    from training.evaluation.report import log_table
    from training.tracking import log_data_window, tracked_run

    with tracked_run(settings, "churn", run_name=f"evaluate@{pd.Timestamp(as_of).date()}",
                     source=None if data.source == "event store" else data.source):
        mlflow.log_params({"as_of": str(pd.Timestamp(as_of).date()), "source": data.source, **_flat(config)})
        log_data_window(data.events)
        result = _backtest(data, as_of, config)
        log_table(result.table, "backtest")
        log_table(result.targets()[["shopml", "bar"]], "targets")
        log_scope(result)
        if result.auc_gap is not None:
            _, gap, low, high = result.auc_gap
            mlflow.log_metrics({"auc_gap_to_best_peer": gap, "auc_gap_ci_low": low, "auc_gap_ci_high": high})
    return result


def log_scope(result: BacktestResult) -> None:
    """Log what the table is about, as the command prints it: customers scored, their churn rate and the
    as-of dates the model was trained on."""
    import mlflow

    dates = result.training_dates
    mlflow.log_params({"test_customers": len(result.test), "training_as_of_dates": len(dates),
                       "training_as_of_first": str(dates[0].date()), "training_as_of_last": str(dates[-1].date())})
    mlflow.log_metric("test_churn_rate", float(result.test["churned"].mean()))


def _backtest(data: ShopData, as_of: pd.Timestamp | str, config: ChurnConfig) -> BacktestResult:
    result = run_backtest(data.events, as_of=as_of, config=config, customers=data.customers, items=data.items)
    result.auc_gap = auc_gap_interval(result)
    return result


def fit_final(data: ShopData, config: ChurnConfig) -> tuple[ChurnModel, pd.Timestamp]:
    """Fit on the latest windows whose labels are complete; returns the model and the serving date."""
    as_of = serving_as_of(data.events)
    dates = training_dates(data.events, before=as_of, horizon_days=config.horizon_days, step_days=config.step_days,
                           min_history_days=config.min_history_days)
    if len(dates) <= config.calibration_dates:
        raise NotEnoughData(f"not enough history to train churn: {len(dates)} as-of dates with complete "
                            f"{config.horizon_days}-day labels before {as_of.date()}")
    sample = customer_sample(data.events, config.max_customers, seed=config.seed)
    stacked = stacked_frame(sample, dates, horizon_days=config.horizon_days, customers=data.customers, items=data.items)
    return ChurnModel(config).fit(stacked), as_of


def package(data: ShopData, model: ChurnModel, as_of: pd.Timestamp, folder: Path) -> Path:
    """Anchor the model's level on the customers at `as_of`, then write it, the value-model parameters and
    every customer's precomputed answer into `folder`."""
    snap = snapshot(data.events, as_of=as_of, horizon_days=model.config.horizon_days, customers=data.customers, items=data.items)
    model.anchor(snap.features).save(folder)
    write_profiles(folder, build_profiles(snap, model, horizon_days=model.config.horizon_days))
    values = snap.value_models.to_dict() if snap.value_models is not None else {}
    (folder / "value_models.json").write_text(json.dumps({"time_unit": "days", **values}, indent=1))
    ChurnRuntime.load(folder).smoke_check()
    return folder


def champion_score(settings: Settings, data: ShopData, holdout: BacktestResult, config: ChurnConfig) -> float | None:
    """ROC-AUC of the current champion on the candidate's holdout (None without a usable champion).

    If the champion's artefact only saw label windows ending by the holdout date, it is scored as is.
    Otherwise it has seen the holdout labels, so its recipe (its saved config) is refitted on the
    windows before the holdout, exactly like the candidate, and scored on the same customers.
    """
    from training.tracking import discard_download, download_model

    path = download_model(settings, "churn")
    if path is None:
        return None
    folder = path if (path / "booster.txt").exists() else path / "model"
    try:
        champion = ChurnModel.load(folder)
    except (FileNotFoundError, ValueError, KeyError, TypeError) as exc:
        log.warning("champion cannot be scored on this holdout: %s", exc)
        return None
    finally:
        discard_download(path)  # the model is in memory now
    if champion.config.horizon_days != config.horizon_days:  # another target: not comparable
        log.warning("champion predicts churn over %s days, this run over %s: not compared",
                    champion.config.horizon_days, config.horizon_days)
        return None
    seen = [pd.Timestamp(d, tz="UTC") for d in champion.trained_on_ + champion.calibrated_on_]
    horizon = pd.Timedelta(days=champion.config.horizon_days)
    if seen and max(seen) + horizon <= holdout.as_of:
        return float(roc_auc_score(holdout.test["churned"], champion.predict_proba(holdout.test)))
    if asdict(champion.config) == asdict(config):
        return float(holdout.table.loc["shopml", "ROC-AUC"])  # same recipe, same data, same seed
    try:
        refit = run_backtest(data.events, as_of=holdout.as_of, config=champion.config, customers=data.customers,
                             items=data.items)
    except NotEnoughData as exc:  # the champion's recipe does not fit this data: this run still trains
        log.warning("champion's recipe cannot be refitted on this holdout: %s", exc)
        return None
    return float(refit.table.loc["shopml", "ROC-AUC"])


@dataclass
class TrainResult:
    """What `train` registered, and the holdout table it was judged on."""

    version: str
    promoted: bool
    reason: str
    table: pd.DataFrame
    holdout_as_of: pd.Timestamp
    serving_as_of: pd.Timestamp
    horizon_days: int = 90


def train(settings: Settings, config: ChurnConfig | None = None, data: ShopData | None = None) -> TrainResult:
    """Backtest on the latest complete label window, fit on the latest windows, log, register, promote if better."""
    import mlflow

    from training.evaluation.report import log_table
    from training.tracking import log_data_window, register_model, tracked_run

    config = config or ChurnConfig()
    data = data or read_store(settings)
    if data.events.empty:
        raise NotEnoughData("the event store has no events: run `shopml ingest` first")
    holdout_as_of = serving_as_of(data.events) - pd.Timedelta(days=config.horizon_days)
    with tracked_run(settings, "churn", run_name=f"train-{config.horizon_days}d") as run_id, \
            tempfile.TemporaryDirectory(prefix="shopml-churn-") as tmp:
        mlflow.log_params({"holdout_as_of": str(holdout_as_of.date()), **_flat(config)})
        log_data_window(data.events)
        backtest = run_backtest(data.events, as_of=holdout_as_of, config=config, customers=data.customers, items=data.items)
        log_table(backtest.table, "holdout")
        candidate = float(backtest.table.loc["shopml", "ROC-AUC"])
        champion = champion_score(settings, data, backtest, config)
        model, as_of = fit_final(data, config)
        folder = package(data, model, as_of, Path(tmp) / "model")
        mlflow.log_params({"serving_as_of": str(as_of.date()), "customers": len(ChurnRuntime.load(folder).customer_ids())})
        reg = register_model(run_id, "churn", folder, candidate_score=candidate, champion_score=champion,
                             metric=HOLDOUT_METRIC, higher_is_better=True,
                             tags={"holdout_as_of": str(holdout_as_of.date()), "serving_as_of": str(as_of.date()),
                                   "horizon_days": str(config.horizon_days)},
                             data_end=str(data.events["timestamp"].max()))
    return TrainResult(reg.version, reg.promoted, reg.reason, backtest.table, holdout_as_of, as_of,
                       config.horizon_days)


def _flat(config: ChurnConfig) -> dict[str, object]:
    return {f"churn.{k}": v for k, v in asdict(config).items()}
