"""GET /v1/items/{id}/similar."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from serving.config import MAX_K


def test_similar_items(client: TestClient) -> None:
    r = client.get("/v1/items/I1/similar", params={"k": 3})
    assert r.status_code == 200
    body = r.json()
    assert body["item_id"] == "I1" and body["model_version"] == "1"
    assert len(body["items"]) == 3 and "I1" not in {i["item_id"] for i in body["items"]}


def test_unknown_item_is_404(client: TestClient) -> None:
    r = client.get("/v1/items/NOPE/similar")
    assert r.status_code == 404 and "NOPE" in r.json()["detail"]


@pytest.mark.parametrize("k", [0, MAX_K + 1])
def test_k_bounds(client: TestClient, k: int) -> None:
    r = client.get("/v1/items/I1/similar", params={"k": k})
    assert r.status_code == 422 and "'k'" in r.json()["message"]


def test_similar_items_take_new_arrivals_when_asked(client: TestClient) -> None:
    plain = client.get("/v1/items/I1/similar", params={"k": 3}).json()["items"]
    asked = client.get("/v1/items/I1/similar", params={"k": 3, "new_arrivals": 1}).json()["items"]
    assert "N1" not in {i["item_id"] for i in plain}
    assert [i["item_id"] for i in asked] == [i["item_id"] for i in plain[:2]] + ["N1"]
    assert client.get("/v1/items/I1/similar", params={"new_arrivals": -1}).status_code == 422
