"""GET /v1/inventory/{id}/replenishment."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient


def test_replenishment(client: TestClient) -> None:
    r = client.get("/v1/inventory/I1/replenishment", params={"service_level": 0.9, "lead_time_days": 7, "on_hand": 2})
    assert r.status_code == 200
    body = r.json()
    assert body["item_id"] == "I1" and body["service_level"] == 0.9 and body["lead_time_days"] == 7
    assert {"safety_stock", "reorder_point", "suggested_order_quantity", "stockout_probability"} <= set(body)
    assert body["days_of_cover"] is None  # an infinite cover is answered as null, JSON has no infinity
    assert body["eoq"] is None
    costs = {"order_cost": 40, "holding_cost": 2}
    assert client.get("/v1/inventory/I1/replenishment", params=costs).json()["eoq"] == 10.0


def test_defaults_come_from_the_items_table(client: TestClient) -> None:
    body = client.get("/v1/inventory/I1/replenishment?service_level=0.95&on_hand=").json()
    assert body["lead_time_days"] == 10 and body["missing"] == ["stock_on_hand"]
    assert body["suggested_order_quantity"] is None


def test_unknown_item_is_404(client: TestClient) -> None:
    assert client.get("/v1/inventory/NOPE/replenishment").status_code == 404


@pytest.mark.parametrize("params, name", [
    ({"service_level": 1.0}, "service_level"),
    ({"service_level": 0.4}, "service_level"),
    ({"lead_time_days": -1}, "lead_time_days"),
    ({"lead_time_days": 366}, "lead_time_days"),
    ({"lead_time_days": 360}, "lead_time_days"),  # longer than the stored forecast covers
    ({"on_hand": -1}, "on_hand"),
    ({"on_hand": "lots"}, "on_hand"),
    ({"order_cost": 10}, "holding_cost"),  # the two costs go together
    ({"holding_cost": 1}, "order_cost"),
    ({"order_cost": 10, "holding_cost": 0}, "holding_cost"),
    ({"order_cost": -1, "holding_cost": 1}, "order_cost"),
    ({"order_cost": "inf", "holding_cost": 1}, "order_cost"),
])
def test_bounds(client: TestClient, params: dict, name: str) -> None:
    r = client.get("/v1/inventory/I1/replenishment", params=params)
    assert r.status_code == 422 and f"'{name}'" in r.json()["message"]


def test_a_reload_gives_the_models_the_items_table_as_it_is_now(client: TestClient, app) -> None:
    import pandas as pd

    app.state.service.store.upsert_items(pd.DataFrame({"item_id": ["I1", "I2"], "category": ["tools", None],
                                                       "stock_on_hand": [7, None], "lead_time_days": [3, None]}))
    client.post("/v1/admin/reload", params={"force": "true"}, headers={"X-API-Key": "test-admin-key"})
    snapshot = app.state.service.holder.snapshot
    assert snapshot.get("forecast").runtime.items_table["I1"] == {"category": "tools", "stock_on_hand": 7.0,
                                                                   "lead_time_days": 3.0}
    assert snapshot.get("forecast").runtime.items_table["I2"] == {"category": None, "stock_on_hand": None,
                                                                   "lead_time_days": None}
    assert snapshot.get("recommender").runtime.categories_from_store == {"I1": "tools"}
