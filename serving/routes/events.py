"""Incoming events: validated against the data contract, stored durably, purchases applied at once."""

from __future__ import annotations

import asyncio

import pandas as pd
from fastapi import APIRouter, Response

from features.errors import ContractError
from features.validation import validate_events
from serving.deps import MetricsDep, ServiceDep, StoreDep
from serving.errors import contract_errors, unprocessable
from serving.responses import json_answer
from serving.schemas.errors import UNAVAILABLE
from serving.schemas.events import EventBatch, EventsAccepted
from serving.state import LIVE_CHANGES

router = APIRouter(prefix="/v1/events", tags=["events"], responses=UNAVAILABLE)


def events_frame(batch: EventBatch) -> pd.DataFrame:
    """The batch as a canonical events frame (raises ContractError for contract violations)."""
    raw = pd.DataFrame([e.model_dump() for e in batch.events])
    return validate_events(raw, "request body")


@router.post("", status_code=202, response_model=EventsAccepted,
             responses={413: {"description": "body too large"}, 422: {"description": "bad event; nothing stored"}})
async def post_events(batch: EventBatch, service: ServiceDep, store: StoreDep, metrics: MetricsDep) -> Response:
    """Store up to 1,000 events atomically (all or none), then reflect purchases and returns in
    recommendations."""
    try:
        frame = events_frame(batch)
    except ContractError as exc:
        return unprocessable(contract_errors(exc))
    stored = await asyncio.to_thread(store.append_events, frame, source="api")
    metrics.events_stored.inc(stored)
    applied = 0
    for e in batch.events:  # the latest purchase or return of an item in time wins, whatever the order
        if e.event_type in LIVE_CHANGES:
            took = service.record(e.event_type, e.customer_id, e.item_id, at=e.timestamp.timestamp())
            applied += took and e.event_type == "purchase"
    answer = EventsAccepted(received=len(batch.events), stored=int(stored), purchases_applied=applied)
    return json_answer(answer, status_code=202)
