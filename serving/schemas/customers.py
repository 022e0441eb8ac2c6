"""Churn, profile, win-back and erasure answers."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

# The lifecycle stages as query values (training/churn/runtime.py STAGES, with underscores).
StageName = Literal["new", "active", "at_risk", "churned", "won_back"]
AS_OF = ("the date the answers were computed at: they use the events before it, and purchases since "
         "are not reflected until the churn model is retrained")


class ChurnResponse(BaseModel):
    """Probability of no purchase in the next `horizon_days`, its risk band and main reasons."""

    customer_id: str
    probability: float = Field(ge=0, le=1)
    risk: str = Field(description="low, medium or high")
    horizon_days: int = Field(description="the churn horizon the model was trained for")
    top_factors: list[str] = Field(description="the main reasons, most important first")
    as_of: dt.date = Field(description=AS_OF)
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
    as_of: dt.date = Field(description=AS_OF)
    model_version: str


class AtRiskCustomer(BaseModel):
    """One customer of the win-back list."""

    model_config = ConfigDict(extra="allow")

    customer_id: str
    probability: float
    expected_value_lost: float | None = None
    rfm_segment: str | None = None
    lifecycle_stage: str | None = None


class AtRiskResponse(BaseModel):
    """One page of the win-back list: customers with at least a medium churn risk in the asked
    lifecycle stages, the most expected value lost first."""

    customers: list[AtRiskCustomer]
    total: int = Field(ge=0, description="customers in the whole list (every page)")
    offset: int = Field(ge=0, description="position of the first customer of this page in the list")
    stages: list[StageName] = Field(description="the lifecycle stages listed")
    horizon_days: int = Field(description="the churn horizon the model was trained for")
    as_of: dt.date = Field(description=AS_OF)
    model_version: str


class ErasureResponse(BaseModel):
    """What deleting a customer removed."""

    customer_id: str
    events_removed: int
    forgotten_in: list[str] = Field(description="serving model families that held something about the customer "
                                    "before this erasure (the same on every worker; [] when already erased)")
