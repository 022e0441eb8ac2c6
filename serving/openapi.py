"""The OpenAPI document with the error bodies the service really sends on every error answer."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic.json_schema import models_json_schema

from serving.schemas.errors import ErrorBody, ValidationErrorBody

REF = "#/components/schemas/{model}"
FASTAPI_DEFAULTS = ("HTTPValidationError", "ValidationError")  # replaced by ValidationErrorBody


def document_errors(app: FastAPI) -> None:
    """Make `app.openapi()` describe the body of every 4xx/5xx answer of every operation."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, summary=app.summary,
                                 description=app.description, routes=app.routes)
            app.openapi_schema = with_error_bodies(schema)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def with_error_bodies(schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` with ErrorBody (ValidationErrorBody for 422) as the JSON body of every error answer."""
    _, defs = models_json_schema([(ErrorBody, "serialization"), (ValidationErrorBody, "serialization")],
                                 ref_template=REF)
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for name in FASTAPI_DEFAULTS:
        components.pop(name, None)
    components.update(defs.get("$defs", {}))
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            responses.setdefault("422", {"description": "a refused parameter (every route refuses unknown ones)"})
            if "requestBody" in operation:
                responses.setdefault("413", {"description": "body too large (SHOPML_MAX_BODY_BYTES)"})
            for status, answer in responses.items():
                if status[:1] in ("4", "5") and _generic(answer):
                    model = ValidationErrorBody if status == "422" else ErrorBody
                    answer["content"] = {"application/json": {"schema": {"$ref": REF.format(model=model.__name__)}}}
    return schema


def _generic(answer: dict[str, Any]) -> bool:
    """Whether an error answer has no body schema of its own (or FastAPI's default 422 one)."""
    ref = str(answer.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref", ""))
    return not ref or ref.rsplit("/", 1)[-1] in FASTAPI_DEFAULTS
