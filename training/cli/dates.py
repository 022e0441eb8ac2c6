"""Dates given on the command line (`--cutoff`, `--as-of`): parsed, and checked against the events."""

from __future__ import annotations

import pandas as pd
import typer

from features.timestamps import as_utc


def parse_date(value: str, param: str) -> pd.Timestamp:
    """`value` as a UTC timestamp; an error naming `param` when it is not a date."""
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise typer.BadParameter(f"{value!r} is not a date (use YYYY-MM-DD)", param_hint=param) from exc
    if pd.isna(ts):
        raise typer.BadParameter(f"{value!r} is not a date (use YYYY-MM-DD)", param_hint=param)
    return as_utc(ts)


def check_split(cutoff: pd.Timestamp, timestamps: pd.Series, *, param: str, test_days: int,
                history_days: int = 1, weekday: int | None = None) -> None:
    """An error naming `param` unless the events hold `history_days` of data before `cutoff` and the
    whole test window of `test_days` after it (the day of the last event counts). With `weekday`
    (0 = Monday) the latest cutoff the message suggests falls on that day."""
    first, last = as_utc(timestamps.min()), as_utc(timestamps.max())
    if cutoff - pd.Timedelta(days=history_days) < first:
        raise typer.BadParameter(
            f"{cutoff.date()} leaves too little history: the events start on {first.date()} and this needs "
            f"{history_days} days before the cutoff (earliest: {(first + pd.Timedelta(days=history_days)).date()})",
            param_hint=param)
    latest = last.normalize() + pd.Timedelta(days=1) - pd.Timedelta(days=test_days)
    if weekday is not None:
        latest -= pd.Timedelta(days=(latest.dayofweek - weekday) % 7)
    if cutoff > latest:
        raise typer.BadParameter(
            f"{cutoff.date()} leaves no complete {test_days}-day test window: the events end on {last.date()} "
            f"(latest cutoff: {latest.date()})", param_hint=param)
