"""Annotated dependencies of the routes: settings, the serving snapshot, one family's model, the store."""

from __future__ import annotations

import hmac
from typing import Annotated, Any

from fastapi import Depends, Header, HTTPException, Request

from serving.config import ServingSettings
from serving.metrics import ServiceMetrics
from serving.registry import LoadedModel, Snapshot
from serving.state import ServiceState


def get_service(request: Request) -> ServiceState:
    """The state of the app answering this request."""
    return request.app.state.service  # type: ignore[no-any-return]


ServiceDep = Annotated[ServiceState, Depends(get_service)]


def get_settings(service: ServiceDep) -> ServingSettings:
    return service.settings


def get_models(service: ServiceDep) -> Snapshot:
    """The snapshot this request uses from start to end (a reload swaps in a new one)."""
    return service.holder.snapshot


def get_metrics(service: ServiceDep) -> ServiceMetrics:
    return service.metrics


def get_store(service: ServiceDep) -> Any:
    """The event store, or 503 when it could not be opened."""
    if service.store is None:
        raise HTTPException(503, "the event store is unavailable; see the service log")
    return service.store


SettingsDep = Annotated[ServingSettings, Depends(get_settings)]
ModelsDep = Annotated[Snapshot, Depends(get_models)]
MetricsDep = Annotated[ServiceMetrics, Depends(get_metrics)]
StoreDep = Annotated[Any, Depends(get_store)]


def _serving(family: str, command: str) -> Any:
    def dependency(models: ModelsDep) -> LoadedModel:
        model = models.get(family)
        if model is None:
            raise HTTPException(
                503,
                f"no {family} model is serving: train one (`{command}`), "
                "then POST /v1/admin/reload or restart the service",
            )
        return model

    dependency.__name__ = f"{family}_model"
    return dependency


RecommenderDep = Annotated[LoadedModel, Depends(_serving("recommender", "shopml train recommender"))]
ForecastDep = Annotated[LoadedModel, Depends(_serving("forecast", "shopml train forecast"))]
ChurnDep = Annotated[LoadedModel, Depends(_serving("churn", "shopml train churn"))]


def require_admin(
    settings: SettingsDep,
    x_api_key: Annotated[str | None, Header(description="admin key (SHOPML_ADMIN_API_KEY)")] = None,
) -> None:
    """401 without `X-API-Key`, 403 with a wrong one or when no admin key is configured."""
    if not x_api_key:
        raise HTTPException(401, "this endpoint needs the admin key in the X-API-Key header",
                            headers={"WWW-Authenticate": "X-API-Key"})
    expected = settings.admin_api_key
    if not expected:
        raise HTTPException(403, "admin endpoints are disabled: SHOPML_ADMIN_API_KEY is unset")
    if not hmac.compare_digest(x_api_key.encode(), expected.encode()):
        raise HTTPException(403, "wrong admin key")


AdminDep = Depends(require_admin)
