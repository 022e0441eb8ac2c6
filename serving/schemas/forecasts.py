"""Demand forecast answers."""

from __future__ import annotations

import datetime as dt
from typing import Literal

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
    basis: Literal["history", "launches"] = Field(
        default="history", description="history: the series' own sales; launches: a catalogue item without "
        "sales, forecast from how the recent launches of its category (or of the shop) sold")
    launch_group: str | None = Field(default=None, description="with basis=launches: the category, or 'shop'")
    launches: int | None = Field(default=None, description="with basis=launches: the launches the curve is built from")
    model_version: str
