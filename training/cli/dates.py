"""Dates given on the command line (`--cutoff`, `--as-of`): parsed, and checked against the events."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import typer

from features.timestamps import as_utc

MAX_WINDOW_DAYS = 3650  # the longest test window, horizon or label window an option accepts (ten years)


def parse_date(value: str, param: str) -> pd.Timestamp:
    """`value` as a UTC timestamp; an error naming `param` when it is not a date."""
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise typer.BadParameter(f"{value!r} is not a date (use YYYY-MM-DD)", param_hint=param) from exc
    if pd.isna(ts):
        raise typer.BadParameter(f"{value!r} is not a date (use YYYY-MM-DD)", param_hint=param)
    return as_utc(ts)


def first_midnight(at_least: pd.Timestamp, weekday: int | None = None) -> pd.Timestamp:
    """The first midnight at or after `at_least`; with `weekday` (0 = Monday), the first on that day."""
    day = as_utc(at_least).ceil("D")
    if weekday is not None:
        day += pd.Timedelta(days=(weekday - day.dayofweek) % 7)
    return day


def split_range(timestamps: pd.Series, *, test_days: int, history_days: int = 1,
                weekday: int | None = None) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The earliest and latest cutoff with `history_days` of events before it and a whole window of
    `test_days` after it (the day of the last event counts); with `weekday`, both on that day. No
    cutoff fits when earliest > latest."""
    first, last = as_utc(timestamps.min()), as_utc(timestamps.max())
    earliest = first_midnight(first + pd.Timedelta(days=history_days), weekday)
    latest = last.normalize() + pd.Timedelta(days=1) - pd.Timedelta(days=test_days)
    if weekday is not None:
        latest -= pd.Timedelta(days=(latest.dayofweek - weekday) % 7)
    return earliest, latest


def check_split(cutoff: pd.Timestamp, timestamps: pd.Series, *, param: str, test_days: int,
                history_days: int = 1, weekday: int | None = None, window: str = "test",
                earliest: pd.Timestamp | None = None, needs: str | None = None) -> None:
    """An error naming `param` unless the events hold `history_days` of data before `cutoff` and the
    whole `window` of `test_days` after it (the day of the last event counts). A caller whose model
    needs more than a span of days passes the `earliest` date it accepts and what that `needs`.
    With `weekday` (0 = Monday) the dates the message suggests fall on that day, and they are accepted."""
    first, last = as_utc(timestamps.min()), as_utc(timestamps.max())
    name = param.lstrip("-")
    default_earliest, latest = split_range(timestamps, test_days=test_days, history_days=history_days, weekday=weekday)
    earliest = default_earliest if earliest is None else earliest
    needs = needs or f"{history_days} days of events"
    if earliest > latest:
        raise typer.BadParameter(
            f"the events ({first.date()} to {last.date()}) are too short for any {name}: it needs {needs} "
            f"before it and a complete {test_days}-day {window} window after it", param_hint=param)
    if cutoff < earliest:
        raise typer.BadParameter(
            f"{cutoff.date()} leaves too little history: the events start on {first.date()} and this needs "
            f"{needs} before the {name} (earliest {name}: {earliest.date()})", param_hint=param)
    if cutoff > latest:
        raise typer.BadParameter(
            f"{cutoff.date()} leaves no complete {test_days}-day {window} window: the events end on {last.date()} "
            f"(latest {name}: {latest.date()})", param_hint=param)


def longest_fitting(fits: Callable[[int], bool], below: int) -> int | None:
    """The largest n in 1..below-1 with `fits(n)`, or None (`fits` holds up to some n, then never)."""
    lo, hi = 0, below
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if fits(mid) else (lo, mid)
    return lo or None


def check_window(value: int, fits: Callable[[int], bool], *, param: str, unit: str, timestamps: pd.Series,
                 needs: str, window: str | None = None) -> None:
    """An error naming `param` (not the cutoff) when no cutoff leaves room for a window of `value`
    `unit` (`window` names it, default "<value> <unit>") but a shorter one fits: `needs` says what the
    window takes, and the message gives the longest one that fits. When none fits, the events are
    too short whatever the window, and the cutoff check says so."""
    if fits(value):
        return
    longest = longest_fitting(fits, value)
    if longest is None:
        return
    first, last = as_utc(timestamps.min()), as_utc(timestamps.max())
    raise typer.BadParameter(f"the events ({first.date()} to {last.date()}) are too short for "
                             f"{window or f'{value} {unit}'}: {needs}; the longest these events allow is "
                             f"{longest} {unit}", param_hint=param)
