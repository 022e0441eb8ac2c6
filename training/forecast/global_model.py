"""The global LightGBM forecaster: multiplicative adjustments of a robust level, with intervals.

One model is fitted across all series. It predicts `target / level` (see `windows`):
- quantile objectives for p10, p50 and p90, a Tweedie objective for the mean;
- p50 is blended with the series' median of the last 8 weeks, the mean with its mean of the last
  4 weeks; then, separately for regular and intermittent series (>= 30% zero weeks lately), each is
  blended with statsforecast's TSB; all blend weights are chosen on the last origins before the end
  of training (a weight of 0 deselects a component);
- every ratio and baseline is relative to the level times the bucket's festival lift (`festivals`), the
  shop's own lift at the previous occurrence of the festival (1 when unknown);
- p10 and p90 are widened (or narrowed) by conformalised quantile regression on those same origins,
  one tail at a time, so each tail misses (1 - coverage_target) / 2 of the time.
Closed days (`closures`) are forecast 0, a week with closed days keeps the share of its trading days
that are open; such buckets are left out of training and calibration.
The validation origins are held out of a first fit (stage A); the final boosters (stage B) are
refitted on every origin and reuse stage A's blend weights and conformal offsets.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd

from features.calendar import HolidayCalendar
from training.errors import NotEnoughData
from training.forecast.config import QUANTILES, ForecastConfig, FreqSpec
from training.forecast.levels import NO_SPREAD, Ratios, level_spread
from training.forecast.metrics import pinball
from training.forecast.peers import tsb_point
from training.forecast.windows import History, feature_columns, origin_rows, training_rows

log = logging.getLogger(__name__)
HEADS = ("q10", "q50", "q90", "mean")
MAX_RATIO = 30.0  # training targets are clipped at 30x the level
EPS_SUM = 1e-9
SCALE_GRID = (0.8, 0.9, 1.0, 1.1, 1.2, 1.3)
INTERMITTENT_ZEROS = 0.3  # a series is intermittent when >= 30% of its last 13 weeks had no sale
BLEND_GRID = (0.0, 0.25, 0.5, 0.75, 1.0)


def min_buckets(spec: FreqSpec, config: ForecastConfig, horizon: int | None = None) -> int:
    """Buckets of history `GlobalForecaster.fit` needs for `horizon` (default the spec's): the stage A
    training origins, the validation span and the horizon after each."""
    h = horizon or spec.horizon
    return spec.min_history + 2 * h + (config.calibration_buckets or h) - 1


class ForecastFitError(RuntimeError):
    """The forecaster could not be fitted (not enough history)."""


@dataclass
class Calibration:
    """What stage A learned on the validation origins."""

    p50_weight: float = 1.0  # weight of the model's p50 against the 8-week median
    p50_scale: float = 1.0  # multiplies the blended p50 (drift seen on the validation origins)
    mean_weight: float = 1.0  # weight of the model's mean against the 4-week mean
    tsb_p50_weight: tuple[float, float] = (0.0, 0.0)  # TSB's share of p50 for (regular, intermittent) series
    tsb_mean_weight: tuple[float, float] = (0.0, 0.0)  # TSB's share of the mean, same classes
    tail_weight: float = 1.0  # weight of the model's p10/p90 against the 13-week empirical p10/p90
    lower_offset: float = 0.0  # p10 -= offset * level
    upper_offset: float = 0.0  # p90 += offset * level
    # p10/p50/p90 of actual / mean of category and shop-total sums of items (`levels.level_spread`)
    category_ratios: Ratios = NO_SPREAD
    total_ratios: Ratios = NO_SPREAD


def _params(head: str, cfg: ForecastConfig) -> dict[str, Any]:
    base: dict[str, Any] = {
        "n_estimators": cfg.n_estimators, "learning_rate": cfg.learning_rate, "num_leaves": cfg.num_leaves,
        "min_child_samples": cfg.min_child_samples, "subsample": 0.8, "subsample_freq": 1,
        "colsample_bytree": 0.8, "max_bin": 63, "n_jobs": cfg.n_jobs, "random_state": cfg.seed, "verbose": -1,
    }
    if head == "mean":
        return {**base, "objective": "tweedie", "tweedie_variance_power": 1.2}
    return {**base, "objective": "quantile", "alpha": {"q10": 0.1, "q50": 0.5, "q90": 0.9}[head]}


def _weights(rows: pd.DataFrame, scales: np.ndarray, spec: FreqSpec, recency_weeks: float | None,
             weight_by: str = "scaled") -> np.ndarray:
    """Loss in ratio space x level / scale = the series-scaled loss the metrics use; recent origins weigh more."""
    denom = rows["_denom"].to_numpy()
    if weight_by == "level":
        w = denom / denom.mean()
    else:
        w = np.clip(denom / scales[rows["_series"].to_numpy()], 0.05, 20.0)
    if recency_weeks:
        origin = rows["_origin"].to_numpy()
        age_weeks = (origin.max() - origin) / spec.week
        w = w * np.exp(-age_weeks / recency_weeks)
    return w


def _level(rows: pd.DataFrame) -> np.ndarray:
    """The level a row's ratios are relative to: the series' robust level times its bucket's festival lift."""
    return rows["_denom"].to_numpy() * rows["_lift"].to_numpy()


def _lifted(rows: pd.DataFrame, column: str) -> np.ndarray:
    """A baseline forecast column (8-week median, 4-week mean, TSB) times the bucket's festival lift."""
    return rows[column].to_numpy() * rows["_lift"].to_numpy()


def _tsb_rows(hist: History, rows: pd.DataFrame, horizon: int) -> np.ndarray:
    """TSB forecasts (statsforecast) from each row's origin, aligned with `rows`."""
    out = np.zeros(len(rows))
    origins = rows["_origin"].to_numpy()
    series = rows["_series"].to_numpy()
    step = rows["_step"].to_numpy()
    for o in np.unique(origins):
        fc = tsb_point(hist.y[:, :o], horizon)
        sel = origins == o
        out[sel] = fc[series[sel], np.minimum(step[sel], horizon - 1)]
    return out


class GlobalForecaster:
    """fit(history, end) -> self; predict(history, origin, horizon) -> long frame of mean/p10/p50/p90."""

    def __init__(self, spec: FreqSpec, config: ForecastConfig | None = None,
                 calendar: HolidayCalendar | None = None) -> None:
        self.spec = spec
        self.config = config or ForecastConfig()
        self.calendar = calendar or self.config.calendar.calendar()
        self.boosters_: dict[str, lgb.Booster] = {}
        self.calibration_: Calibration | None = None
        self.features_: list[str] = []
        self.time_index_ = False
        self.validation_: dict[str, float] = {}
        self.holdout_: dict[str, object] = {}

    # ---- fitting ---------------------------------------------------------------------------
    def _fit_heads(self, rows: pd.DataFrame, scales: np.ndarray) -> dict[str, lgb.Booster]:
        x = rows[self.features_]
        y = np.minimum(rows["_target"].to_numpy() / _level(rows), MAX_RATIO)
        w = _weights(rows, scales, self.spec, self.config.recency_weeks, self.config.weight_by)
        boosters = {}
        for head in HEADS:
            model = lgb.LGBMRegressor(**_params(head, self.config))
            model.fit(x, y, sample_weight=w, categorical_feature=["category"])
            boosters[head] = model.booster_
        return boosters

    def fit(self, hist: History, end: int, *, truth: np.ndarray | None = None,
            scales: np.ndarray | None = None) -> GlobalForecaster:
        """Fit on origins whose targets lie before bucket `end`; calibrate on the last ones.

        `truth` (uncapped demand, same shape as hist.y) scores the calibration; default hist.y.
        """
        scl = self._scales(hist, end, scales)
        self.validate(hist, end, truth=truth, scales=scl)
        rows_b = training_rows(hist, self.spec, self.spec.horizon, self.calendar, end,
                               targets=self._fit_targets(truth), time_index=self.time_index_)
        self.boosters_ = self._fit_heads(rows_b, scl)
        return self

    def validate(self, hist: History, end: int, *, truth: np.ndarray | None = None,
                 scales: np.ndarray | None = None) -> GlobalForecaster:
        """The calibration and the holdout scores (`validation_`, `holdout_`) of a fit before bucket
        `end`: a first stage fitted on origins before the validation span, scored on that span."""
        spec, horizon = self.spec, self.spec.horizon
        scl = self._scales(hist, end, scales)
        cal_span = self.config.calibration_buckets or horizon
        fit_end = end - cal_span - horizon + 1  # stage A targets end before the first validation origin
        if end < min_buckets(spec, self.config):
            raise NotEnoughData(f"need more history: {end} buckets of {spec.freq} leave no room for "
                                f"training and calibration windows of {horizon} buckets")
        years = hist.y.shape[1] * (1 if spec.freq == "D" else 7) / 365.25
        self.time_index_ = years >= self.config.time_index_min_years
        rows_a = training_rows(hist, spec, horizon, self.calendar, fit_end, targets=self._fit_targets(truth),
                               time_index=self.time_index_)
        self.features_ = feature_columns(rows_a)
        boosters_a = self._fit_heads(rows_a, scl)
        truth_m = hist.y if truth is None else truth
        val = training_rows(hist, spec, horizon, self.calendar, end, targets=truth_m,
                            first_origin=fit_end, time_index=self.time_index_)
        val = val[val["_origin"] >= fit_end]
        val = val.assign(_tsb=_tsb_rows(hist, val, horizon))
        raw_val = self._raw(boosters_a, val)
        cal = self._calibrate(raw_val, val, scl)
        item_mean = self._finish(val, raw_val, cal)["mean"].to_numpy()
        category, total = level_spread(val, val["_target"].to_numpy(), item_mean, hist.category_code)
        self.calibration_ = replace(cal, category_ratios=category, total_ratios=total)
        self.validation_ = self._validation_scores(raw_val, val)
        self.holdout_ = {"freq": spec.freq, "first_origin": str(hist.dates[0] + fit_end * self._step()),
                         "end": str(hist.dates[0] + end * self._step()), "series": len(hist.ids)}
        log.info("%s calibration: %s", spec.freq, self.calibration_)
        return self

    def _scales(self, hist: History, end: int, scales: np.ndarray | None) -> np.ndarray:
        from training.forecast.windows import scale as series_scale

        return series_scale(hist.y[:, :end]) if scales is None else scales

    def _fit_targets(self, truth: np.ndarray | None) -> np.ndarray | None:
        """What the boosters learn: the capped demand (None), or the uncapped `truth` when so configured."""
        return None if self.config.capped_targets or truth is None else truth

    def _step(self) -> pd.Timedelta:
        return pd.Timedelta(days=1 if self.spec.freq == "D" else 7)

    def _validation_scores(self, raw: dict[str, np.ndarray], val: pd.DataFrame) -> dict[str, float]:
        """Stage A's calibrated forecasts scored on the validation origins (pooled WAPE, coverage), with
        the WAPE the simple peers (median of 8 weeks, mean of 4 weeks, TSB) reach on the same rows."""
        assert self.calibration_ is not None
        out = self._finish(val, raw, self.calibration_)
        y = val["_target"].to_numpy()
        total = max(y.sum(), EPS_SUM)
        peers = {f"holdout_wape_peer_{name}": float(np.abs(y - val[column].to_numpy()).sum() / total)
                 for name, column in (("median_8w", "_median_8w"), ("mean_4w", "_mean_4w"), ("tsb", "_tsb"))}
        return {"holdout_wape_p50": float(np.abs(y - out["p50"]).sum() / total),
                "holdout_coverage_p10_p90": float(np.mean((y >= out["p10"]) & (y <= out["p90"]))),
                "holdout_bias_mean": float((out["mean"].sum() - y.sum()) / total), **peers}

    def _raw(self, boosters: dict[str, lgb.Booster], rows: pd.DataFrame) -> dict[str, np.ndarray]:
        x = rows[self.features_]
        level = _level(rows)
        return {head: np.maximum(b.predict(x), 0.0) * level for head, b in boosters.items()}

    def _calibrate(self, raw: dict[str, np.ndarray], val: pd.DataFrame, scl: np.ndarray) -> Calibration:
        y = val["_target"].to_numpy()
        med, mean4 = _lifted(val, "_median_8w"), _lifted(val, "_mean_4w")
        series = val["_series"].to_numpy()
        p50_w = min(BLEND_GRID, key=lambda a: np.abs(y - (a * raw["q50"] + (1 - a) * med)).sum())
        blended = p50_w * raw["q50"] + (1 - p50_w) * med
        p50_s = 1.0
        if self.config.scale_p50:
            p50_s = min(SCALE_GRID, key=lambda k: np.abs(y - k * blended).sum())

        def scaled_rmse(b: float) -> float:
            err = pd.Series((y - (b * raw["mean"] + (1 - b) * mean4)) ** 2).groupby(series).mean()
            return float(np.mean(np.sqrt(err.to_numpy()) / scl[err.index.to_numpy()]))

        mean_w = min(BLEND_GRID, key=scaled_rmse)
        base_p50 = p50_s * blended
        base_mean = mean_w * raw["mean"] + (1 - mean_w) * mean4
        tsb = _lifted(val, "_tsb")
        inter = val["zero_13w"].to_numpy() >= INTERMITTENT_ZEROS
        p50_tsb, mean_tsb = [], []
        for cls in (~inter, inter):
            p50_tsb.append(min(BLEND_GRID, key=lambda c: np.abs(y[cls] - ((1 - c) * base_p50[cls] + c * tsb[cls])).sum()))
            mean_tsb.append(min(BLEND_GRID, key=lambda c: float(((y[cls] - ((1 - c) * base_mean[cls] + c * tsb[cls])) ** 2
                                                                  / scl[series[cls]] ** 2).sum())))
        denom = _level(val)
        q10e, q90e = val["q10_13w"].to_numpy() * denom, val["q90_13w"].to_numpy() * denom

        def tail_loss(a: float) -> float:
            lo, hi = a * raw["q10"] + (1 - a) * q10e, a * raw["q90"] + (1 - a) * q90e
            return float(pinball(y, lo, 0.1).sum() + pinball(y, hi, 0.9).sum())

        tail_w = min(BLEND_GRID, key=tail_loss)
        lo = tail_w * raw["q10"] + (1 - tail_w) * q10e
        hi = tail_w * raw["q90"] + (1 - tail_w) * q90e
        tail = 1.0 - (1.0 - self.config.coverage_target) / 2.0
        lower = float(np.quantile((lo - y) / denom, tail))
        upper = float(np.quantile((y - hi) / denom, tail))
        return Calibration(float(p50_w), float(p50_s), float(mean_w), (float(p50_tsb[0]), float(p50_tsb[1])),
                           (float(mean_tsb[0]), float(mean_tsb[1])), float(tail_w), lower, upper)

    # ---- predicting ------------------------------------------------------------------------
    def predict(self, hist: History, origin: int, horizon: int) -> pd.DataFrame:
        """Forecasts for every series for buckets origin..origin+horizon-1 (columns: series, ds, h, ...)."""
        if not self.boosters_ or self.calibration_ is None:
            raise ForecastFitError("GlobalForecaster is not fitted; call fit() first")
        rows = origin_rows(hist, origin, self.spec, horizon, self.calendar, time_index=self.time_index_)
        rows["horizon"] = np.minimum(rows["horizon"], self.spec.horizon)
        rows["_tsb"] = _tsb_rows(hist, rows, horizon)
        return self._finish(rows, self._raw(self.boosters_, rows), self.calibration_)

    @staticmethod
    def _finish(rows: pd.DataFrame, raw: dict[str, np.ndarray], cal: Calibration) -> pd.DataFrame:
        denom = _level(rows)
        p50 = cal.p50_scale * (cal.p50_weight * raw["q50"] + (1 - cal.p50_weight) * _lifted(rows, "_median_8w"))
        mean = cal.mean_weight * raw["mean"] + (1 - cal.mean_weight) * _lifted(rows, "_mean_4w")
        if "_tsb" in rows:
            inter = (rows["zero_13w"].to_numpy() >= INTERMITTENT_ZEROS).astype(int)
            c50 = np.asarray(cal.tsb_p50_weight)[inter]
            cmean = np.asarray(cal.tsb_mean_weight)[inter]
            tsb = _lifted(rows, "_tsb")
            p50 = (1 - c50) * p50 + c50 * tsb
            mean = (1 - cmean) * mean + cmean * tsb
        lo = cal.tail_weight * raw["q10"] + (1 - cal.tail_weight) * rows["q10_13w"].to_numpy() * denom
        hi = cal.tail_weight * raw["q90"] + (1 - cal.tail_weight) * rows["q90_13w"].to_numpy() * denom
        p10 = np.maximum(lo - cal.lower_offset * denom, 0.0)
        p90 = hi + cal.upper_offset * denom
        p10 = np.minimum(p10, p50)
        p90 = np.maximum(p90, p50)
        open_share = rows["_open_share"].to_numpy()  # closed days are 0, part-closed weeks scaled (`closures`)
        mean, p10, p50, p90 = (v * open_share for v in (mean, p10, p50, p90))
        return pd.DataFrame({"series": rows["_series"].to_numpy(), "ds": rows["_ds"].to_numpy(),
                             "h": rows["horizon"].to_numpy().astype(int), "mean": mean, "p10": p10,
                             "p50": p50, "p90": p90})

    # ---- persistence -----------------------------------------------------------------------
    def save(self, folder: Path) -> None:
        """Boosters as LightGBM text files, the rest as JSON (no pickles)."""
        folder.mkdir(parents=True, exist_ok=True)
        for head, booster in self.boosters_.items():
            booster.save_model(str(folder / f"{head}.txt"))
        meta = {"spec": asdict(self.spec), "features": self.features_,
                "calibration": asdict(self.calibration_) if self.calibration_ else None,
                "quantiles": list(QUANTILES), "festivals": [f.name for f in self.calendar.festivals],
                "time_index_features": self.time_index_, "validation": self.validation_, "holdout": self.holdout_,
                "config": {k: v for k, v in asdict(self.config).items() if k != "specs"}}
        (folder / "model.json").write_text(json.dumps(meta, indent=2, default=str))
