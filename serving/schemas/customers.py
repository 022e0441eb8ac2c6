"""Churn, profile, win-back and erasure answers."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ChurnResponse(BaseModel):
    """Probability of no purchase in the next `horizon_days`, its risk band and main reasons."""

    customer_id: str
    probability: float = Field(ge=0, le=1)
    risk: str = Field(description="low, medium or high")
    horizon_days: int
    top_factors: list[str] = Field(description="the main reasons, most important first")
    model_version: str


class ProfileResponse(BaseModel):
    """RFM segment, lifecycle stage and expected value of one customer."""

    model_config = ConfigDict(extra="allow")

    customer_id: str
    rfm_segment: str | None = None
    lifecycle_stage: str | None = None
    recency_days: float | None = None
    frequency: float | None = None
    monetary: float | None = None
    expected_value_12m: float | None = None
    p_alive: float | None = None
    expected_purchases_12m: float | None = None
    model_version: str


class AtRiskCustomer(BaseModel):
    """One customer of the win-back list."""

    model_config = ConfigDict(extra="allow")

    customer_id: str
    probability: float
    expected_value_lost: float | None = None
    rfm_segment: str | None = None


class AtRiskResponse(BaseModel):
    """The win-back list: the most valuable at-risk customers first."""

    customers: list[AtRiskCustomer]
    model_version: str


class ErasureResponse(BaseModel):
    """What deleting a customer removed."""

    customer_id: str
    events_removed: int
    forgotten_in: list[str] = Field(description="model families told to forget the customer")
