"""Error bodies, as every error answer carries them (serving.errors): `detail` plus a readable `message`."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class Problem(BaseModel):
    """One problem of a refused request: where it is and what is wrong."""

    loc: list[str | int] = Field(description="where: e.g. [\"query\", \"k\"] or [\"body\", \"events\", 3, \"quantity\"]")
    msg: str
    type: str


class ValidationErrorBody(BaseModel):
    """A 422 answer: every problem, and one line naming each parameter or field."""

    detail: list[Problem]
    message: str = Field(description="the problems in words, naming each parameter or field")


class ErrorBody(BaseModel):
    """Any other error answer (401, 403, 404, 405, 409, 413, 503, ...)."""

    detail: str
    message: str = Field(description="what went wrong, in words")


UNAVAILABLE: dict[int | str, dict[str, Any]] = {503: {"description": "no model of this family is serving yet (train one), or the event store is unavailable"}}
