"""Error answers: every error body has FastAPI's `detail` (a list on 422, a string otherwise) and a
readable `message`; 422 messages name the parameter or field, or say what is wrong with the body
(not JSON, where; not sent as application/json; an unknown field)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

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


def _problem(error: dict[str, Any]) -> str:
    if error.get("type") == "extra_forbidden" and error.get("loc", ("",))[0] == "body":
        return f"{where(error.get('loc', ()))}: unknown field (check its spelling; the request schema is at /docs)"
    return f"{where(error.get('loc', ()))}: {error.get('msg', 'invalid')}"


def validation_message(errors: Sequence[dict[str, Any]]) -> str:
    """One line per problem: where it is and what is wrong."""
    return "; ".join(_problem(e) for e in errors[:20])


def unprocessable(errors: list[dict[str, Any]], message: str | None = None) -> JSONResponse:
    """A 422 answer in FastAPI's `detail` layout plus a readable `message`."""
    return JSONResponse(status_code=422, content={"detail": jsonable_encoder(errors),
                                                  "message": message or validation_message(errors)})


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


def body_message(errors: Sequence[dict[str, Any]], body: Any, content_type: str | None) -> str | None:
    """A message for a body that could not be read as JSON at all, or None when it could."""
    first = errors[0] if errors else {}
    loc = tuple(first.get("loc", ()))
    if first.get("type") == "json_invalid" and len(loc) == 2 and isinstance(loc[1], int):
        reason = (first.get("ctx") or {}).get("error", "JSON decode error")
        text = body if isinstance(body, str) else ""
        pos = loc[1]
        line = text.count("\n", 0, pos) + 1
        column = pos - (text.rfind("\n", 0, pos) + 1) + 1
        return f"request body is not valid JSON: {reason} at line {line}, column {column} (character {pos})"
    mime = (content_type or "").split(";")[0].strip().lower()
    if loc == ("body",) and not (mime == "application/json" or mime.endswith("+json")):
        got = f"it is {content_type!r}" if content_type else "it is missing"
        return f"request body: the Content-Type header must be application/json ({got})"
    return None


async def _on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [{k: v for k, v in e.items() if k in ("loc", "msg", "type")} for e in exc.errors()]
    return unprocessable(errors, body_message(exc.errors(), exc.body, request.headers.get("content-type")))


def http_message(request: Request, exc: StarletteHTTPException) -> str:
    """A readable message for an HTTP error: the handler's own text, or what the router refused."""
    if isinstance(exc.detail, str) and exc.detail not in ("Not Found", "Method Not Allowed"):
        return exc.detail
    if exc.status_code == 404:
        return f"no such path: {request.url.path} (the API is described at /docs)"
    if exc.status_code == 405:
        allowed = (exc.headers or {}).get("Allow", "")
        return f"{request.method} is not allowed on {request.url.path}" + (f"; allowed: {allowed}" if allowed else "")
    return str(exc.detail)


async def _on_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code in (204, 304):
        return Response(status_code=exc.status_code, headers=exc.headers)
    return JSONResponse({"detail": exc.detail, "message": http_message(request, exc)},
                        status_code=exc.status_code, headers=exc.headers)


def install_error_handlers(app: FastAPI) -> None:
    """Register the service's error answers on `app`."""
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
