"""Model, reload, health and readiness answers."""

from __future__ import annotations

from pydantic import BaseModel


class ModelInfo(BaseModel):
    """One family: the version serving (null when none) and its registry tags (holdout metrics)."""

    family: str
    status: str
    version: str | None
    loaded_at: float | None
    tags: dict[str, str]


class ModelsResponse(BaseModel):
    models: list[ModelInfo]
    generation: int


class ReloadItem(BaseModel):
    family: str
    outcome: str
    version: str | None
    detail: str


class ReloadResponse(BaseModel):
    results: list[ReloadItem]
    serving: dict[str, str | None]


class Health(BaseModel):
    status: str


class Readiness(BaseModel):
    ready: bool
    detail: str
    models: dict[str, str | None]
