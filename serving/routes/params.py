"""Path and query parameters shared by the routers, with their bounds."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from serving.config import MAX_ID_LENGTH, MAX_K

CustomerId = Annotated[str, Path(min_length=1, max_length=MAX_ID_LENGTH, description="customer id")]
ItemId = Annotated[str, Path(min_length=1, max_length=MAX_ID_LENGTH, description="item id")]
K = Annotated[int, Query(ge=1, le=MAX_K, description=f"how many items to return (1..{MAX_K})")]
Category = Annotated[str | None, Query(max_length=MAX_ID_LENGTH, description="only items of this category")]
