"""Query parameters a route does not declare are refused (422 naming them), as unknown body fields are:
a misspelled `?exclude_purchesed=true` would otherwise be ignored without a word."""

from __future__ import annotations

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute


def _query_names(dependant: Dependant) -> set[str]:
    names = {p.alias for p in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


def declared_query(route: APIRoute) -> frozenset[str]:
    """The query parameter names `route` reads, its dependencies' included (a few set unions: not cached)."""
    return frozenset(_query_names(route.dependant))


async def refuse_unknown_query(request: Request) -> None:
    """Raise a 422 listing every query parameter the matched route does not read."""
    if not request.query_params:
        return
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    known = declared_query(route)
    unknown = [name for name in dict.fromkeys(request.query_params.keys()) if name not in known]
    if unknown:
        hint = f"this endpoint reads {', '.join(sorted(known))}" if known else "this endpoint reads none"
        raise RequestValidationError([{"type": "extra_forbidden", "loc": ("query", name), "input": request.query_params[name],
                                       "msg": f"unknown query parameter ({hint})"} for name in unknown])
