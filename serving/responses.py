"""Fast JSON answers from pydantic models (serialised once, by pydantic, without re-validation)."""

from __future__ import annotations

from fastapi import Request, Response
from pydantic import BaseModel


def json_answer(model: BaseModel, status_code: int = 200) -> Response:
    """`model` as a JSON response."""
    return Response(model.model_dump_json(), status_code=status_code, media_type="application/json")


def mark_fallback(request: Request) -> None:
    """Flag this request's access-log line as a cold-start fallback."""
    request.scope["shopml.fallback"] = True
