"""POST /v1/events."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from serving.config import MAX_EVENTS


def event(**overrides: Any) -> dict[str, Any]:
    base = {"customer_id": "C1", "item_id": "I9", "timestamp": "2026-11-01T10:00:00Z", "event_type": "purchase",
            "quantity": 2, "price": 3.5, "order_id": "O1"}
    return {**base, **overrides}


def stored(app: FastAPI) -> int:
    return int(app.state.service.store.count_events())


def test_batch_is_stored_and_counted(client: TestClient, app: FastAPI) -> None:
    batch = [event(), event(item_id="I10", event_type="view", order_id=None, price=None),
             event(customer_id="C2", timestamp="2026-11-01T11:00:00")]  # naive timestamp: UTC
    r = client.post("/v1/events", json={"events": batch})
    assert r.status_code == 202
    assert r.json() == {"received": 3, "stored": 3, "purchases_applied": 2}
    assert stored(app) == 3
    unknown = client.post("/v1/events", json={"events": [event(item_id="NEW-ITEM", order_id="O2")]}).json()
    assert unknown == {"received": 1, "stored": 1, "purchases_applied": 0}  # waits for the next training
    frame = app.state.service.store.read_events()
    assert str(frame["timestamp"].dt.tz) == "UTC"


def test_resent_batch_is_stored_once(client: TestClient, app: FastAPI) -> None:
    client.post("/v1/events", json={"events": [event()]})
    again = client.post("/v1/events", json={"events": [event()]})
    assert again.status_code == 202 and again.json()["stored"] == 0 and stored(app) == 1


def test_purchase_is_reflected_at_once(client: TestClient) -> None:
    before = client.get("/v1/recommendations/C2", params={"k": 3}).json()["items"]
    assert "I15" not in {i["item_id"] for i in before}
    client.post("/v1/events", json={"events": [event(customer_id="C2", item_id="I15")]})
    after = client.get("/v1/recommendations/C2", params={"k": 3}).json()["items"]
    assert after[0]["item_id"] == "I15"
    excluded = client.get("/v1/recommendations/C2", params={"k": 20, "exclude_purchased": True}).json()["items"]
    assert "I15" not in {i["item_id"] for i in excluded}


def test_new_customer_gets_personal_answer_after_a_purchase(client: TestClient) -> None:
    assert client.get("/v1/recommendations/NEW").json()["fallback"] is True
    client.post("/v1/events", json={"events": [event(customer_id="NEW")]})
    assert client.get("/v1/recommendations/NEW").json()["fallback"] is False


@pytest.mark.parametrize("bad, where", [
    ({"quantity": 0}, "events[1].quantity"),
    ({"quantity": 1.5}, "events[1].quantity"),
    ({"price": -1}, "events[1].price"),
    ({"event_type": "refund"}, "events[1].event_type"),
    ({"timestamp": "yesterday"}, "events[1].timestamp"),
    ({"timestamp": "9999-01-01T00:00:00Z"}, "events[1].timestamp"),
    ({"customer_id": "   "}, "events[1].customer_id"),
    ({"item_id": None}, "events[1].item_id"),
])
def test_bad_event_is_422_naming_field_and_index_and_nothing_stored(
        client: TestClient, app: FastAPI, bad: dict, where: str) -> None:
    r = client.post("/v1/events", json={"events": [event(), event(**{"item_id": "I2", **bad})]})
    assert r.status_code == 422
    assert where in r.json()["message"]
    assert stored(app) == 0
    assert client.get("/v1/recommendations/C1", params={"k": 1}).json()["items"][0]["item_id"] == "I2"


def test_missing_required_field(client: TestClient, app: FastAPI) -> None:
    no_item = {k: v for k, v in event().items() if k != "item_id"}
    r = client.post("/v1/events", json={"events": [event(), no_item]})
    assert r.status_code == 422 and "events[1].item_id" in r.json()["message"] and stored(app) == 0


@pytest.mark.parametrize("body", [{"events": []}, {"events": [event()] * (MAX_EVENTS + 1)}, {}, {"events": "x"}])
def test_batch_size_bounds(client: TestClient, app: FastAPI, body: dict) -> None:
    r = client.post("/v1/events", json=body)
    assert r.status_code == 422 and "events" in r.json()["message"] and stored(app) == 0


def test_max_batch_is_accepted(client: TestClient, app: FastAPI) -> None:
    batch = [event(item_id=f"I{n}", order_id=f"O{n}") for n in range(MAX_EVENTS)]
    r = client.post("/v1/events", json={"events": batch})
    assert r.status_code == 202 and r.json()["stored"] == MAX_EVENTS == stored(app)


def test_body_above_the_limit_is_413(client: TestClient, app: FastAPI) -> None:
    limit = app.state.service.settings.max_body_bytes
    r = client.post("/v1/events", content=b"{" + b" " * limit + b"}", headers={"content-type": "application/json"})
    assert r.status_code == 413 and stored(app) == 0
    assert r.json()["message"] == r.json()["detail"] and str(limit) in r.json()["message"]


def test_streamed_body_above_the_limit_is_413(client: TestClient, app: FastAPI) -> None:
    limit = app.state.service.settings.max_body_bytes

    def chunks():  # no Content-Length: the limit is enforced while reading
        for _ in range(limit // 1000 + 2):
            yield b" " * 1000

    r = client.post("/v1/events", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413 and stored(app) == 0


def test_invalid_json_is_422(client: TestClient) -> None:
    r = client.post("/v1/events", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422


def test_events_are_stored_without_a_recommender(serving_settings) -> None:
    from serving.main import create_app
    from tests.serving.fakes import FakeSource

    app = create_app(serving_settings, source=FakeSource(champions={"forecast": "1"}), load_in_background=False)
    with TestClient(app) as c:
        r = c.post("/v1/events", json={"events": [event()]})
        assert r.status_code == 202 and r.json() == {"received": 1, "stored": 1, "purchases_applied": 0}
        assert stored(app) == 1


def test_a_nul_character_is_a_422_not_a_500(client: TestClient, app: FastAPI) -> None:
    r = client.post("/v1/events", json={"events": [event(item_id="AB\u0000CD")]})
    assert r.status_code == 422 and "events[0].item_id" in r.json()["message"] and "NUL" in r.json()["message"]
    assert stored(app) == 0
