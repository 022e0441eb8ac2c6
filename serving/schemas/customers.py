"""Churn, profile, win-back and erasure answers."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class ChurnResponse(BaseModel):
    """Probability of no purchase in the next `horizon_days`, its risk band and main reasons."""

    customer_id: str
    probability: float
    risk: str
    horizon_days: int
    top_factors: list[Any]
    model_version: str


class ProfileResponse(BaseModel):
    """RFM segment, lifecycle stage and expected value of one customer."""

    model_config = ConfigDict(extra="allow")

    customer_id: str
    model_version: str


class AtRiskResponse(BaseModel):
    """The win-back list: the most valuable at-risk customers first."""

    customers: list[dict[str, Any]]
    model_version: str


class ErasureResponse(BaseModel):
    """What deleting a customer removed."""

    customer_id: str
    events_removed: int
    forgotten_in: list[str]
