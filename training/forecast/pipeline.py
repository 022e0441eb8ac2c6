"""`shopml train forecast`: fit weekly and daily models on all history, write the served model folder.

The folder (logged to MLflow and registered as `shopml-forecast`) holds, without pickles:
- `forecast_W.npz`, `forecast_D.npz`: ids and bucket dates (strings), mean/p10/p50/p90 [n, served horizon]
  for every item sold in the last year, every category and the shop total (reconciled across levels;
  the days of each complete week both tables hold add up to the weekly mean, see `temporal`; days
  the shop is closed are 0 and weeks with closed days keep the share of their trading days still open,
  see `closures`);
- `launch_W.npz`, `launch_D.npz` (when the history holds enough launches): how recent launches sold, per
  category and for the shop, for catalogue items without sales (see `launch`);
- `items.json`: per item category, ABC/XYZ class, stock on hand and lead time (None when unknown);
- `meta.json`: origins, horizons, validation scores; `W/`, `D/`: LightGBM boosters as text + their config.
"""

from __future__ import annotations

import json
import logging
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from features.demand import bucket_start
from training.errors import NotEnoughData
from training.forecast.aggregate import level_groups, reconcile
from training.forecast.config import ForecastConfig, FreqSpec
from training.forecast.global_model import GlobalForecaster
from training.forecast.history import Prepared, prepare, top_items
from training.forecast.launch import LaunchCurves, launch_curves
from training.forecast.runtime import KEYS
from training.forecast.temporal import reconcile_days, reconcile_launch_days
from training.forecast.windows import bucket_open_share
from training.inventory.classes import abc_classes, coefficient_of_variation, xyz_classes

log = logging.getLogger(__name__)


@dataclass
class FreqForecast:
    """Served forecasts of one frequency: ids (items, then categories, then total) x horizon."""

    freq: str
    ids: list[str]
    dates: pd.DatetimeIndex
    values: dict[str, np.ndarray]
    validation: dict[str, float]
    holdout: dict[str, object]
    model: GlobalForecaster
    prepared: Prepared
    seconds: float = 0.0
    launch: LaunchCurves | None = None  # for catalogue items without sales (`launch`)


@dataclass
class TrainResult:
    """What `train_forecast_folder` produced."""

    folder: Path
    forecasts: dict[str, FreqForecast] = field(default_factory=dict)
    as_of: dict[str, str] = field(default_factory=dict)


def history_end(events: pd.DataFrame, freq: str) -> pd.Timestamp:
    """The forecast origin: the start of the last (possibly partial) week, or the day after the last event."""
    purchases = events.loc[events["event_type"].eq("purchase"), "timestamp"]
    if purchases.empty:
        raise NotEnoughData("no purchase events: ingest orders before training the forecast")
    last = purchases.max()
    if freq == "D":
        return bucket_start(pd.Series([last]), "D").iloc[0] + pd.Timedelta(days=1)
    week = bucket_start(pd.Series([last]), "W").iloc[0]
    complete = (last.tz_convert("UTC").tz_localize(None).normalize() - week).days == 6
    return week + pd.Timedelta(days=7) if complete else week


def served_items(events: pd.DataFrame, *, as_of: pd.Timestamp) -> list[str]:
    """Items with a purchase in the year before `as_of`, by volume (the training series come first)."""
    cutoff = as_of.tz_localize("UTC")
    recent = events[events["timestamp"] >= cutoff - pd.Timedelta(days=365)]
    return top_items(recent, as_of=as_of, n=10**9)


def training_inputs(events: pd.DataFrame, spec: FreqSpec, cfg: ForecastConfig, *, items: pd.DataFrame | None,
                    promotions: pd.DataFrame | None, ids: list[str]) -> tuple[Prepared, int]:
    """The served items' series up to the end of history, and how many of them (the biggest) train."""
    prep = prepare(events, as_of=history_end(events, spec.freq), freq=spec.freq, ids=ids, items=items,
                   promotions=promotions, bulk_factor=cfg.bulk_factor, future_buckets=spec.served_horizon)
    return prep, min(spec.train_items or cfg.train_items, len(ids))


def fit_frequency(events: pd.DataFrame, spec: FreqSpec, cfg: ForecastConfig, *, items: pd.DataFrame | None,
                  promotions: pd.DataFrame | None, ids: list[str] | None = None) -> FreqForecast:
    """Fit on every origin before the end of history and forecast `served_horizon` buckets ahead.

    `ids` (default: items sold in the last year, by volume) are the served items, biggest first.
    """
    t0 = time.perf_counter()
    as_of = history_end(events, spec.freq)
    ids = ids if ids is not None else served_items(events, as_of=as_of)
    prep, n_train = training_inputs(events, spec, cfg, items=items, promotions=promotions, ids=ids)
    hist = prep.history
    end = hist.y.shape[1]
    model = GlobalForecaster(spec, cfg).fit(hist.head(n_train), end, truth=prep.uncapped[:n_train])
    h = spec.served_horizon
    item_fc = _as_matrix(model.predict(hist, end, h), len(ids), h)
    level_ids, groups = level_groups(hist.category_code, prep.category_names)
    agg_fc = level_forecasts(model, item_fc, groups)
    step = pd.Timedelta(days=1 if spec.freq == "D" else 7)
    dates = pd.DatetimeIndex([as_of + k * step for k in range(h)])
    values = {k: np.vstack([item_fc[k], agg_fc[k]]) for k in KEYS}
    launch = launch_curves(prep.uncapped, prep.categories, h, min_start=spec.min_history,
                           revenue=prep.uncapped_revenue)
    if launch is not None:
        launch = launch.scaled(bucket_open_share(hist, end, spec, dates, model.calendar))
    seconds = time.perf_counter() - t0
    log.info("%s: %d series forecast %d buckets from %s in %.1fs", spec.freq, len(ids) + len(level_ids), h,
             as_of.date(), seconds)
    return FreqForecast(spec.freq, ids + level_ids, dates, values, model.validation_, model.holdout_,
                        model, prep, seconds, launch)


def align_days(daily: FreqForecast, weekly: FreqForecast) -> None:
    """Reconcile `daily` in place: its items' days add up to their weekly means (`temporal.reconcile_days`),
    then its categories and total are summed again from the items; its launch curves are reconciled
    to the weekly ones the same way."""
    n = len(daily.prepared.history.ids)
    if daily.ids[:n] != weekly.ids[:n]:
        raise ValueError("the daily and weekly forecasts hold different items")
    items = reconcile_days({k: daily.values[k][:n] for k in KEYS}, daily.dates, weekly.values["mean"][:n], weekly.dates)
    _, groups = level_groups(daily.prepared.history.category_code, daily.prepared.category_names)
    aggregates = level_forecasts(daily.model, items, groups)
    daily.values = {k: np.vstack([items[k], aggregates[k]]) for k in KEYS}
    if daily.launch is not None and weekly.launch is not None:
        daily.launch = reconcile_launch_days(daily.launch, daily.dates, weekly.launch, weekly.dates)


def level_forecasts(model: GlobalForecaster, items: dict[str, np.ndarray], groups: list[np.ndarray]
                    ) -> dict[str, np.ndarray]:
    """Category and shop-total forecasts: the sums of `items`' means, spread as `model` measured."""
    cal = model.calibration_
    if cal is None:
        raise ValueError("the forecaster is not fitted")
    return reconcile(items, groups, category_ratios=cal.category_ratios, total_ratios=cal.total_ratios)


def _as_matrix(pred: pd.DataFrame, n: int, horizon: int) -> dict[str, np.ndarray]:
    ordered = pred.sort_values(["series", "ds"])
    return {k: ordered[k].to_numpy().reshape(n, horizon) for k in KEYS}


def item_table(weekly: FreqForecast, items: pd.DataFrame | None) -> dict[str, dict[str, object]]:
    """Per item: category, ABC (value, last 52 weeks), XYZ (CV, last 26 weeks), stock and lead time.

    The classes describe what was actually sold: ABC ranks the uncapped sales value of the last 52
    weekly buckets and XYZ the coefficient of variation of the uncapped weekly units of the last 26
    (`Prepared.uncapped_revenue`, `Prepared.uncapped`). The bulk cap (`outliers`) only shapes the
    model's training series; a bulk order is real revenue and real variability for a planner.
    """
    prep = weekly.prepared
    ids = prep.history.ids
    value = pd.Series(prep.uncapped_revenue[:, -52:].sum(axis=1), index=ids)
    abc = abc_classes(value)
    recent = prep.uncapped[:, -26:]
    xyz = xyz_classes(recent, ids)
    cv = coefficient_of_variation(recent)
    known = items.set_index(items["item_id"].astype(str)) if items is not None and not items.empty else None
    table: dict[str, dict[str, object]] = {}
    for i, item in enumerate(ids):
        row = known.loc[item] if known is not None and item in known.index else None
        table[item] = {
            "category": prep.categories[i], "abc": str(abc[item]), "xyz": str(xyz[item]),
            "cv_weekly": None if not np.isfinite(cv[i]) else float(cv[i]),
            "sales_value_52w": float(value[item]),
            "stock_on_hand": _number(row, "stock_on_hand"), "lead_time_days": _number(row, "lead_time_days"),
        }
    return table


def _number(row: pd.Series | None, column: str) -> float | None:
    if row is None or column not in row or pd.isna(row[column]):
        return None
    return float(row[column])


def write_folder(folder: Path, forecasts: dict[str, FreqForecast], items: dict[str, dict[str, object]],
                 forecast_start: pd.Timestamp, retired: list[str] | None = None) -> None:
    """Write the served model folder (npz without object arrays, JSON, LightGBM text boosters).

    `forecast_start` is the first day without observed sales (the day after the last event);
    `retired` lists items that sold before the last year and not in it (no launch curve for them)."""
    folder.mkdir(parents=True, exist_ok=True)
    meta: dict[str, object] = {"format": 1, "freqs": {}, "forecast_start": forecast_start.strftime("%Y-%m-%d"),
                               "retired_items": sorted(retired or [])}
    for freq, fc in forecasts.items():
        np.savez_compressed(folder / f"forecast_{freq}.npz", ids=np.array(fc.ids, dtype=str),
                            dates=np.array([d.strftime("%Y-%m-%d") for d in fc.dates], dtype=str),
                            **{k: fc.values[k].astype(np.float64) for k in KEYS})  # type: ignore[arg-type]
        fc.model.save(folder / freq)
        if fc.launch is not None:
            fc.launch.save(folder / f"launch_{freq}.npz")
        meta["freqs"][freq] = {"origin": fc.dates[0].strftime("%Y-%m-%d"), "max_horizon": len(fc.dates),  # type: ignore[index]
                               "trained_horizon": fc.model.spec.horizon, "series": len(fc.ids),
                               "validation": fc.validation, "holdout": fc.holdout}
    (folder / "items.json").write_text(json.dumps(items))
    (folder / "meta.json").write_text(json.dumps(meta, indent=2, default=str))


def train_forecast_folder(events: pd.DataFrame, *, items: pd.DataFrame | None = None,
                          promotions: pd.DataFrame | None = None, config: ForecastConfig | None = None,
                          folder: Path | None = None, freqs: tuple[str, ...] = ("W", "D")) -> TrainResult:
    """Fit every frequency and write the served folder; returns the forecasts for logging."""
    cfg = config or ForecastConfig()
    out = TrainResult(folder=folder or Path(tempfile.mkdtemp(prefix="shopml-forecast-")))
    ids = served_items(events, as_of=max(history_end(events, f) for f in freqs))
    for freq in freqs:
        out.forecasts[freq] = fit_frequency(events, cfg.specs[freq], cfg, items=items, promotions=promotions, ids=ids)
        out.as_of[freq] = out.forecasts[freq].dates[0].strftime("%Y-%m-%d")
    if "W" in out.forecasts and "D" in out.forecasts:
        align_days(out.forecasts["D"], out.forecasts["W"])
    weekly = out.forecasts.get("W") or next(iter(out.forecasts.values()))
    sold = set(events.loc[events["event_type"].eq("purchase"), "item_id"].astype(str))
    write_folder(out.folder, out.forecasts, item_table(weekly, items), history_end(events, "D"),
                 retired=sorted(sold - set(ids)))
    return out
