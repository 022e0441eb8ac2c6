"""What is serving, and the admin reload of the champions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from serving.config import FAMILIES
from serving.deps import AdminDep, ModelsDep, ServiceDep
from serving.registry import Snapshot
from serving.responses import json_answer
from serving.schemas.models import ModelInfo, ModelsResponse, ReloadItem, ReloadResponse

router = APIRouter(tags=["models"])


def serving_versions(snapshot: Snapshot) -> dict[str, str | None]:
    """family -> version serving (None when absent)."""
    return {f: (m.version if (m := snapshot.get(f)) else None) for f in FAMILIES}


@router.get("/v1/models", response_model=ModelsResponse)
async def list_models(models: ModelsDep) -> Response:
    """The version serving per family and its registry tags (holdout metric and score)."""
    infos = []
    for family in FAMILIES:
        model = models.get(family)
        if model is None:
            infos.append(ModelInfo(family=family, status="absent", version=None, loaded_at=None, tags={}))
        else:
            tags = {str(k): str(v) for k, v in model.tags.items()}
            infos.append(ModelInfo(family=family, status="serving", version=model.version,
                                   loaded_at=model.loaded_at, tags=tags))
    return json_answer(ModelsResponse(models=infos, generation=models.generation))


@router.post("/v1/admin/reload", response_model=ReloadResponse, dependencies=[AdminDep],
             responses={401: {"description": "no X-API-Key"}, 403: {"description": "wrong X-API-Key"}})
async def reload_models(service: ServiceDep,
                        force: Annotated[bool, Query(description="reload even an unchanged version")] = False) -> Response:
    """Load the current champions; a model that fails to load or its smoke check is refused."""
    report = await service.reload(force=force)
    results = [ReloadItem(family=r.family, outcome=r.outcome, version=r.version, detail=r.detail) for r in report]
    return json_answer(ReloadResponse(results=results, serving=serving_versions(service.holder.snapshot)))
