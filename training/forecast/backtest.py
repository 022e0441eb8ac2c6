"""Rolling-origin backtest of shopml's forecaster against the peers, on the same split, in one run.

At the cutoff the evaluated series are the `top` items by units sold before it. Everything shopml
learns (boosters, blend weights, conformal offsets) comes from origins whose targets end before the
cutoff; the truth after the cutoff is only used for scoring.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from training.evaluation.bootstrap import ratio_of_sums_interval
from training.forecast.aggregate import level_groups, reconcile, summed
from training.forecast.config import ForecastConfig, FreqSpec
from training.forecast.global_model import GlobalForecaster
from training.forecast.history import prepare, top_items, truth_matrix
from training.forecast.metrics import METRICS, per_series, score
from training.forecast.peers import all_peers
from training.forecast.temporal import reconcile_days
from training.forecast.windows import scale

log = logging.getLogger(__name__)
SHOPML = "shopml"


# the ratios of issue 5 (shopml / best peer) and what each is computed from per series
TARGETS: tuple[tuple[str, float, str], ...] = (("wape_p50", 0.95, "abs_error_p50"), ("rmsse_mean", 1.00, "rmsse_mean"),
                                               ("pinball_scaled", 0.90, "pinball_scaled"))


@dataclass
class BacktestResult:
    """The metrics table (one row per model), the long frame of every forecast it scored, and each
    model's per-series errors (metrics.per_series)."""

    table: pd.DataFrame
    forecasts: pd.DataFrame
    seconds: dict[str, float]
    per_series: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    intervals: dict[str, tuple[float, float]] | None = None  # ratio_intervals(self); set by evaluate.evaluate
    levels: pd.DataFrame | None = None  # the same metrics on the categories and total of the scored products


def forecast_matrix(pred: pd.DataFrame, n: int, horizon: int) -> dict[str, np.ndarray]:
    """Long model output -> {mean, p10, p50, p90} arrays [n, horizon] for the first n series."""
    sub = pred[(pred["series"] < n) & (pred["h"] <= horizon)].sort_values(["series", "ds"])
    return {k: sub[k].to_numpy().reshape(n, horizon) for k in ("mean", "p10", "p50", "p90")}


def run_backtest(events: pd.DataFrame, *, cutoff: pd.Timestamp | str, spec: FreqSpec, horizon: int | None = None,
                 top: int = 200, items: pd.DataFrame | None = None, promotions: pd.DataFrame | None = None,
                 config: ForecastConfig | None = None, weekly: BacktestResult | None = None) -> BacktestResult:
    """Fit shopml and the peers on data before `cutoff`, score them on the next `horizon` buckets.

    With `weekly` (the weekly backtest at the same cutoff), daily shopml forecasts are first rescaled
    so their weeks add up to the weekly means, as the served daily forecasts are (`temporal`)."""
    cfg = config or ForecastConfig()
    h = horizon or spec.horizon
    if h > spec.horizon:
        spec = FreqSpec(**{**spec.__dict__, "horizon": h, "served_horizon": max(h, spec.served_horizon)})
    cut = pd.Timestamp(cutoff)
    cut = cut.tz_convert("UTC").tz_localize(None) if cut.tzinfo else cut
    train_ids = top_items(events, as_of=cut, n=max((spec.train_items or cfg.train_items), top))
    eval_n = min(top, len(train_ids))
    seconds: dict[str, float] = {}
    t0 = time.perf_counter()
    prep = prepare(events, as_of=cut, freq=spec.freq, ids=train_ids, items=items, promotions=promotions,
                   bulk_factor=cfg.bulk_factor, future_buckets=h)
    hist = prep.history
    end = hist.y.shape[1]
    model = GlobalForecaster(spec, cfg).fit(hist, end, truth=prep.uncapped)
    pred = model.predict(hist, end, h)
    seconds[SHOPML] = time.perf_counter() - t0
    truth = truth_matrix(events, ids=train_ids[:eval_n], start=cut, buckets=h, freq=spec.freq)
    history = prep.uncapped[:eval_n]
    scl = scale(history)
    own = forecast_matrix(pred, eval_n, h)
    if weekly is not None and spec.freq == "D":
        own = aligned_to_weeks(own, weekly, train_ids[:eval_n], cut)
    forecasts: dict[str, dict[str, np.ndarray | None]] = {SHOPML: dict(own)}
    t1 = time.perf_counter()
    forecasts.update(all_peers(history, hist.dates, spec, h))
    seconds["peers"] = time.perf_counter() - t1
    rows = {name: score(truth, fc, scl) for name, fc in forecasts.items()}  # type: ignore[arg-type]
    table = pd.DataFrame.from_dict(rows, orient="index")[list(METRICS)]
    table.index.name = "model"
    _, groups = level_groups(hist.category_code[:eval_n], prep.category_names)
    levels = level_table(own, model, groups, truth, history, hist.dates, spec)
    return BacktestResult(table=table, forecasts=_long(forecasts, truth, train_ids[:eval_n], cut, spec),
                          seconds=seconds, per_series={name: per_series(truth, fc, scl) for name, fc in forecasts.items()},
                          levels=levels)


def level_table(own: dict[str, np.ndarray], model: GlobalForecaster, groups: list[np.ndarray], truth: np.ndarray,
                history: np.ndarray, dates: pd.DatetimeIndex, spec: FreqSpec) -> pd.DataFrame:
    """The metrics on the sums of `groups` (categories, then the total): shopml reconciled from its item
    forecasts `own` as served, the peers fitted on the summed series themselves."""
    cal = model.calibration_
    assert cal is not None
    h = truth.shape[1]
    sums = summed(history, groups)
    forecasts: dict[str, dict[str, np.ndarray | None]] = {
        SHOPML: dict(reconcile(own, groups, category_ratios=cal.category_ratios, total_ratios=cal.total_ratios)),
        **all_peers(sums, dates, spec, h)}
    actual, scl = summed(truth, groups), scale(sums)
    rows = {name: score(actual, fc, scl) for name, fc in forecasts.items()}  # type: ignore[arg-type]
    table = pd.DataFrame.from_dict(rows, orient="index")[list(METRICS)]
    table.index.name = "model"
    return table


def aligned_to_weeks(daily: dict[str, np.ndarray], weekly: BacktestResult, ids: list[str],
                     cut: pd.Timestamp) -> dict[str, np.ndarray]:
    """Daily shopml forecasts [n, days] from `cut` rescaled to the weekly backtest's shopml means."""
    own = weekly.forecasts[weekly.forecasts["model"] == SHOPML]
    means = own.pivot(index="unique_id", columns="ds", values="mean").reindex(ids)
    days = pd.DatetimeIndex([cut + pd.Timedelta(days=k) for k in range(daily["mean"].shape[1])])
    return reconcile_days(daily, days, means.to_numpy(dtype=float), pd.DatetimeIndex(means.columns))


def _long(forecasts: dict[str, dict[str, np.ndarray | None]], truth: np.ndarray, ids: list[str],
          cut: pd.Timestamp, spec: FreqSpec) -> pd.DataFrame:
    n, h = truth.shape
    step = pd.Timedelta(days=1 if spec.freq == "D" else 7)
    ds = np.array([cut + k * step for k in range(h)])
    frames = []
    for name, fc in forecasts.items():
        frame = pd.DataFrame({"model": name, "unique_id": np.repeat(ids, h), "ds": np.tile(ds, n),
                              "y": truth.reshape(-1)})
        for key in ("mean", "p10", "p50", "p90"):
            arr = fc.get(key)
            frame[key] = arr.reshape(-1) if arr is not None else np.nan
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def comparison(table: pd.DataFrame, model: str = SHOPML,
               intervals: dict[str, tuple[float, float]] | None = None) -> pd.DataFrame:
    """shopml's metrics against the best peer of each metric (the targets of issue 5), with the
    ratios' 95% intervals when `intervals` (from `ratio_intervals`) is given."""
    peers = table.drop(index=model)
    rows = []
    for metric, target, _ in TARGETS:
        best = peers[metric].min()
        with np.errstate(divide="ignore", invalid="ignore"):  # a perfect peer (0) gives inf, no peer NaN
            ratio = table.loc[model, metric] / best
        rows.append({"metric": metric, "shopml": table.loc[model, metric], "best_peer": best,
                     "best_peer_name": str(peers[metric].idxmin()) if peers[metric].notna().any() else "",
                     "ratio": ratio, "target": f"<= {target:.2f}x",
                     "met": bool(ratio <= target)})
        if intervals is not None:
            rows[-1]["ratio 95% CI"] = interval_text(intervals.get(metric))
    cov = table.loc[model, "coverage_p10_p90"]
    rows.append({"metric": "coverage_p10_p90", "shopml": cov, "best_peer": np.nan, "best_peer_name": "",
                 "ratio": np.nan, "target": "0.75..0.85", "met": bool(0.75 <= cov <= 0.85)})
    if intervals is not None:
        rows[-1]["ratio 95% CI"] = ""
    return pd.DataFrame(rows).set_index("metric")


def interval_text(interval: tuple[float, float] | None) -> str:
    """'low-high' to three decimals; 'n/a' when there is no interval (fewer than 2 products to resample)."""
    if interval is None or not np.isfinite(interval).all():
        return "n/a"
    return "{:.3f}-{:.3f}".format(*interval)


def ratio_intervals(result: BacktestResult, model: str = SHOPML, *, draws: int = 1000) -> dict[str, tuple[float, float]]:
    """95% paired-bootstrap intervals (over products) of shopml / best peer for each target metric."""
    peers = result.table.drop(index=model)
    out = {}
    for metric, _, part in TARGETS:
        if not peers[metric].notna().any():
            continue
        best = str(peers[metric].idxmin())
        out[metric] = ratio_of_sums_interval(result.per_series[model][part], result.per_series[best][part], draws=draws)
    return out
