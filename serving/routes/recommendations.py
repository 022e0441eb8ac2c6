"""Personalised top-K products, by customer, in batches, or from an anonymous visitor's recent items."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from serving.config import MAX_K
from serving.deps import MetricsDep, RecommenderDep
from serving.metrics import ServiceMetrics
from serving.registry import LoadedModel
from serving.responses import json_answer, mark_fallback
from serving.routes.params import Category, CustomerId, K, NewArrivals
from serving.schemas.errors import UNAVAILABLE
from serving.schemas.recommendations import (
    BatchRecommendationRequest,
    BatchRecommendationResponse,
    RecommendationResponse,
    RecommendedItem,
)

router = APIRouter(prefix="/v1/recommendations", tags=["recommendations"], responses=UNAVAILABLE)


def ranked(items: Any) -> list[RecommendedItem]:
    """Runtime `(item_id, score, reason)` triples, best first, as response items with their rank and
    position score (see RecommendedItem.score); the sources' own scores are on different scales."""
    return [RecommendedItem(item_id=str(i), rank=n, score=(1 + MAX_K - n) / MAX_K, reason=str(r))
            for n, (i, _, r) in enumerate(items, start=1)]


def _answer(customer_id: str | None, answer: Any, model: LoadedModel) -> RecommendationResponse:
    return RecommendationResponse(customer_id=customer_id, items=ranked(answer.items),
                                  model_version=model.version, fallback=bool(answer.fallback))


def _count(request: Request, metrics: ServiceMetrics, endpoint: str, fallback: bool) -> None:
    metrics.observe_answer(endpoint, fallback)
    if fallback:
        mark_fallback(request)


@router.get("/{customer_id:path}", response_model=RecommendationResponse)
async def recommend(request: Request, customer_id: CustomerId, model: RecommenderDep, metrics: MetricsDep,
                    k: K = 10, exclude_purchased: bool = False, category: Category = None,
                    new_arrivals: NewArrivals = 0) -> Response:
    """Top-K products for a customer; an unknown customer gets the cold-start answer (`fallback: true`)."""
    answer = model.runtime.recommend(customer_id, k, exclude_purchased=exclude_purchased, category=category or None,
                                     new_arrivals=new_arrivals)
    _count(request, metrics, "customer", bool(answer.fallback))
    return json_answer(_answer(customer_id, answer, model))


@router.post("", response_model=BatchRecommendationResponse)
async def recommend_batch(request: Request, body: BatchRecommendationRequest, model: RecommenderDep,
                          metrics: MetricsDep) -> Response:
    """Top-K for up to 100 customers, or for an anonymous visitor from the items they just viewed."""
    category = body.category or None
    results = []
    if body.customer_ids is not None:
        for customer_id in body.customer_ids:
            answer = model.runtime.recommend(customer_id, body.k, exclude_purchased=body.exclude_purchased,
                                             category=category, new_arrivals=body.new_arrivals)
            _count(request, metrics, "batch", bool(answer.fallback))
            results.append(_answer(customer_id, answer, model))
    else:
        answer = model.runtime.recommend_recent(list(body.recent_items or []), body.k, category=category,
                                                new_arrivals=body.new_arrivals)
        _count(request, metrics, "anonymous", bool(answer.fallback))
        results.append(_answer(None, answer, model))
    return json_answer(BatchRecommendationResponse(results=results))
