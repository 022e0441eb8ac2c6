"""Churn risk, customer profile, the win-back list, and erasure of a customer's personal data."""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, Response

from serving.config import MAX_LIMIT, MAX_OFFSET
from serving.deps import AdminDep, ChurnDep, ServiceDep, StoreDep
from serving.responses import json_answer, plain
from serving.routes.params import CustomerId
from serving.schemas.customers import (
    AtRiskResponse,
    ChurnResponse,
    ErasureResponse,
    ProfileResponse,
    StageName,
)
from serving.schemas.errors import UNAVAILABLE

PREFIX = "/v1/customers"
router = APIRouter(prefix=PREFIX, tags=["customers"], responses=UNAVAILABLE)
log = logging.getLogger(__name__)


STAGE_HELP = ("lifecycle stages to list, one or more (repeat the parameter): new, active, at_risk, churned, "
              "won_back. Default: at_risk and churned, the customers overdue by their own buying rhythm or "
              "gone; at_risk alone is the early-warning list, churned alone the win-back list")


@router.get("/at-risk", response_model=AtRiskResponse)
async def at_risk(model: ChurnDep,
                  limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"1..{MAX_LIMIT}")] = 100,
                  offset: Annotated[int, Query(ge=0, le=MAX_OFFSET,
                                               description=f"customers to skip (paging), 0..{MAX_OFFSET:,}")] = 0,
                  stage: Annotated[list[StageName] | None, Query(description=STAGE_HELP)] = None) -> Response:
    """Customers with at least a medium churn risk in the chosen lifecycle stages, the most expected
    value lost first, one page at a time (`total` counts every page)."""
    page = plain(model.runtime.at_risk(limit, offset=offset, stages=stage))
    stages = [s.replace(" ", "_") for s in page.pop("stages")]
    return json_answer(AtRiskResponse(**page, offset=offset, stages=stages, horizon_days=model.runtime.horizon_days,
                                      as_of=model.runtime.as_of, model_version=model.version))


@router.get("/{customer_id:path}/churn", response_model=ChurnResponse,
            responses={404: {"description": "unknown customer"}})
async def churn(customer_id: CustomerId, model: ChurnDep) -> Response:
    """Probability that the customer makes no purchase within the horizon, with its main reasons."""
    try:
        result = plain(model.runtime.churn(customer_id))
    except KeyError:
        raise HTTPException(404, f"unknown customer {customer_id!r}: no purchase history in the churn model") from None
    return json_answer(ChurnResponse(**{**result, "customer_id": customer_id, "model_version": model.version}))


@router.get("/{customer_id:path}/profile", response_model=ProfileResponse,
            responses={404: {"description": "unknown customer"}})
async def profile(customer_id: CustomerId, model: ChurnDep) -> Response:
    """RFM segment, lifecycle stage and expected value."""
    try:
        result = plain(model.runtime.profile(customer_id))
    except KeyError:
        raise HTTPException(404, f"unknown customer {customer_id!r}: no purchase history in the churn model") from None
    return json_answer(ProfileResponse(**{**result, "customer_id": customer_id, "model_version": model.version}))


@router.delete("/{customer_id:path}", response_model=ErasureResponse, dependencies=[AdminDep],
               responses={401: {"description": "no X-API-Key"}, 403: {"description": "wrong X-API-Key"},
                          404: {"description": "a literal slash in the path: send one inside an id as %2F"},
                          405: {"description": "a GET-only resource (`.../churn`, `.../profile`, `at-risk`)"}})
async def erase_customer(customer_id: CustomerId, request: Request, service: ServiceDep, store: StoreDep) -> Response:
    """Erase the customer's events and profile, forget them in every model, exclude them from training.

    Erasure cannot be undone, so the id must be unambiguous: a slash inside it is sent as %2F, and a
    path with a literal slash (`/v1/customers/C1/churn`) is refused instead of erasing `C1/churn`."""
    _refuse_ambiguous_erasure(request)
    removed = await asyncio.to_thread(store.erase_customer, customer_id)
    forgotten = service.forget_customer(customer_id)
    log.info("erased customer: %d events removed, forgotten in %s", removed, forgotten or "no model")
    return json_answer(ErasureResponse(customer_id=customer_id, events_removed=int(removed), forgotten_in=forgotten))


def _refuse_ambiguous_erasure(request: Request) -> None:
    """Raise 405 or 404 for a DELETE whose raw path is not one %2F-encoded customer id."""
    raw = bytes(request.scope.get("raw_path") or request.url.path.encode())
    tail = raw.split(PREFIX.encode() + b"/", 1)[-1]  # a literal trailing slash is already gone
    head, _, last = tail.rpartition(b"/")
    if tail == b"at-risk" or (head and last in (b"churn", b"profile")):  # a GET-only resource
        raise HTTPException(405, "Method Not Allowed", headers={"Allow": "GET"})
    if head:
        raise HTTPException(404, f"no customer path {request.url.path}: send a slash inside a customer id as %2F")
