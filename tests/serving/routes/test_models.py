"""GET /v1/models and POST /v1/admin/reload."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.serving.conftest import ADMIN
from tests.serving.fakes import FakeSource


def test_models_lists_versions_and_tags(client: TestClient) -> None:
    body = client.get("/v1/models").json()
    by_family = {m["family"]: m for m in body["models"]}
    assert set(by_family) == {"recommender", "forecast", "churn"}
    assert by_family["recommender"]["version"] == "1" and by_family["recommender"]["status"] == "serving"
    assert by_family["churn"]["tags"]["holdout_score"] == "0.5"


def test_reload_needs_the_admin_key(client: TestClient, source: FakeSource) -> None:
    source.champions["recommender"] = "2"
    assert client.post("/v1/admin/reload").status_code == 401
    assert client.post("/v1/admin/reload", headers={"X-API-Key": "nope"}).status_code == 403
    assert client.get("/v1/recommendations/C1").json()["model_version"] == "1"


def test_reload_swaps_in_the_new_champion(client: TestClient, source: FakeSource) -> None:
    source.champions["recommender"] = "2"
    r = client.post("/v1/admin/reload", headers=ADMIN)
    assert r.status_code == 200
    outcomes = {x["family"]: x["outcome"] for x in r.json()["results"]}
    assert outcomes == {"recommender": "loaded", "forecast": "unchanged", "churn": "unchanged"}
    assert client.get("/v1/recommendations/C1").json()["model_version"] == "2"
    assert 'shopml_model_version{family="recommender"} 2.0' in client.get("/metrics").text


def test_broken_model_is_refused_and_the_old_one_keeps_serving(client: TestClient, source: FakeSource) -> None:
    source.champions.update(recommender="2", churn="2", forecast="2")
    source.broken |= {("recommender", "2"), ("churn", "2")}
    source.unloadable.add(("forecast", "2"))
    r = client.post("/v1/admin/reload", headers=ADMIN)
    assert r.status_code == 200
    results = {x["family"]: x for x in r.json()["results"]}
    assert {x["outcome"] for x in results.values()} == {"refused"}
    assert "smoke check" in results["recommender"]["detail"] and "still serving v1" in results["recommender"]["detail"]
    assert r.json()["serving"] == {"recommender": "1", "forecast": "1", "churn": "1"}
    answer = client.get("/v1/recommendations/C1")
    assert answer.status_code == 200 and answer.json()["model_version"] == "1"
    assert client.get("/v1/forecasts/I1").json()["model_version"] == "1"
    assert 'shopml_model_reloads_total{family="recommender",outcome="refused"} 1.0' in client.get("/metrics").text


def test_unchanged_champion_is_not_fetched_again(client: TestClient, source: FakeSource) -> None:
    fetched = len(source.fetched)
    client.post("/v1/admin/reload", headers=ADMIN)
    assert len(source.fetched) == fetched
    client.post("/v1/admin/reload", params={"force": True}, headers=ADMIN)
    assert len(source.fetched) == fetched + 3


def test_family_without_a_model_answers_503(serving_settings) -> None:
    from serving.main import create_app

    source = FakeSource(champions={"recommender": "1"})
    with TestClient(create_app(serving_settings, source=source, load_in_background=False)) as c:
        assert c.get("/v1/recommendations/C1").status_code == 200
        for path in ("/v1/forecasts/I1", "/v1/inventory/I1/replenishment", "/v1/customers/C1/churn",
                     "/v1/customers/C1/profile", "/v1/customers/at-risk"):
            r = c.get(path)
            assert r.status_code == 503, path
            assert "shopml train" in r.json()["detail"]
        models = {m["family"]: m["status"] for m in c.get("/v1/models").json()["models"]}
        assert models == {"recommender": "serving", "forecast": "absent", "churn": "absent"}
        source.champions["churn"] = "1"
        c.post("/v1/admin/reload", headers=ADMIN)
        assert c.get("/v1/customers/C1/churn").status_code == 200


def test_other_workers_follow_a_reload_and_live_changes(serving_settings, app: FastAPI, source: FakeSource) -> None:
    """Two apps on one SHOPML_HOME stand for two uvicorn workers."""
    import time

    from serving.main import create_app

    other_source = FakeSource()
    with TestClient(app) as a, TestClient(create_app(serving_settings, source=other_source,
                                                     load_in_background=False)) as b:
        source.champions["recommender"] = other_source.champions["recommender"] = "2"
        a.post("/v1/admin/reload", headers=ADMIN)
        event = {"customer_id": "C2", "item_id": "I17", "timestamp": "2026-11-01T10:00:00Z"}
        a.post("/v1/events", json={"events": [event]})
        a.delete("/v1/customers/C3", headers=ADMIN)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            answer = b.get("/v1/recommendations/C2", params={"k": 1}).json()
            erased = b.get("/v1/recommendations/C3").json()
            # b's reload of v2 reads the erasure from the store at once, while its churn model
            # learns it from the journal a poll later: wait for both
            churn_status = b.get("/v1/customers/C3/churn").status_code
            if (answer["model_version"] == "2" and answer["items"][0]["item_id"] == "I17" and erased["fallback"]
                    and churn_status == 404):
                break
            time.sleep(0.05)
        assert answer["model_version"] == "2" and answer["items"][0]["item_id"] == "I17"
        assert erased["fallback"] is True
        assert churn_status == 404


def test_a_change_acknowledged_by_one_worker_holds_on_the_next_request_to_another(serving_settings) -> None:
    """No polling interval in between: the follower is set to wake up only once a minute."""
    from serving.main import create_app

    settings = serving_settings.model_copy(update={"sync_interval_seconds": 60.0})
    a_source, b_source = FakeSource(), FakeSource()
    with TestClient(create_app(settings, source=a_source, load_in_background=False)) as a, \
            TestClient(create_app(settings, source=b_source, load_in_background=False)) as b:
        assert b.get("/v1/customers/C3/churn").status_code == 200
        event = {"customer_id": "C2", "item_id": "I17", "timestamp": "2026-11-01T10:00:00Z"}
        assert a.post("/v1/events", json={"events": [event]}).status_code == 202
        assert b.get("/v1/recommendations/C2", params={"k": 1}).json()["items"][0]["item_id"] == "I17"
        assert a.delete("/v1/customers/C3", headers=ADMIN).status_code == 200
        assert b.get("/v1/customers/C3/churn").status_code == 404
        assert b.get("/v1/recommendations/C3").json()["fallback"] is True
        # a reload, and what follows it, wait for the background follower (it reloads off the loop)
        a_source.champions["recommender"] = b_source.champions["recommender"] = "2"
        a.post("/v1/admin/reload", headers=ADMIN)
        later = {"customer_id": "C4", "item_id": "I18", "timestamp": "2026-11-01T11:00:00Z"}
        a.post("/v1/events", json={"events": [later]})
        assert b.get("/v1/recommendations/C4", params={"k": 1}).json()["model_version"] == "1"
        b.portal.call(b.app.state.service.apply_journal)
        answer = b.get("/v1/recommendations/C4", params={"k": 1}).json()
        assert answer["model_version"] == "2" and answer["items"][0]["item_id"] == "I18"
