"""The events batch: the data contract's columns, at most 1,000 events."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from serving.config import MAX_EVENTS, MAX_ID_LENGTH

EARLIEST = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(2200, 1, 1, tzinfo=dt.UTC)


class EventIn(BaseModel):
    """One event: the columns of the events data contract (features.schema.EVENTS), no others (an
    unknown field is refused with 422); a timestamp without a zone is taken as UTC."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    customer_id: str = Field(min_length=1, max_length=MAX_ID_LENGTH)
    item_id: str = Field(min_length=1, max_length=MAX_ID_LENGTH)
    timestamp: dt.datetime
    event_type: Literal["view", "cart", "purchase", "return"] = "purchase"
    quantity: int = Field(default=1, gt=0, le=1_000_000_000)
    price: float | None = Field(default=None, ge=0, le=1e12, allow_inf_nan=False)
    order_id: str | None = Field(default=None, max_length=MAX_ID_LENGTH)

    @field_validator("timestamp")
    @classmethod
    def _in_range(cls, value: dt.datetime) -> dt.datetime:
        aware = value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
        if not EARLIEST <= aware < LATEST:
            raise ValueError("timestamp must be between 1970-01-01 and 2200-01-01")
        return aware.astimezone(dt.UTC)


class EventBatch(BaseModel):
    """The body of POST /v1/events; unknown fields are refused (422)."""

    model_config = ConfigDict(extra="forbid")

    events: list[EventIn] = Field(min_length=1, max_length=MAX_EVENTS)


class EventsAccepted(BaseModel):
    """How many events were received, how many were new (a re-sent event is stored once), and how
    many purchases the serving recommender took in at once (0 when no recommender is serving;
    purchases of items it does not know wait for the next training)."""

    received: int
    stored: int
    purchases_applied: int
