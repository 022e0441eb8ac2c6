"""Pure ASGI middleware: request body size limit, metrics per route template, JSON access logs."""

from __future__ import annotations

import functools
import json
import logging
import re
import time
from typing import Any

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from serving.metrics import ServiceMetrics

access_log = logging.getLogger("shopml.access")


class BodyTooLarge(HTTPException):
    """The request body is larger than SHOPML_MAX_BODY_BYTES."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body larger than {limit} bytes (SHOPML_MAX_BODY_BYTES)")


def _json_error(status: int, detail: str) -> tuple[Message, Message]:
    body = json.dumps({"detail": detail, "message": detail}).encode()
    start = {"type": "http.response.start", "status": status,
             "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]}
    return start, {"type": "http.response.body", "body": body}


class BodySizeLimit:
    """Refuses bodies above `limit` bytes with 413, from Content-Length or while the body streams in."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name == b"content-length":
                if not value.isdigit() or int(value) > self.limit:
                    for message in _json_error(413, BodyTooLarge(self.limit).detail):
                        await send(message)
                    return
                break
        if scope.get("method") in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise BodyTooLarge(self.limit)
            return message

        await self.app(scope, limited, send)


class TrailingSlash:
    """Serves `/v1/items/I1/` as `/v1/items/I1`: a literal slash at the end of the URL is not part of
    an id (one sent as %2F is: `trail%2F` is the id `trail/`), and every route answers without it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            raw = bytes(scope.get("raw_path") or scope["path"].encode())
            trimmed = raw.rstrip(b"/") or b"/"
            literal = len(raw) - len(trimmed)
            if literal and len(raw) > 1:
                scope = {**scope, "raw_path": trimmed, "path": scope["path"][:-literal] or "/"}
        await self.app(scope, receive, send)


CONVERTER = re.compile(r":\w+}")


@functools.lru_cache(maxsize=256)  # one entry per route: the templates are few
def _template(path: str) -> str:
    return CONVERTER.sub("}", path)


def route_template(scope: Scope) -> str:
    """The matched route's path template without converters (`/v1/items/{item_id}/similar`), the path of a
    matched plain route (`/openapi.json`, `/docs`), or `unmatched`."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if isinstance(path, str):
        return _template(path)
    return str(scope.get("path", "unmatched")) if scope.get("endpoint") is not None else "unmatched"


class Observability:
    """Counts every request and its latency per route template and writes one JSON access-log line."""

    def __init__(self, app: ASGIApp, metrics: ServiceMetrics, *, log_requests: bool = True) -> None:
        self.app = app
        self.metrics = metrics
        self.log_requests = log_requests

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            seconds = time.perf_counter() - start
            route = route_template(scope)
            method = scope.get("method", "")
            self.metrics.observe_request(method, route, status, seconds)
            if self.log_requests and access_log.isEnabledFor(logging.INFO):
                fields = _access_fields(scope, method, route, status, seconds)
                # makeRecord + handle: a plain .info() would also walk the stack to find the caller
                access_log.handle(access_log.makeRecord(access_log.name, logging.INFO, __file__, 0, "request",
                                                        (), None, extra={"access": fields}))


def _access_fields(scope: Scope, method: str, route: str, status: int, seconds: float) -> dict[str, Any]:
    client = scope.get("client")
    return {
        "method": method,
        "path": scope.get("path", ""),
        "route": route,
        "status": status,
        "duration_ms": round(seconds * 1000, 3),
        "client": client[0] if client else None,
        "fallback": bool(scope.get("shopml.fallback", False)),
    }


class JsonLogFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and the access fields if any."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": round(record.created, 3),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        access = getattr(record, "access", None)
        if isinstance(access, dict):
            out.update(access)
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        try:
            return json.dumps(out)
        except TypeError:
            return json.dumps(out, default=str)


def configure_json_logs(level: str = "info") -> None:
    """Send the service's logs (`shopml.access`, `serving.*`) to stderr as JSON lines, once per process."""
    for name in ("shopml", "serving"):
        logger = logging.getLogger(name)
        if not any(getattr(h, "_shopml_json", False) for h in logger.handlers):
            handler = logging.StreamHandler()
            handler.setFormatter(JsonLogFormatter())
            handler._shopml_json = True  # type: ignore[attr-defined]
            logger.addHandler(handler)
            logger.propagate = False
        logger.setLevel(level.upper())
