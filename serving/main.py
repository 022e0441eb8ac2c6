"""The FastAPI application: `create_app()` builds it; uvicorn runs `serving.main:create_app --factory`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI

from features.settings import Settings
from serving.config import serving_settings
from serving.errors import install_error_handlers
from serving.middleware import BodySizeLimit, Observability, TrailingSlash, configure_json_logs
from serving.openapi import document_errors
from serving.query import refuse_unknown_query
from serving.registry import MlflowSource, ModelSource
from serving.routes import (
    customers,
    events,
    forecasts,
    health,
    inventory,
    items,
    models,
    recommendations,
)
from serving.state import ServiceState

log = logging.getLogger(__name__)

ROUTERS = (recommendations, items, forecasts, inventory, customers, events, models, health)


def create_app(settings: Settings | None = None, *, source: ModelSource | None = None,
               load_in_background: bool = True) -> FastAPI:
    """Build the service. Models load in the lifespan (in the background unless told otherwise).

    `source` replaces the MLflow registry (tests pass fakes); `load_in_background=False` makes the
    start-up wait for the first load, so `/ready` is true as soon as the app accepts requests.
    """
    config = serving_settings(settings)
    configure_json_logs(config.log_level)
    state = ServiceState(config, source if source is not None else MlflowSource(config))

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await asyncio.to_thread(state.open_store)
        state.open_journal()
        first_load = asyncio.create_task(_first_load(state))
        if not load_in_background:
            await first_load
        follower = asyncio.create_task(state.follow_journal())
        store_watch = asyncio.create_task(state.watch_store())
        try:
            yield
        finally:
            for task in (store_watch, follower, first_load):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
            state.close()

    app = FastAPI(
        title="shopml",
        version="1.0",
        summary="Recommendations, demand forecasts and churn early warning for an online shop.",
        lifespan=lifespan,
        dependencies=[Depends(refuse_unknown_query)],
        redirect_slashes=False,  # TrailingSlash serves `/path/` as `/path`; a redirect back would loop
    )
    app.state.service = state
    for module in ROUTERS:
        app.include_router(module.router)
    install_error_handlers(app)
    document_errors(app)
    app.add_middleware(BodySizeLimit, limit=config.max_body_bytes)
    app.add_middleware(Observability, metrics=state.metrics, log_requests=config.access_log)
    app.add_middleware(TrailingSlash)  # outermost: routing and metrics see the path without it
    return app


async def _first_load(state: ServiceState) -> None:
    """Load every champion once at start-up; failures leave the family absent, never crash the app."""
    try:
        report = await state.reload(announce=False)
    except Exception:
        log.exception("first model load failed")
        state.holder.initial_load_done = True
        return
    for r in report:
        log.info("%s: %s (%s)", r.family, r.outcome, r.detail)
