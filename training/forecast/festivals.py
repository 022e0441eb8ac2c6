"""How much a festival lifted the shop last time: a factor for the same festival's buckets this time.

A festival seen once in the history cannot be learned by the global model from its calendar features
alone (one occurrence, a handful of training rows). So the shop's own last occurrence is read off its
daily total, point in time, as two lifts over the shop's mean daily demand in the `BASELINE_DAYS`
before the previous occurrence's window (`days_before` the day to `days_after` it):
- the festival day's own demand (the Double 11 or Black Friday spike);
- the mean demand of the window's other days (the run-up and the days after).
Both are clipped to 1/`MAX_LIFT`..`MAX_LIFT`. They are known only when that window and its baseline lie
wholly inside the days before the origin.

A day inside a festival's window takes that festival's lift (the festival with the shortest window
when windows overlap, e.g. Black Friday inside the Christmas run-up); a bucket takes the mean over its
days, and 1 where no lift is known. The forecaster divides its training targets by the factor of their
bucket and multiplies its forecasts by it (`windows.origin_rows`, `_lift`); such a bucket's festival
features (`in_<name>`) are 0, so the model learns and predicts demand net of the shop's lift there and
the lift is not counted twice. Buckets without a known lift keep the features.
"""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise

import numpy as np
import pandas as pd

from features.calendar import Festival, HolidayCalendar

BASELINE_DAYS = 56
MAX_LIFT = 10.0


def _lifts(total: np.ndarray, first_day: date, known_days: int, fest: Festival, day: date
           ) -> tuple[float, float] | None:
    """The (festival day, rest of the window) lifts of the occurrence of `fest` on `day`, from the daily
    `total` of the first `known_days`; None when not wholly known."""
    start = (day - timedelta(days=fest.days_before) - first_day).days
    end = (day + timedelta(days=fest.days_after) - first_day).days + 1
    if start - BASELINE_DAYS < 0 or end > known_days:
        return None
    base = float(total[start - BASELINE_DAYS:start].mean())
    if base <= 0:
        return None
    at = (day - first_day).days
    rest = np.delete(total[start:end], at - start)
    on_day = float(total[at]) / base
    around = float(rest.mean()) / base if rest.size else on_day
    return float(np.clip(on_day, 1.0 / MAX_LIFT, MAX_LIFT)), float(np.clip(around, 1.0 / MAX_LIFT, MAX_LIFT))


def day_lifts(total: np.ndarray | None, first_day: pd.Timestamp, known_days: int, days: pd.DatetimeIndex,
              calendar: HolidayCalendar) -> np.ndarray:
    """Per day of `days`: the lift of the festival whose window holds it, from its previous occurrence
    (1 when none or unknown)."""
    out = np.ones(len(days))
    if total is None or len(days) == 0 or known_days <= 0:
        return out
    first = first_day.date()
    span = np.full(len(days), np.iinfo(np.int64).max)
    years = (first.year - 1, days.max().year + 1)
    for fest in calendar.festivals:
        occ = sorted(calendar.occurrences(fest, *years))
        width = fest.days_before + fest.days_after
        for prev, cur in pairwise(occ):
            lo = pd.Timestamp(cur - timedelta(days=fest.days_before))
            hi = pd.Timestamp(cur + timedelta(days=fest.days_after))
            inside = (days >= lo) & (days <= hi) & (width < span)
            if not inside.any():
                continue
            lifts = _lifts(total, first, known_days, fest, prev)
            if lifts is not None:
                out[inside] = np.where(days[inside] == pd.Timestamp(cur), *lifts)
                span[inside] = width
    return out


def bucket_lifts(total: np.ndarray | None, first_day: pd.Timestamp, known_days: int,
                 starts: pd.DatetimeIndex, bucket_days: int, calendar: HolidayCalendar) -> np.ndarray:
    """Per bucket starting at `starts` (`bucket_days` long): the mean of its days' lifts."""
    days = pd.DatetimeIndex([s + pd.Timedelta(days=k) for s in starts for k in range(bucket_days)])
    return day_lifts(total, first_day, known_days, days, calendar).reshape(len(starts), bucket_days).mean(axis=1)
