"""Supervised rows for the global model: one row per (series, forecast origin, horizon).

Every feature is scale-free: demand statistics are divided by the series' robust level at the origin
(`denom`, the mean of the last 13 weeks of capped demand), so one model serves big and small series;
the model predicts the ratio target / denom. Only buckets before the origin enter a row's features.

Closed days (`closures`): the days of the calendar's closures (the shop's calendar file), and, point
in time from the shop's daily sales before the origin (not tuned on any test window), a weekday
without a shop sale on each of the `spec.closed_weeks` (8) weeks before the origin (daily only) and
the dates one year after a closure of at least `spec.annual_closure_days` (7) days. Each row carries `_open_share`, the share of its bucket's usual
trading days that are open (0 or 1 for a day). `training_rows` keeps only fully open buckets, and
`GlobalForecaster` multiplies mean, p10, p50 and p90 by the share. Online Retail II trades Sunday to
Friday: Saturday is closed at every origin after its one Saturday of sales (2009-12-05); it shut
from 2009-12-24 to 2010-01-03, so 2010-12-24..2011-01-03 are forecast 0 (the week of 2010-12-20
keeps 4/6 of its demand: Friday 24 and Sunday 26 are closed, Saturday never trades).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from features.calendar import HolidayCalendar, calendar_features
from training.errors import NotEnoughData
from training.forecast.closures import open_share
from training.forecast.config import FreqSpec
from training.forecast.festivals import bucket_lifts

EPS = 1e-3
MIN_WEEKLY_LEVEL = 1.0  # units per week: the level never drops below this (keeps ratios bounded)
WEEKLY_TRADING_WEEKS = 8  # a weekly bucket's usual trading days: weekdays with a sale in the last 8 weeks


@dataclass
class History:
    """Aligned bucket matrices of a set of series (rows) over consecutive buckets (columns)."""

    ids: list[str]
    dates: pd.DatetimeIndex  # bucket starts, length T
    y: np.ndarray  # [n, T] capped demand (features and training targets)
    revenue: np.ndarray  # [n, T] revenue of the capped demand (for average price), NaN-free
    total: np.ndarray  # [T] shop total demand (capped)
    category_code: np.ndarray  # [n] int category code (-1 unknown)
    promo: np.ndarray  # [n, T + future] discount per bucket, known ahead (0 when none)
    lines: np.ndarray | None = None  # [n, T] purchase order lines per bucket (how many orders, not units)
    # the shop's daily demand from dates[0] to the end of history (closed days, see `closures`); None = unknown
    daily_total: np.ndarray | None = None

    def __post_init__(self) -> None:
        n, t = self.y.shape
        if self.revenue.shape != (n, t) or self.total.shape != (t,) or len(self.ids) != n:
            raise ValueError("History arrays must share the [n series, T buckets] shape")
        if len(self.dates) != t or self.category_code.shape != (n,) or self.promo.shape[0] != n:
            raise ValueError("History dates/category_code/promo do not match the demand matrix")


    def head(self, n: int) -> History:
        """The first `n` series (the training set: series are ordered by volume)."""
        return History(ids=self.ids[:n], dates=self.dates, y=self.y[:n], revenue=self.revenue[:n],
                       total=self.total, category_code=self.category_code[:n], promo=self.promo[:n],
                       lines=None if self.lines is None else self.lines[:n], daily_total=self.daily_total)


def _window(h: np.ndarray, k: int) -> np.ndarray:
    return h[:, max(0, h.shape[1] - k):]


def _safe_div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.divide(a, b, out=np.ones_like(a, dtype=float), where=b > 0)


def level(y_hist: np.ndarray, spec: FreqSpec) -> np.ndarray:
    """The robust level of each series: mean of the last 13 weeks, floored to stay positive."""
    recent = _window(y_hist, 13 * spec.week).mean(axis=1)
    longer = y_hist.mean(axis=1) if y_hist.shape[1] else np.zeros(y_hist.shape[0])
    return np.maximum(recent, np.maximum(0.25 * longer, MIN_WEEKLY_LEVEL / spec.week))


def scale(y_hist: np.ndarray) -> np.ndarray:
    """In-sample mean absolute one-step change since each series' first sale (MASE scale), floored."""
    out = np.empty(y_hist.shape[0])
    for i, row in enumerate(y_hist):
        nz = np.flatnonzero(row)
        seg = row[nz[0]:] if nz.size else row
        out[i] = np.abs(np.diff(seg)).mean() if seg.size > 1 else 0.0
    return np.maximum(out, EPS)


def origin_stats(hist: History, o: int, spec: FreqSpec) -> dict[str, np.ndarray]:
    """Per-series features at origin `o` (using buckets [0, o) only), keyed by feature name."""
    h = hist.y[:, :o]
    w = spec.week
    denom = level(h, spec)
    feats: dict[str, np.ndarray] = {"log_level": np.log1p(denom)}
    lags = list(range(1, 9)) if spec.freq == "W" else [1, 2, 3, 4, 5, 6, 7, 14, 21, 28]
    for k in lags:
        feats[f"lag_{k}"] = (h[:, o - k] if o - k >= 0 else np.zeros(h.shape[0])) / denom
    for weeks in (4, 8, 13, 26):
        win = _window(h, weeks * w)
        feats[f"mean_{weeks}w"] = win.mean(axis=1) / denom
        if weeks <= 13:
            feats[f"median_{weeks}w"] = np.median(win, axis=1) / denom
    win13 = _window(h, 13 * w)
    feats["q10_13w"] = np.quantile(win13, 0.1, axis=1) / denom
    feats["q90_13w"] = np.quantile(win13, 0.9, axis=1) / denom
    feats["max_13w"] = win13.max(axis=1) / denom
    feats["std_13w"] = win13.std(axis=1) / denom
    feats["zero_4w"] = (_window(h, 4 * w) == 0).mean(axis=1)
    feats["zero_13w"] = (win13 == 0).mean(axis=1)
    if spec.freq == "D":
        weekly = _window(h, 8 * w)
        weekly = weekly[:, weekly.shape[1] % 7:].reshape(h.shape[0], -1, 7).sum(axis=2)
        feats["weekly_median_8w"] = np.median(weekly, axis=1) / 7.0 / denom
    nonzero = h > 0
    any_sale = nonzero.any(axis=1)
    first = np.where(any_sale, nonzero.argmax(axis=1), o)
    last = np.where(any_sale, o - 1 - nonzero[:, ::-1].argmax(axis=1), -1)
    feats["age_weeks"] = (o - first) / w
    feats["weeks_since_sale"] = np.where(any_sale, (o - 1 - last) / w, 99.0)
    tot = hist.total[:o]
    tot13 = tot[-13 * w:].mean() if o else 0.0
    feats["shop_trend_4_13"] = np.full(h.shape[0], (tot[-4 * w:].mean() / tot13) if tot13 > 0 else 1.0)
    feats["shop_last_week"] = np.full(h.shape[0], (tot[-w:].mean() / tot13) if tot13 > 0 else 1.0)
    if hist.lines is not None:
        ln = hist.lines[:, :o]
        l13 = _window(ln, 13 * w).mean(axis=1)
        feats["lines_trend_4_13"] = _safe_div(_window(ln, 4 * w).mean(axis=1), l13)
        feats["lines_trend_1_13"] = _safe_div(_window(ln, w).mean(axis=1), l13)
        feats["units_per_line_13w"] = _safe_div(win13.sum(axis=1), _window(ln, 13 * w).sum(axis=1)) / denom
        feats["log_lines_13w"] = np.log1p(l13)
    rev = hist.revenue[:, :o]
    price4 = _safe_div(_window(rev, 4 * w).sum(axis=1), _window(h, 4 * w).sum(axis=1))
    price26 = _safe_div(_window(rev, 26 * w).sum(axis=1), _window(h, 26 * w).sum(axis=1))
    feats["price_change"] = _safe_div(price4, price26)
    feats["log_price"] = np.log1p(price26)
    feats["category"] = hist.category_code.astype(float)
    feats["_denom"] = denom
    feats["_median_8w"] = np.median(_window(h, 8 * w), axis=1)
    feats["_mean_4w"] = _window(h, 4 * w).mean(axis=1)
    return feats


def _weekday_share(h: np.ndarray, dow_of_target: int, o: int, w: int) -> np.ndarray:
    win = _window(h, 8 * w)
    start = o - win.shape[1]
    cols = [j for j in range(win.shape[1]) if (start + j) % 7 == dow_of_target % 7]
    same = win[:, cols].mean(axis=1) if cols else np.zeros(h.shape[0])
    return _safe_div(same, win.mean(axis=1))


def bucket_open_share(hist: History, o: int, spec: FreqSpec, target_dates: pd.DatetimeIndex,
                      calendar: HolidayCalendar) -> np.ndarray:
    """Open share (`closures.open_share`) of the buckets at `target_dates`, seen from origin `o`."""
    weekly = spec.freq == "W"
    return open_share(hist.daily_total if weekly else hist.total, hist.dates[0], o * (7 if weekly else 1),
                      target_dates, 7 if weekly else 1,
                      weekday_weeks=WEEKLY_TRADING_WEEKS if weekly else spec.closed_weeks,
                      min_closure_days=spec.annual_closure_days if calendar.repeat_closures else 0,
                      given=calendar.closed_days)


def bucket_festival_lift(hist: History, o: int, spec: FreqSpec, target_dates: pd.DatetimeIndex,
                         calendar: HolidayCalendar) -> np.ndarray:
    """Festival lift (`festivals.bucket_lifts`) of the buckets at `target_dates`, seen from origin `o`."""
    weekly = spec.freq == "W"
    return bucket_lifts(hist.daily_total if weekly else hist.total, hist.dates[0], o * (7 if weekly else 1),
                        target_dates, 7 if weekly else 1, calendar)


def origin_rows(hist: History, o: int, spec: FreqSpec, horizon: int, calendar: HolidayCalendar,
                targets: np.ndarray | None = None, *, time_index: bool = False) -> pd.DataFrame:
    """Rows for every series at origin `o` and horizons 1..`horizon` (with `target` if given)."""
    stats = origin_stats(hist, o, spec)
    n = len(hist.ids)
    step = pd.Timedelta(days=1 if spec.freq == "D" else 7)
    start = hist.dates[0] + o * step
    target_dates = pd.DatetimeIndex([start + k * step for k in range(horizon)])
    share = bucket_open_share(hist, o, spec, target_dates, calendar)
    lift = bucket_festival_lift(hist, o, spec, target_dates, calendar)
    cal = calendar_features(target_dates, freq=spec.freq, calendar=calendar)
    if not time_index:
        cal = cal[[c for c in cal.columns if c.startswith("in_") or c == "day_of_week"]]
    blocks = []
    for k in range(horizon):
        block = {name: values for name, values in stats.items()}
        block["horizon"] = np.full(n, k + 1, dtype=float)
        for col in cal.columns:  # a festival with a known lift is in `_lift`, not in its feature (no double count)
            known = col.startswith("in_") and lift[k] != 1.0
            block[f"t_{col}"] = np.full(n, 0.0 if known else float(cal[col].iloc[k]))
        col_idx = o + k
        block["promo"] = hist.promo[:, col_idx] if col_idx < hist.promo.shape[1] else np.zeros(n)
        if spec.freq == "D":
            block["weekday_share"] = _weekday_share(hist.y[:, :o], int(target_dates[k].dayofweek)
                                                    - int(hist.dates[0].dayofweek), o, spec.week)
        block["_series"] = np.arange(n)
        block["_origin"] = np.full(n, o)
        block["_step"] = np.full(n, k)
        block["_open_share"] = np.full(n, share[k])
        block["_lift"] = np.full(n, lift[k])  # the shop's festival lift (`festivals`): targets / lift train
        block["_ds"] = np.full(n, target_dates[k])
        if targets is not None:
            block["_target"] = targets[:, col_idx] if col_idx < targets.shape[1] else np.full(n, np.nan)
        blocks.append(pd.DataFrame(block))
    return pd.concat(blocks, ignore_index=True)


def training_rows(hist: History, spec: FreqSpec, horizon: int, calendar: HolidayCalendar,
                  end: int, *, targets: np.ndarray | None = None, first_origin: int | None = None,
                  time_index: bool = False) -> pd.DataFrame:
    """Rows of every origin whose whole horizon ends at or before bucket `end` (exclusive), without
    the closed days (their forecast is 0 by rule, so they neither train nor calibrate the model)."""
    tgt = hist.y if targets is None else targets
    start = spec.min_history if first_origin is None else first_origin
    origins = list(range(end - horizon, start - 1, -spec.origin_step))[: spec.max_origins][::-1]
    frames = [origin_rows(hist, o, spec, horizon, calendar, tgt[:, :end], time_index=time_index)
              for o in origins]
    if not frames:
        raise NotEnoughData(f"no training origins: need > {start + horizon} buckets of history, have {end}")
    rows = pd.concat(frames, ignore_index=True)
    return rows[rows["_open_share"].to_numpy() >= 1.0].reset_index(drop=True)


def feature_columns(rows: pd.DataFrame) -> list[str]:
    """The model's input columns (internal bookkeeping columns start with '_')."""
    return [c for c in rows.columns if not c.startswith("_")]
