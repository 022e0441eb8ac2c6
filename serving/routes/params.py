"""Path and query parameters shared by the routers, with their bounds.

Path ids are normalised as the events and the ingest normalise them (surrounding whitespace
stripped). A literal trailing slash in the URL (`/v1/recommendations/C1/`) is not part of the id
(serving.middleware.TrailingSlash drops it), so it answers as for `C1`. A slash inside an id, or at
its end, is sent as `%2F` and kept (`SHOP%2F42` is `SHOP/42`, `trail%2F` is `trail/`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query
from pydantic import BeforeValidator

from serving.config import MAX_ID_LENGTH, MAX_K
from serving.schemas.recommendations import NEW_ARRIVALS_HELP


def path_id(value: object) -> object:
    """A path id without surrounding whitespace."""
    return value.strip() if isinstance(value, str) else value


_ID_HELP = "surrounding whitespace and a trailing slash are not part of the id; send a slash in it as %2F"
CustomerId = Annotated[str, Path(min_length=1, max_length=MAX_ID_LENGTH, description=f"customer id ({_ID_HELP})"),
                       BeforeValidator(path_id)]
ItemId = Annotated[str, Path(min_length=1, max_length=MAX_ID_LENGTH, description=f"item id ({_ID_HELP})"),
                   BeforeValidator(path_id)]
SeriesId = Annotated[str, Path(min_length=1, max_length=MAX_ID_LENGTH,
                              description=f"an item id, `category:NAME` or `_total` ({_ID_HELP})"),
                     BeforeValidator(path_id)]
K = Annotated[int, Query(ge=1, le=MAX_K, description=f"how many items to return (1..{MAX_K})")]
NewArrivals = Annotated[int, Query(ge=0, le=MAX_K, description=NEW_ARRIVALS_HELP)]
Category = Annotated[str | None, Query(max_length=MAX_ID_LENGTH, description="only items of this category")]
