"""`shopml evaluate forecast`: backtests at a cutoff, one table per frequency, logged to MLflow."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, replace

import pandas as pd

from features.calendar_file import calendar_document
from training.forecast.backtest import BacktestResult, comparison, ratio_intervals, run_backtest
from training.forecast.config import ForecastConfig, config_params

log = logging.getLogger(__name__)


def default_cutoff(events: pd.DataFrame, weeks: int = 8) -> str:
    """The last Monday that leaves `weeks` full weeks of data after it: the latest fair test window."""
    end = pd.Timestamp(events["timestamp"].max())
    end = end.tz_localize(None) if end.tzinfo is not None else end
    latest = end.normalize() - pd.Timedelta(weeks=weeks)
    return str((latest - pd.Timedelta(days=latest.weekday())).date())


def evaluate(events: pd.DataFrame, *, cutoff: str, freqs: list[str], horizon: int | None, top: int,
             items: pd.DataFrame | None = None, promotions: pd.DataFrame | None = None,
             config: ForecastConfig | None = None,
             on_table: Callable[[str, BacktestResult], None] | None = None) -> dict[str, BacktestResult]:
    """Run the backtest of each frequency; `on_table` is called with each result as soon as it is ready.

    With both frequencies (weekly first), the daily shopml forecasts are aligned to the weekly ones, as served."""
    cfg = config or ForecastConfig()
    results: dict[str, BacktestResult] = {}
    for freq in freqs:
        spec = cfg.specs[freq]
        h = horizon if horizon is not None else spec.horizon
        if h > spec.horizon:
            spec = replace(spec, horizon=h, served_horizon=max(h, spec.served_horizon))
        results[freq] = run_backtest(events, cutoff=cutoff, spec=spec, horizon=h, top=top, items=items,
                                     promotions=promotions, config=cfg, weekly=results.get("W"))
        results[freq].intervals = ratio_intervals(results[freq])
        if on_table is not None:
            on_table(freq, results[freq])
    return results


def log_results(results: dict[str, BacktestResult], params: dict[str, object], *,
                events: pd.DataFrame, config: ForecastConfig | None = None,
                launches: pd.DataFrame | None = None) -> None:
    """Log every table (and shopml vs best peer, and the category and total levels), with the horizon and the number of products scored per
    frequency, the data window read, shopml's settings and the new-product table (`launch_backtest`),
    to the active MLflow run (`training.tracking.tracked_run` in shopml-forecast)."""
    import mlflow

    from training.evaluation.report import log_table
    from training.tracking import log_data_window

    cfg = config or ForecastConfig()
    mlflow.log_params(params)
    log_data_window(events)
    mlflow.log_params({f"shopml.{k}": v for k, v in config_params(cfg).items()})
    mlflow.log_dict(calendar_document(cfg.calendar), "settings/calendar.json")  # a calendar file
    for freq, res in results.items():
        mlflow.log_dict(asdict(cfg.specs[freq]), f"settings/spec_{freq}.json")
        mlflow.log_params({f"horizon_{freq}": res.forecasts["ds"].nunique(),
                           f"products_{freq}": res.forecasts["unique_id"].nunique()})
        log_table(res.table, f"backtest_{freq}")
        if res.levels is not None:
            log_table(res.levels, f"backtest_levels_{freq}")
        comp = comparison(res.table, intervals=res.intervals)
        mlflow.log_text(comp.to_csv(), f"tables/targets_{freq}.csv")
        mlflow.log_metrics({f"seconds_{freq}_{k}": v for k, v in res.seconds.items()})
    if launches is not None:
        log_table(launches, "launches_W")
