"""Error answers: 422 messages that name the parameter or field, 503 for a model not serving."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from features.errors import ContractError

_PLACES = {"query": "query parameter", "path": "path parameter", "header": "header", "cookie": "cookie"}


def where(loc: Sequence[Any]) -> str:
    """A readable name for a pydantic error location: `query parameter 'k'`, `events[3].quantity`."""
    if not loc:
        return "request"
    head, rest = loc[0], list(loc[1:])
    if head in _PLACES and rest:
        return f"{_PLACES[head]} '{rest[0]}'"
    if head == "body":
        if not rest:
            return "request body"
        text = ""
        for part in rest:
            text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
        return text
    return ".".join(str(p) for p in loc)


def validation_message(errors: Sequence[dict[str, Any]]) -> str:
    """One line per problem: where it is and what is wrong."""
    return "; ".join(f"{where(e.get('loc', ()))}: {e.get('msg', 'invalid')}" for e in errors[:20])


def unprocessable(errors: list[dict[str, Any]]) -> JSONResponse:
    """A 422 answer in FastAPI's `detail` layout plus a readable `message`."""
    return JSONResponse(status_code=422, content={"detail": jsonable_encoder(errors), "message": validation_message(errors)})


def contract_errors(exc: ContractError, field: str = "events") -> list[dict[str, Any]]:
    """Data-contract problems as pydantic-style errors located at `events[index].column`."""
    out = []
    for err in exc.errors:
        loc: list[Any] = ["body", field]
        if err.row is not None:
            loc.append(err.row - 1)
        if err.column is not None:
            loc.append(err.column)
        out.append({"loc": loc, "msg": err.reason, "type": "contract"})
    return out


async def _on_validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [{k: v for k, v in e.items() if k in ("loc", "msg", "type")} for e in exc.errors()]
    return unprocessable(errors)


def install_error_handlers(app: FastAPI) -> None:
    """Register the service's error answers on `app`."""
    app.add_exception_handler(RequestValidationError, _on_validation_error)
