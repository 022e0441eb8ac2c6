"""Safety stock and reorder points."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Response
from pydantic import BeforeValidator, Field

from serving.deps import ForecastDep
from serving.errors import unprocessable
from serving.responses import json_answer, plain
from serving.routes.params import ItemId
from serving.schemas.errors import UNAVAILABLE
from serving.schemas.inventory import ReplenishmentResponse
from training.inventory.policy import LeadTimeTooLong, cost_problem

router = APIRouter(prefix="/v1/inventory", tags=["inventory"], responses=UNAVAILABLE)


OnHand = Annotated[float, Field(ge=0, le=1e9, allow_inf_nan=False)]
OrderCost = Annotated[float, Field(ge=0, le=1e9, allow_inf_nan=False)]
HoldingCost = Annotated[float, Field(gt=0, le=1e9, allow_inf_nan=False)]


def _blank_is_none(value: object) -> object:
    return None if value == "" else value


@router.get("/{item_id:path}/replenishment", response_model=ReplenishmentResponse,
            responses={404: {"description": "no forecast for this item"}})
async def replenishment(
    item_id: ItemId,
    model: ForecastDep,
    service_level: Annotated[float, Query(gt=0.5, lt=1.0, description="target probability of no stockout")] = 0.95,
    lead_time_days: Annotated[int | None, Query(ge=0, le=365, description="days from order to delivery "
                                                "(default: the item's lead time in the items table)")] = None,
    on_hand: Annotated[OnHand | None, BeforeValidator(_blank_is_none),
                       Query(description="units in stock now, 0..1e9 (default: the items table)")] = None,
    order_cost: Annotated[OrderCost | None, Query(description="cost of placing one order; with holding_cost "
                                                  "the order follows the economic order quantity")] = None,
    holding_cost: Annotated[HoldingCost | None, Query(description="cost of holding one unit for a year, "
                                                      "above 0; goes with order_cost")] = None,
) -> Response:
    """Safety stock, reorder point, suggested order quantity and stockout risk over the lead time.

    The suggested order tops the stock up to `order_up_to`; with `order_cost` and `holding_cost` it is
    instead whole lots of the economic order quantity (`eoq`), ordered at or below the reorder point."""
    problem = cost_problem(order_cost, holding_cost)  # the bounds hold already: only one of the two given
    if problem is not None:
        return unprocessable([{"loc": ["query", problem[0]], "type": "missing", "msg": problem[1]}])
    try:
        plan = model.runtime.replenishment(item_id, service_level=service_level, lead_time_days=lead_time_days,
                                           on_hand=on_hand, order_cost=order_cost, holding_cost=holding_cost)
    except KeyError:
        raise HTTPException(404, f"no forecast for item {item_id!r}") from None
    except LeadTimeTooLong as exc:  # only a lead time given here; the items table's gives `missing`
        return unprocessable([{"loc": ["query", "lead_time_days"], "msg": str(exc), "type": "less_than_equal"}])
    answer = ReplenishmentResponse(**{"service_level": service_level, **plain(plan), "item_id": item_id,
                                      "model_version": model.version})
    return json_answer(answer)
