"""Ids that contain a slash (sent as %2F) reach the handlers instead of a route-level 404."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient


def test_recommendations_for_a_slashed_customer_id(client: TestClient) -> None:
    r = client.get("/v1/recommendations/SHOP%2F42")
    assert r.status_code == 200 and r.json()["customer_id"] == "SHOP/42"


@pytest.mark.parametrize("path", ["/v1/customers/SHOP%2F42/churn", "/v1/customers/SHOP%2F42/profile",
                                  "/v1/items/SKU%2F7/similar", "/v1/inventory/SKU%2F7/replenishment"])
def test_unknown_slashed_id_is_named_in_the_404(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 404
    assert "/42'" in r.text or "/7'" in r.text, r.text


def test_route_label_has_no_converter(client: TestClient) -> None:
    client.get("/v1/recommendations/SHOP%2F42")
    text = client.get("/metrics").text
    assert 'route="/v1/recommendations/{customer_id}"' in text and ":path" not in text


def test_the_schema_and_docs_are_counted_under_their_own_paths(client: TestClient) -> None:
    assert client.get("/openapi.json").status_code == 200 and client.get("/docs").status_code == 200
    client.get("/no/such/path")
    text = client.get("/metrics").text
    assert 'route="/openapi.json"' in text and 'route="/docs"' in text
    assert 'route="/no/such/path"' not in text and 'route="unmatched"' in text
