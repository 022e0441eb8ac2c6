"""Similar and bought-together products."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Response

from serving.deps import RecommenderDep
from serving.responses import json_answer
from serving.routes.params import ItemId, K, NewArrivals
from serving.routes.recommendations import ranked
from serving.schemas.errors import UNAVAILABLE
from serving.schemas.items import SimilarItemsResponse

router = APIRouter(prefix="/v1/items", tags=["items"], responses=UNAVAILABLE)


@router.get("/{item_id:path}/similar", response_model=SimilarItemsResponse,
            responses={404: {"description": "unknown item"}})
async def similar_items(item_id: ItemId, model: RecommenderDep, k: K = 10, new_arrivals: NewArrivals = 0
                        ) -> Response:
    """Products similar to `item_id`, the last `new_arrivals` places for never-sold products like it;
    404 for an item the model does not know."""
    try:
        items = model.runtime.similar(item_id, k, new_arrivals=new_arrivals)
    except KeyError:
        raise HTTPException(404, f"unknown item {item_id!r}: the serving recommender has never seen it") from None
    return json_answer(SimilarItemsResponse(item_id=item_id, items=ranked(items), model_version=model.version))
