"""Days the shop is closed in a forecast bucket: its own closures, closed weekdays and last year's closures.

Days the shop names (its calendar file's `closures`, past or planned) are closed. Two more rules,
both point in time (they read only the shop's daily sales before the origin):
- a closed weekday (`closed_weekdays`): no shop sale on that weekday in each of the last N weeks;
- an annual closure: the same calendar date one year earlier lay inside a run of at least
  `min_days` consecutive days without any shop sale, with sales on the days either side (a shop
  that shuts over Christmas and New Year shuts again the next year).

`open_share` turns them into the share of a bucket's usual trading days that are open: 0 or 1 for a
day, a fraction for a week (a week with two of its six trading days closed keeps 4/6 of its demand).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd


def closed_weekdays(total: np.ndarray, first_day: pd.Timestamp, origin: int, weeks: int) -> frozenset[int]:
    """Weekdays (0 = Monday) with no shop sale on any of the `weeks` weeks of daily `total` before
    `origin`; none when `weeks` is 0 or the history is shorter than `weeks` weeks.

    `total` is the shop's daily demand and `first_day` the date of its bucket 0."""
    if weeks <= 0 or origin < 7 * weeks:
        return frozenset()
    start = origin - 7 * weeks
    sold = (total[start:origin].reshape(weeks, 7) > 0).any(axis=0)
    first = int((first_day + pd.Timedelta(days=start)).dayofweek)
    return frozenset(int((first + j) % 7) for j in np.flatnonzero(~sold))


def closure_runs(total: np.ndarray, min_days: int) -> list[tuple[int, int]]:
    """Runs [first, last] (day indices) of at least `min_days` days without a sale, with a sale on the
    day before and the day after (a run at either end of the history is not a closure)."""
    if min_days <= 0 or total.size == 0:
        return []
    zero = np.concatenate([[False], total <= 0, [False]])
    edges = np.flatnonzero(np.diff(zero.astype(np.int8)))
    starts, ends = edges[0::2], edges[1::2] - 1
    keep = (ends - starts + 1 >= min_days) & (starts > 0) & (ends < total.size - 1)
    return [(int(s), int(e)) for s, e in zip(starts[keep], ends[keep], strict=True)]


def annual_closed(days: pd.DatetimeIndex, first_day: pd.Timestamp, runs: list[tuple[int, int]]) -> np.ndarray:
    """Whether each of `days` falls on the date one year after a day inside one of `runs`."""
    out = np.zeros(len(days), dtype=bool)
    if not runs or len(days) == 0:
        return out
    year_before = pd.DatetimeIndex([d - pd.DateOffset(years=1) for d in days])
    index = np.asarray((year_before - first_day).days)
    for first, last in runs:
        out |= (index >= first) & (index <= last)
    return out


def open_share(daily_total: np.ndarray | None, first_day: pd.Timestamp, origin_day: int,
               bucket_starts: pd.DatetimeIndex, bucket_days: int, *, weekday_weeks: int,
               min_closure_days: int, given: frozenset[date] = frozenset()) -> np.ndarray:
    """Share of each bucket's usual trading days that are open, from the sales before `origin_day`
    and the days the shop says it is closed (`given`, e.g. from its calendar file).

    `daily_total` is the shop's daily demand from `first_day`; without it only `given` closes days.
    `weekday_weeks` is the closed-weekday rule's window in weeks (0 = every weekday trades)."""
    share = np.ones(len(bucket_starts))
    if len(bucket_starts) == 0 or (daily_total is None and not given):
        return share
    known = daily_total[:max(origin_day, 0)] if daily_total is not None else np.zeros(0)
    closed = closed_weekdays(known, first_day, known.size, weekday_weeks)
    runs = closure_runs(known, min_closure_days)
    for k, start in enumerate(bucket_starts):
        days = pd.date_range(start, periods=bucket_days, freq="D")
        trading = ~np.isin(days.dayofweek, list(closed))
        usual = int(trading.sum())
        if usual:
            shut = annual_closed(days, first_day, runs) | np.array([d in given for d in days.date], dtype=bool)
            share[k] = float((trading & ~shut).sum()) / usual
        else:
            share[k] = 0.0 if bucket_days == 1 else 1.0
    return share
