"""GET /v1/recommendations/{id} and POST /v1/recommendations."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from serving.config import MAX_BATCH_CUSTOMERS, MAX_K


def test_known_customer_gets_personal_answer(client: TestClient) -> None:
    r = client.get("/v1/recommendations/C1", params={"k": 3})
    assert r.status_code == 200
    body = r.json()
    assert body["customer_id"] == "C1" and body["fallback"] is False and body["model_version"] == "1"
    assert [i["item_id"] for i in body["items"]] == ["I2", "I1", "I3"]
    assert {"item_id", "score", "reason"} <= set(body["items"][0])


def test_unknown_customer_gets_cold_start_not_404(client: TestClient) -> None:
    r = client.get("/v1/recommendations/never-seen", params={"k": 4})
    assert r.status_code == 200
    assert r.json()["fallback"] is True and len(r.json()["items"]) == 4
    metrics = client.get("/metrics").text
    assert 'shopml_recommendation_fallbacks_total{endpoint="customer"} 1.0' in metrics


def test_exclude_purchased_and_category(client: TestClient) -> None:
    items = client.get("/v1/recommendations/C1", params={"k": 5, "exclude_purchased": "true"}).json()["items"]
    assert not {"I1", "I2"} & {i["item_id"] for i in items}
    toys = client.get("/v1/recommendations/C3", params={"k": 5, "category": "toys"}).json()["items"]
    assert toys and all(int(i["item_id"][1:]) % 2 == 0 for i in toys)  # toys are I2, I4, ...
    blank = client.get("/v1/recommendations/C3?k=5&category=")
    assert blank.status_code == 200


@pytest.mark.parametrize("k", [0, -1, MAX_K + 1, "ten"])
def test_k_out_of_bounds_is_422_naming_k(client: TestClient, k: object) -> None:
    r = client.get("/v1/recommendations/C1", params={"k": k})
    assert r.status_code == 422
    assert "'k'" in r.json()["message"]


def test_k_at_bounds(client: TestClient) -> None:
    assert len(client.get("/v1/recommendations/C1", params={"k": 1}).json()["items"]) == 1
    assert client.get("/v1/recommendations/C1", params={"k": MAX_K}).status_code == 200


def test_overlong_customer_id_is_422(client: TestClient) -> None:
    r = client.get("/v1/recommendations/" + "x" * 200)
    assert r.status_code == 422 and "customer_id" in r.json()["message"]


def test_batch_in_request_order(client: TestClient) -> None:
    r = client.post("/v1/recommendations", json={"customer_ids": ["C2", "nobody", "C1"], "k": 2})
    assert r.status_code == 200
    results = r.json()["results"]
    assert [x["customer_id"] for x in results] == ["C2", "nobody", "C1"]
    assert [x["fallback"] for x in results] == [False, True, False]
    assert all(len(x["items"]) == 2 for x in results)
    unfiltered = client.post("/v1/recommendations", json={"customer_ids": ["C2"], "k": 2, "category": ""})
    assert unfiltered.status_code == 200 and unfiltered.json()["results"] == results[:1]  # "" = no filter, as in GET


def test_anonymous_recent_items(client: TestClient) -> None:
    r = client.post("/v1/recommendations", json={"recent_items": ["I1", "I2"], "k": 3})
    assert r.status_code == 200
    (answer,) = r.json()["results"]
    assert answer["customer_id"] is None and answer["fallback"] is False
    assert not {"I1", "I2"} & {i["item_id"] for i in answer["items"]}


@pytest.mark.parametrize("body, field", [
    ({"k": 3}, "customer_ids or recent_items"),
    ({"customer_ids": ["C1"], "recent_items": ["I1"]}, "customer_ids or recent_items"),
    ({"customer_ids": [], "k": 3}, "customer_ids"),
    ({"customer_ids": ["C1"] * (MAX_BATCH_CUSTOMERS + 1)}, "customer_ids"),
    ({"customer_ids": ["C1", ""]}, "customer_ids[1]"),
    ({"customer_ids": ["C1"], "k": MAX_K + 1}, "k"),
])
def test_bad_batch_is_422(client: TestClient, body: dict, field: str) -> None:
    r = client.post("/v1/recommendations", json=body)
    assert r.status_code == 422
    assert field in r.json()["message"]


def test_new_arrivals_reach_the_runtime_on_every_path(client: TestClient) -> None:
    def ids(body: dict[str, Any]) -> list[str]:
        return [i["item_id"] for i in body["items"]]

    assert "N1" not in ids(client.get("/v1/recommendations/C1", params={"k": 3}).json())
    for customer in ("C1", "never-seen"):
        got = ids(client.get(f"/v1/recommendations/{customer}", params={"k": 3, "new_arrivals": 1}).json())
        assert len(got) == 3 and got[-1] == "N1"
    batch = client.post("/v1/recommendations", json={"customer_ids": ["C1"], "k": 3, "new_arrivals": 1}).json()
    visitor = client.post("/v1/recommendations", json={"recent_items": ["I1"], "k": 3, "new_arrivals": 1}).json()
    assert ids(batch["results"][0])[-1] == "N1" and ids(visitor["results"][0])[-1] == "N1"


@pytest.mark.parametrize("value", [-1, MAX_K + 1, "two"])
def test_new_arrivals_out_of_bounds_is_422_naming_it(client: TestClient, value: int | str) -> None:
    r = client.get("/v1/recommendations/C1", params={"k": 3, "new_arrivals": value})
    assert r.status_code == 422 and "'new_arrivals'" in r.json()["message"]
    body = client.post("/v1/recommendations", json={"customer_ids": ["C1"], "new_arrivals": value})
    assert body.status_code == 422 and "new_arrivals" in body.json()["message"]
