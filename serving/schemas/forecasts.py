"""Demand forecast answers."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field


class ForecastPoint(BaseModel):
    """Demand in one bucket: `date` is the bucket's first day (a Monday for weeks)."""

    date: dt.date
    mean: float
    p10: float
    p50: float
    p90: float


class ForecastResponse(BaseModel):
    """A forecast for an item, a category (`category:NAME`) or the whole shop (`_total`)."""

    item_id: str
    freq: str = Field(description="W (weeks starting Monday) or D (days)")
    points: list[ForecastPoint]
    model_version: str
