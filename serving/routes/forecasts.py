"""Demand forecasts with intervals, per item, category or the whole shop."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Response

from serving.config import MAX_HORIZON
from serving.deps import ForecastDep
from serving.errors import unprocessable
from serving.responses import json_answer
from serving.routes.params import SeriesId
from serving.schemas.errors import UNAVAILABLE
from serving.schemas.forecasts import ForecastPoint, ForecastResponse

router = APIRouter(prefix="/v1/forecasts", tags=["forecasts"], responses=UNAVAILABLE)

def _day(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def points(rows: list[dict[str, Any]]) -> list[ForecastPoint]:
    """Runtime forecast rows as response points."""
    return [ForecastPoint(date=_day(r["date"]), mean=float(r["mean"]), p10=float(r["p10"]),
                          p50=float(r["p50"]), p90=float(r["p90"])) for r in rows]


@router.get("/{item_id:path}", response_model=ForecastResponse,
            responses={404: {"description": "no forecast for this series"}})
async def forecast(
    item_id: SeriesId,
    model: ForecastDep,
    horizon: Annotated[int, Query(ge=1, le=MAX_HORIZON, description="buckets ahead")] = 8,
    freq: Annotated[Literal["W", "D"], Query(description="W: weeks starting Monday, D: days")] = "W",
) -> Response:
    """Mean, p10, p50 and p90 demand per bucket for the next `horizon` buckets."""
    try:
        longest = model.runtime.max_horizon(freq)
    except ValueError as exc:
        return unprocessable([{"loc": ["query", "freq"], "msg": str(exc), "type": "enum"}])
    if horizon > longest:
        msg = f"the serving model forecasts at most {longest} buckets for freq={freq}, got {horizon}"
        return unprocessable([{"loc": ["query", "horizon"], "msg": msg, "type": "less_than_equal"}])
    try:
        rows = model.runtime.forecast(item_id, horizon, freq)
    except KeyError:
        raise HTTPException(404, f"no forecast for {item_id!r}: not one of the forecast series") from None
    answer = ForecastResponse(item_id=item_id, freq=freq, points=points(rows), model_version=model.version,
                              **model.runtime.basis(item_id))
    return json_answer(answer)
