"""Serving-only settings and the bounds every endpoint enforces."""

from __future__ import annotations

from pydantic import Field

from features.settings import Settings
from training.runtimes import FAMILIES

__all__ = ["FAMILIES"]

MAX_K = 100
MAX_LIMIT = 1_000
MAX_OFFSET = 1_000_000_000  # customers to skip in a paged list
MAX_HORIZON = 104
MAX_BATCH_CUSTOMERS = 100
MAX_RECENT_ITEMS = 100
MAX_EVENTS = 1_000
MAX_ID_LENGTH = 128


class ServingSettings(Settings):
    """The shared `Settings` plus knobs that only the HTTP service reads (`SHOPML_` prefix)."""

    access_log: bool = True
    sync_interval_seconds: float = Field(default=0.5, gt=0, le=60)
    store_retry_seconds: float = Field(default=5.0, gt=0, le=3600)  # an unavailable event store is tried again


def serving_settings(settings: Settings | None) -> ServingSettings:
    """Upgrade plain `Settings` to `ServingSettings`, keeping every value that was set."""
    if settings is None:
        return ServingSettings()
    if isinstance(settings, ServingSettings):
        return settings
    return ServingSettings.model_validate(settings.model_dump())
