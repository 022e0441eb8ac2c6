"""Replenishment answers."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class ReplenishmentResponse(BaseModel):
    """Safety stock, reorder point, suggested order quantity and stockout risk for one item."""

    model_config = ConfigDict(extra="allow")

    item_id: str
    service_level: float
    lead_time_days: int
    model_version: str
