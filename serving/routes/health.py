"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Response

from serving.deps import MetricsDep, ServiceDep
from serving.responses import json_answer
from serving.routes.models import serving_versions
from serving.schemas.models import Health, Readiness

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health)
async def health() -> Response:
    """The process is up."""
    return json_answer(Health(status="ok"))


@router.get("/ready", response_model=Readiness, responses={503: {"model": Readiness, "description": "not ready"}})
async def ready(service: ServiceDep) -> Response:
    """Ready once the first load finished and at least one model serves; 503 before."""
    snapshot = service.holder.snapshot
    versions = serving_versions(snapshot)
    if not service.holder.initial_load_done:
        return json_answer(Readiness(ready=False, detail="loading models", models=versions), 503)
    waiting = (f"; the recommender and churn wait for the event store, which is unavailable (retried every "
               f"{service.settings.store_retry_seconds:g} s)") if service.store is None else ""
    refused = "".join(f"; {family}: champion {why}" for family, why in sorted(service.holder.refused.items()))
    if not snapshot.models:
        detail = ("no model is serving" + waiting + refused if waiting or refused else
                  "no model is registered yet: run `shopml train`, then POST /v1/admin/reload")
        return json_answer(Readiness(ready=False, detail=detail, models=versions), 503)
    return json_answer(Readiness(ready=True, detail="serving" + waiting + refused, models=versions))


@router.get("/metrics", response_class=Response)
async def metrics(metrics: MetricsDep) -> Response:
    """Prometheus text exposition."""
    body, content_type = metrics.exposition()
    return Response(body, media_type=content_type)
