"""Annotated dependencies of the routes: settings, the serving snapshot, one family's model, the store.

Every dependency is `async def` and takes only the request: they just read attributes, a plain
`def` dependency would run in the thread pool, and nested dependencies cost more than a prediction.
"""

from __future__ import annotations

import hmac
from typing import Annotated, Any

from fastapi import Depends, Header, HTTPException, Request

from serving.config import ServingSettings
from serving.metrics import ServiceMetrics
from serving.registry import LoadedModel, Snapshot
from serving.state import CUSTOMER_FAMILIES, ServiceState


def _state(request: Request) -> ServiceState:
    return request.app.state.service  # type: ignore[no-any-return]


async def get_service(request: Request) -> ServiceState:
    """The state of the app answering this request."""
    return _state(request)


async def get_settings(request: Request) -> ServingSettings:
    return _state(request).settings


async def get_models(request: Request) -> Snapshot:
    """The snapshot this request uses from start to end (a reload swaps in a new one), with the
    other workers' purchases and erasures applied."""
    state = _state(request)
    state.catch_up()
    return state.holder.snapshot


async def get_metrics(request: Request) -> ServiceMetrics:
    return _state(request).metrics


async def get_store(request: Request) -> Any:
    """The event store, or 503 when it could not be opened."""
    store = _state(request).store
    if store is None:
        raise HTTPException(503, "the event store is unavailable; see the service log")
    return store


ServiceDep = Annotated[ServiceState, Depends(get_service)]
SettingsDep = Annotated[ServingSettings, Depends(get_settings)]
ModelsDep = Annotated[Snapshot, Depends(get_models)]
MetricsDep = Annotated[ServiceMetrics, Depends(get_metrics)]
StoreDep = Annotated[Any, Depends(get_store)]


def _serving(family: str, command: str) -> Any:
    async def dependency(request: Request) -> LoadedModel:
        state = _state(request)
        state.catch_up()
        model = state.holder.snapshot.get(family)
        if model is None:
            if state.store is None and family in CUSTOMER_FAMILIES:
                raise HTTPException(503, f"no {family} model is serving: the event store is unavailable, and "
                                         "without it the customers who asked to be erased are unknown (retried "
                                         "in the background)")
            refused = state.holder.refused.get(family)
            if refused:
                raise HTTPException(503, f"no {family} model is serving: its champion {refused}. Promote a "
                                         f"version that serves (`shopml models promote {family} <version>`) or "
                                         f"train one (`{command}`), then POST /v1/admin/reload")
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


async def require_admin(
    request: Request,
    x_api_key: Annotated[str | None, Header(description="admin key (SHOPML_ADMIN_API_KEY)")] = None,
) -> None:
    """403 when no admin key is configured (whatever is sent), 401 without `X-API-Key`, 403 with a
    wrong one."""
    expected = _state(request).settings.admin_api_key
    if not expected:
        raise HTTPException(403, "admin endpoints are disabled: SHOPML_ADMIN_API_KEY is unset")
    if not x_api_key:
        raise HTTPException(401, "this endpoint needs the admin key in the X-API-Key header",
                            headers={"WWW-Authenticate": "X-API-Key"})
    if not hmac.compare_digest(x_api_key.encode(), expected.encode()):
        raise HTTPException(403, "wrong admin key")


AdminDep = Depends(require_admin)
