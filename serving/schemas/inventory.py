"""Replenishment answers."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field


class ReplenishmentResponse(BaseModel):
    """Safety stock, reorder point, suggested order quantity and stockout risk for one item.

    A quantity that needs an unknown input (lead time, stock on hand) is null, and `missing` says
    which input was unknown.
    """

    model_config = ConfigDict(extra="allow")

    item_id: str
    service_level: float
    lead_time_days: float | None = None
    on_hand: float | None = None
    safety_stock: float | None = None
    reorder_point: float | None = None
    suggested_order_quantity: float | None = None
    stockout_probability: float | None = None
    eoq: float | None = Field(default=None, description="economic order quantity, when order_cost and "
                              "holding_cost are given")
    order_policy: str | None = Field(default=None, description="how the suggested order was set: "
                                     "order_up_to, or eoq when both costs are given")
    demand_from: dt.date | None = Field(default=None, description="the first day the lead time covers: the day "
                                        "after the last sale in the training data")
    missing: list[str] = Field(default_factory=list)
    model_version: str
