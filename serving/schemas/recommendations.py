"""Recommendation answers and the batch / anonymous request."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from serving.config import MAX_BATCH_CUSTOMERS, MAX_ID_LENGTH, MAX_K, MAX_RECENT_ITEMS

# surrounding whitespace is not part of an id, as in the events, the ingest and the path ids
Id = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_ID_LENGTH)]
SCORE_HELP = (f"position score: (1 + {MAX_K} - rank) / {MAX_K}, so 1.0 for the first item and {1 / MAX_K:g} less "
              "for each next one. It follows the list order, which is the ranking (personal sources, then "
              "popular fill items), and means the same in every answer; it is not a probability")

NEW_ARRIVALS_HELP = ("at most this many of the K places (the last ones) go to products nobody has bought yet, "
                     "picked by their likeness to the customer's items (on a product page: to the product), "
                     "else by expected popularity")


class RecommendedItem(BaseModel):
    """One recommended product, its place in the list, its score and why it was chosen."""

    item_id: str
    rank: int = Field(ge=1, le=MAX_K, description="1 for the best item; the list is in rank order")
    score: float = Field(gt=0, le=1, description=SCORE_HELP)
    reason: str


class RecommendationResponse(BaseModel):
    """Top-K products for one customer (or for an anonymous visitor: `customer_id` null)."""

    customer_id: str | None
    items: list[RecommendedItem]
    model_version: str
    fallback: bool = Field(description="true when no item of the answer comes from a personal source (the "
                                       "customer's or visitor's own history): unknown customer, opt-out, or only "
                                       "popular, regional, trending or new items left after the filters")


class BatchRecommendationRequest(BaseModel):
    """Either `customer_ids` (a batch) or `recent_items` (an anonymous visitor), not both; unknown fields
    are refused (422), so a misspelt filter is not silently ignored."""

    model_config = ConfigDict(extra="forbid")

    customer_ids: list[Id] | None = Field(default=None, min_length=1, max_length=MAX_BATCH_CUSTOMERS)
    recent_items: list[Id] | None = Field(default=None, min_length=1, max_length=MAX_RECENT_ITEMS)
    k: int = Field(default=10, ge=1, le=MAX_K)
    category: str | None = Field(default=None, max_length=MAX_ID_LENGTH,
                                 description="only items of this category (empty: no filter, as in GET)")
    exclude_purchased: bool = False
    new_arrivals: int = Field(default=0, ge=0, le=MAX_K, description=NEW_ARRIVALS_HELP)

    @model_validator(mode="after")
    def _one_kind(self) -> BatchRecommendationRequest:
        if (self.customer_ids is None) == (self.recent_items is None):
            raise ValueError("give exactly one of customer_ids or recent_items")
        return self


class BatchRecommendationResponse(BaseModel):
    """One answer per requested customer, in request order (one answer for `recent_items`)."""

    results: list[RecommendationResponse]
