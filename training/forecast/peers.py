"""The peer forecasters of the backtest: simple window statistics and statsforecast models.

Each peer takes the uncapped history matrix [n, T] and returns mean/p50/p10/p90 arrays [n, H]
(p10/p90 are None for point-only peers).
"""

from __future__ import annotations

import logging
import os

import numpy as np
import pandas as pd

from training.forecast.config import FreqSpec

log = logging.getLogger(__name__)
Forecast = dict[str, np.ndarray | None]


def _flat(values: np.ndarray, horizon: int) -> np.ndarray:
    return np.repeat(values[:, None], horizon, axis=1)


def seasonal_naive(y: np.ndarray, horizon: int, season: int) -> Forecast:
    """The last full season repeated."""
    last = y[:, -season:]
    reps = -(-horizon // season)
    point = np.tile(last, (1, reps))[:, :horizon]
    return {"mean": point, "p50": point, "p10": None, "p90": None}


def window_mean(y: np.ndarray, horizon: int, window: int) -> Forecast:
    """Mean of the last `window` buckets."""
    point = _flat(y[:, -window:].mean(axis=1), horizon)
    return {"mean": point, "p50": point, "p10": None, "p90": None}


def window_median(y: np.ndarray, horizon: int, window: int) -> Forecast:
    """Median of the last `window` buckets."""
    point = _flat(np.median(y[:, -window:], axis=1), horizon)
    return {"mean": point, "p50": point, "p10": None, "p90": None}


def empirical_quantiles(y: np.ndarray, horizon: int, window: int) -> Forecast:
    """Empirical p10/p50/p90 (and mean) of the last `window` buckets."""
    win = y[:, -window:]
    q10, q50, q90 = np.quantile(win, [0.1, 0.5, 0.9], axis=1)
    return {"mean": _flat(win.mean(axis=1), horizon), "p50": _flat(q50, horizon),
            "p10": _flat(q10, horizon), "p90": _flat(q90, horizon)}


def tsb_point(y: np.ndarray, horizon: int, alpha_d: float = 0.2, alpha_p: float = 0.2) -> np.ndarray:
    """statsforecast's TSB (intermittent demand) point forecast of every row of `y`, [n, horizon]."""
    from statsforecast.models import TSB

    model = TSB(alpha_d=alpha_d, alpha_p=alpha_p)
    out = np.zeros((y.shape[0], horizon))
    for i, row in enumerate(y):
        nz = np.flatnonzero(row)
        if nz.size:
            out[i] = model.forecast(y=row[nz[0]:].astype(float), h=horizon)["mean"]
    return np.maximum(out, 0.0)


def statsforecast_peers(y: np.ndarray, dates: pd.DatetimeIndex, spec: FreqSpec, horizon: int,
                        n_windows: int = 2) -> dict[str, Forecast]:
    """AutoETS, CrostonOptimized and TSB with conformal 80% intervals."""
    os.environ.setdefault("NIXTLA_ID_AS_COL", "1")
    from statsforecast import StatsForecast
    from statsforecast.models import TSB, AutoETS, CrostonOptimized
    from statsforecast.utils import ConformalIntervals

    intervals = ConformalIntervals(h=horizon, n_windows=n_windows)
    models = [
        AutoETS(season_length=spec.season, prediction_intervals=intervals, alias="AutoETS"),
        CrostonOptimized(prediction_intervals=intervals, alias="CrostonOptimized"),
        TSB(alpha_d=0.2, alpha_p=0.2, prediction_intervals=intervals, alias="TSB"),
    ]
    n, t = y.shape
    frame = pd.DataFrame({"unique_id": np.repeat(np.arange(n), t), "ds": np.tile(dates.to_numpy(), n),
                          "y": y.reshape(-1)})
    sf = StatsForecast(models=models, freq="D" if spec.freq == "D" else "W-MON", n_jobs=1)
    out = sf.forecast(df=frame, h=horizon, level=[80])
    out = out.sort_values(["unique_id", "ds"])
    result: dict[str, Forecast] = {}
    for name in ("AutoETS", "CrostonOptimized", "TSB"):
        point = np.maximum(out[name].to_numpy().reshape(n, horizon), 0.0)
        lo = np.maximum(out[f"{name}-lo-80"].to_numpy().reshape(n, horizon), 0.0)
        hi = out[f"{name}-hi-80"].to_numpy().reshape(n, horizon)
        result[name] = {"mean": point, "p50": point, "p10": lo, "p90": hi}
    return result


def all_peers(y: np.ndarray, dates: pd.DatetimeIndex, spec: FreqSpec, horizon: int) -> dict[str, Forecast]:
    """Every peer of DESIGN.md, fitted on `y` (windows in weeks are converted to buckets)."""
    w = spec.week
    peers: dict[str, Forecast] = {}
    if spec.season > 1:
        peers["seasonal_naive"] = seasonal_naive(y, horizon, spec.season)
    peers["mean_4w"] = window_mean(y, horizon, 4 * w)
    peers["median_8w"] = window_median(y, horizon, 8 * w)
    peers["empirical_13w"] = empirical_quantiles(y, horizon, 13 * w)
    peers.update(statsforecast_peers(y, dates, spec, horizon))
    return peers
