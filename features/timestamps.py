"""Timestamps in UTC, the one time zone the event store and every as-of date use."""

from __future__ import annotations

import pandas as pd


def as_utc(ts: pd.Timestamp | str) -> pd.Timestamp:
    """A timestamp in UTC (naive timestamps are taken as UTC)."""
    out = pd.Timestamp(ts)
    return out.tz_localize("UTC") if out.tzinfo is None else out.tz_convert("UTC")
