"""Fast JSON answers from pydantic models (serialised once, by pydantic, without re-validation)."""

from __future__ import annotations

import math
from typing import Any

from fastapi import Request, Response
from pydantic import BaseModel


def json_answer(model: BaseModel, status_code: int = 200) -> Response:
    """`model` as a JSON response."""
    return Response(model.model_dump_json(), status_code=status_code, media_type="application/json")


def mark_fallback(request: Request) -> None:
    """Flag this request's access-log line as a cold-start fallback."""
    request.scope["shopml.fallback"] = True


def plain(value: Any) -> Any:
    """Numpy scalars and containers as JSON-ready Python values; NaN and infinities become None."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if hasattr(value, "item") and callable(value.item):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
