"""Similar-item answers."""

from __future__ import annotations

from pydantic import BaseModel

from serving.schemas.recommendations import RecommendedItem


class SimilarItemsResponse(BaseModel):
    """Products similar to or bought together with `item_id`."""

    item_id: str
    items: list[RecommendedItem]
    model_version: str
