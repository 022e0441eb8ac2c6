"""Churn, profile, at-risk list and DELETE /v1/customers/{id}."""

from __future__ import annotations

import pandas as pd
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from serving.config import MAX_LIMIT
from tests.serving.conftest import ADMIN


def test_churn(client: TestClient) -> None:
    r = client.get("/v1/customers/C3/churn")
    assert r.status_code == 200
    body = r.json()
    assert body["customer_id"] == "C3" and 0 <= body["probability"] <= 1
    assert body["risk"] and body["horizon_days"] == 90 and body["top_factors"]


def test_profile(client: TestClient) -> None:
    body = client.get("/v1/customers/C1/profile").json()
    assert body["customer_id"] == "C1" and body["rfm_segment"] == "loyal" and body["expected_value_12m"] == 90.0


@pytest.mark.parametrize("path", ["/v1/customers/NOPE/churn", "/v1/customers/NOPE/profile"])
def test_unknown_customer_is_404(client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 404


def test_at_risk_most_at_risk_first(client: TestClient) -> None:
    body = client.get("/v1/customers/at-risk", params={"limit": 2}).json()
    assert [c["customer_id"] for c in body["customers"]] == ["C5", "C4"]


@pytest.mark.parametrize("limit", [0, MAX_LIMIT + 1])
def test_limit_bounds(client: TestClient, limit: int) -> None:
    r = client.get("/v1/customers/at-risk", params={"limit": limit})
    assert r.status_code == 422 and "'limit'" in r.json()["message"]


def _store_purchase(client: TestClient, customer: str, item: str) -> None:
    event = {"customer_id": customer, "item_id": item, "timestamp": "2026-11-01T10:00:00Z", "event_type": "purchase"}
    assert client.post("/v1/events", json={"events": [event]}).status_code == 202


def test_delete_needs_the_admin_key(client: TestClient) -> None:
    assert client.delete("/v1/customers/C1").status_code == 401
    assert client.delete("/v1/customers/C1", headers={"X-API-Key": "wrong"}).status_code == 403
    assert client.get("/v1/recommendations/C1").json()["fallback"] is False  # nothing was erased


def test_delete_erases_store_and_memory(client: TestClient, app: FastAPI) -> None:
    _store_purchase(client, "C1", "I9")
    store = app.state.service.store
    assert "C1" in set(store.read_events()["customer_id"])
    r = client.delete("/v1/customers/C1", headers=ADMIN)
    assert r.status_code == 200
    assert r.json()["events_removed"] == 1 and set(r.json()["forgotten_in"]) == {"recommender", "churn"}
    assert "C1" not in set(store.read_events()["customer_id"].dropna())
    assert "C1" in store.erased_customers()
    assert client.get("/v1/recommendations/C1").json()["fallback"] is True
    assert client.get("/v1/customers/C1/churn").status_code == 404
    again = client.delete("/v1/customers/C1", headers=ADMIN).json()
    assert again["events_removed"] == 0 and again["forgotten_in"] == []  # only models that held them


def test_erased_customer_stays_forgotten_after_reload(client: TestClient, app: FastAPI) -> None:
    client.delete("/v1/customers/C2", headers=ADMIN)
    reloaded = client.post("/v1/admin/reload", params={"force": "true"}, headers=ADMIN)
    assert {r["outcome"] for r in reloaded.json()["results"]} == {"loaded"}
    assert client.get("/v1/recommendations/C2").json()["fallback"] is True
    assert client.get("/v1/customers/C2/churn").status_code == 404


def test_no_admin_key_configured_is_403_with_reason(serving_settings, source) -> None:
    from serving.main import create_app

    settings = serving_settings.model_copy(update={"admin_api_key": None})
    with TestClient(create_app(settings, source=source, load_in_background=False)) as c:
        r = c.delete("/v1/customers/C1", headers={"X-API-Key": "anything"})
    assert r.status_code == 403 and "SHOPML_ADMIN_API_KEY" in r.json()["detail"]


def test_store_items_and_opt_outs_reach_the_recommender(serving_settings, source) -> None:
    from features.store import EventStore
    from serving.main import create_app

    store = EventStore.from_settings(serving_settings)
    store.upsert_items(pd.DataFrame({"item_id": ["I1"], "in_stock": [False]}))
    store.upsert_customers(pd.DataFrame({"customer_id": ["C1"], "personalization_opt_out": [True]}))
    store.close()
    with TestClient(create_app(serving_settings, source=source, load_in_background=False)) as c:
        assert c.get("/v1/recommendations/C1").json()["fallback"] is True  # opted out of personalisation
        assert "I1" not in {i["item_id"] for i in c.get("/v1/recommendations/nobody").json()["items"]}


def test_a_reload_applies_erasures_another_service_made_in_the_shared_store(client: TestClient, app: FastAPI) -> None:
    """A second host on the same database erased C4: this service learns it at its next reload."""
    store = app.state.service.store
    assert client.get("/v1/customers/C4/churn").status_code == 200
    store.erase_customer("C4")  # written by another service: no journal line reaches this one
    assert client.post("/v1/admin/reload", headers=ADMIN).status_code == 200
    assert client.get("/v1/customers/C4/churn").status_code == 404
    assert client.get("/v1/recommendations/C4").json()["fallback"] is True
