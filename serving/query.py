"""Query parameters a route does not declare are refused (422 naming them), as unknown body fields are:
a misspelled `?exclude_purchesed=true` would otherwise be ignored without a word. So is a single-valued
parameter given twice (`?k=5&k=50`): which one was meant is not ours to guess. List parameters
(`?stage=new&stage=active`) repeat by design."""

from __future__ import annotations

from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

SEQUENCES = (list, tuple, set, frozenset)


def repeats(annotation: Any) -> bool:
    """Whether a parameter of this type takes several values (a list, possibly optional or annotated)."""
    origin = get_origin(annotation)
    if origin in SEQUENCES or annotation in SEQUENCES:
        return True
    if origin is Annotated or origin is Union or origin is UnionType:
        return any(repeats(arg) for arg in get_args(annotation))
    return False


def _query_params(dependant: Dependant) -> dict[str, bool]:
    found = {p.alias: repeats(p.field_info.annotation) for p in dependant.query_params}
    for sub in dependant.dependencies:
        found |= _query_params(sub)
    return found


def declared_query(route: APIRoute) -> dict[str, bool]:
    """The query parameter names `route` reads (its dependencies' included), each with whether it takes
    several values."""
    return _query_params(route.dependant)


async def refuse_unknown_query(request: Request) -> None:
    """Raise a 422 listing every query parameter the matched route does not read."""
    if not request.query_params:
        return
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    known = declared_query(route)
    names = [name for name, _ in request.query_params.multi_items()]
    unknown = [name for name in dict.fromkeys(names) if name not in known]
    if unknown:
        hint = f"this endpoint reads {', '.join(sorted(known))}" if known else "this endpoint reads none"
        raise RequestValidationError([{"type": "extra_forbidden", "loc": ("query", name), "input": request.query_params[name],
                                       "msg": f"unknown query parameter ({hint})"} for name in unknown])
    twice = [name for name in dict.fromkeys(names) if names.count(name) > 1 and not known[name]]
    if twice:
        raise RequestValidationError([{"type": "value_error", "loc": ("query", name),
                                       "input": request.query_params.getlist(name),
                                       "msg": "given more than once; this parameter takes one value"} for name in twice])
