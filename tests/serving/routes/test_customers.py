"""Churn, profile, the at-risk list (stages, paging) and DELETE /v1/customers/{id}, on the real churn runtime."""

from __future__ import annotations

import pandas as pd
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from serving.config import MAX_LIMIT
from serving.registry import LoadedModel
from tests.serving.conftest import ADMIN
from tests.serving.fakes import FakeSource
from training.churn.runtime import ChurnRuntime

# customer: (probability, risk, lifecycle stage, expected value over 12 months); value lost = p x value
ANSWERS = {"C1": (0.1, "low", "active", 90.0), "C2": (0.4, "medium", "churned", 50.0),
           "C3": (0.5, "medium", "at risk", 100.0), "C4": (0.7, "high", "at risk", 20.0),
           "C5": (0.9, "high", "new", 200.0)}
AS_OF = "2026-11-02 00:00:00+00:00"  # as build_profiles wrote it before it wrote dates only


def churn_runtime() -> ChurnRuntime:
    """The real churn runtime over five precomputed answers (horizon 60 days)."""
    customers = {c: {"probability": p, "risk": risk, "top_factors": ["no order for 40 days, usually every 9 days"],
                     "rfm_segment": "loyal", "recency_days": 40.0, "frequency": 3, "monetary": 300.0,
                     "lifecycle_stage": stage, "expected_value_12m": value, "p_alive": 0.8,
                     "expected_purchases_12m": 2.0, "expected_value_lost": p * value}
                 for c, (p, risk, stage, value) in ANSWERS.items()}
    ranked = sorted((c for c in customers if ANSWERS[c][0] >= 0.35), key=lambda c: -customers[c]["expected_value_lost"])
    return ChurnRuntime(customers, ranked, horizon_days=60, as_of=AS_OF)


class ChurnSource(FakeSource):
    """The fake registry, serving the real churn runtime."""

    def fetch(self, family: str, version: str) -> LoadedModel:
        loaded = super().fetch(family, version)
        return LoadedModel(family, version, churn_runtime(), loaded.tags) if family == "churn" else loaded


@pytest.fixture()
def source() -> FakeSource:
    return ChurnSource()


def test_churn(client: TestClient) -> None:
    r = client.get("/v1/customers/C3/churn")
    assert r.status_code == 200
    body = r.json()
    assert body["customer_id"] == "C3" and body["probability"] == 0.5 and body["risk"] == "medium"
    assert body["horizon_days"] == 60 and body["top_factors"] and body["as_of"] == "2026-11-02"


def test_profile(client: TestClient) -> None:
    body = client.get("/v1/customers/C1/profile").json()
    assert body["customer_id"] == "C1" and body["rfm_segment"] == "loyal" and body["expected_value_12m"] == 90.0
    assert body["as_of"] == "2026-11-02" and body["lifecycle_stage"] == "active"


@pytest.mark.parametrize("path", ["/v1/customers/NOPE/churn", "/v1/customers/NOPE/profile"])
def test_unknown_customer_is_404(client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 404


def _ids(body: dict) -> list[str]:
    return [c["customer_id"] for c in body["customers"]]


def test_at_risk_lists_the_overdue_and_the_churned_by_value_lost(client: TestClient) -> None:
    body = client.get("/v1/customers/at-risk").json()
    assert _ids(body) == ["C3", "C2", "C4"] and body["total"] == 3  # not C5 (new), not C1 (low risk)
    assert body["stages"] == ["at_risk", "churned"] and body["offset"] == 0
    assert body["as_of"] == "2026-11-02" and body["horizon_days"] == 60
    assert [c["lifecycle_stage"] for c in body["customers"]] == ["at risk", "churned", "at risk"]


@pytest.mark.parametrize(("stages", "expected"), [
    (["churned"], ["C2"]), (["at_risk"], ["C3", "C4"]), (["new"], ["C5"]), (["active"], []),
    (["new", "churned"], ["C5", "C2"]), (["won_back", "at_risk", "new"], ["C5", "C3", "C4"]),
])
def test_at_risk_by_stage(client: TestClient, stages: list[str], expected: list[str]) -> None:
    body = client.get("/v1/customers/at-risk", params={"stage": stages}).json()
    assert _ids(body) == expected and body["total"] == len(expected)


@pytest.mark.parametrize("stage", ["at risk", "lost", ""])
def test_an_unknown_stage_is_422_naming_the_parameter(client: TestClient, stage: str) -> None:
    r = client.get("/v1/customers/at-risk", params={"stage": ["churned", stage]})
    assert r.status_code == 422 and "query parameter 'stage'" in r.json()["message"]
    assert "'at_risk'" in r.json()["message"]  # the allowed values


def test_at_risk_pages_with_offset_and_total(client: TestClient) -> None:
    pages = [client.get("/v1/customers/at-risk", params={"limit": 2, "offset": o}).json() for o in (0, 2, 4)]
    assert [_ids(p) for p in pages] == [["C3", "C2"], ["C4"], []]
    assert [p["total"] for p in pages] == [3, 3, 3] and [p["offset"] for p in pages] == [0, 2, 4]


@pytest.mark.parametrize("offset", ["-1", "two", "9223372036854775807", "1000000001"])
def test_offset_is_validated(client: TestClient, offset: str) -> None:
    r = client.get("/v1/customers/at-risk", params={"offset": offset})
    assert r.status_code == 422 and "'offset'" in r.json()["message"]


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


@pytest.mark.parametrize(("path", "status"), [("/v1/customers/C1/churn", 405), ("/v1/customers/C1/profile/", 405),
                                               ("/v1/customers/at-risk", 405), ("/v1/customers/SHOP/42", 404)])
def test_an_ambiguous_erasure_path_erases_nothing(client: TestClient, app: FastAPI, path: str, status: int) -> None:
    r = client.delete(path, headers=ADMIN)
    assert r.status_code == status, r.text
    assert not app.state.service.store.erased_customers()
    assert client.get("/v1/recommendations/C1").json()["fallback"] is False


def test_a_slashed_id_sent_as_2f_is_erased(client: TestClient, app: FastAPI) -> None:
    r = client.delete("/v1/customers/SHOP%2F42", headers=ADMIN)
    assert r.status_code == 200 and r.json()["customer_id"] == "SHOP/42"
    assert app.state.service.store.erased_customers() == {"SHOP/42"}


@pytest.mark.parametrize("path", ["/v1/customers/C1/churn/", "/v1/customers/C1/profile/", "/v1/customers/at-risk/"])
def test_a_trailing_slash_answers_as_without_it(client: TestClient, path: str) -> None:
    assert client.get(path).json() == client.get(path.rstrip("/")).json()


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
