"""Storefront defects: purchases and returns posted since training survive a reload or a restart,
a return cancels a live purchase, and a repeated erasure answers the same on every worker."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from serving.config import ServingSettings
from serving.main import create_app
from tests.serving.conftest import ADMIN
from tests.serving.fakes import FakeRecommender, FakeSource

AFTER_TRAINING = "2026-11-03T10:00:00Z"  # the fake recommender's data end is 2026-11-02


def _event(customer: str, item: str, kind: str = "purchase", ts: str = AFTER_TRAINING, **extra: Any) -> dict[str, Any]:
    return {"customer_id": customer, "item_id": item, "timestamp": ts, "event_type": kind, **extra}


def _post(client: TestClient, *events: dict[str, Any]) -> dict[str, Any]:
    r = client.post("/v1/events", json={"events": list(events)})
    assert r.status_code == 202, r.text
    return dict(r.json())


def _items(client: TestClient, customer: str, **params: Any) -> list[str]:
    body = client.get(f"/v1/recommendations/{customer}", params={"k": 5, **params}).json()
    return [i["item_id"] for i in body["items"]]


def _reload(client: TestClient) -> None:
    r = client.post("/v1/admin/reload", params={"force": "true"}, headers=ADMIN)
    assert r.status_code == 200
    assert {x["family"]: x["outcome"] for x in r.json()["results"]}["recommender"] == "loaded"


def test_purchases_since_training_survive_a_forced_reload(client: TestClient) -> None:
    assert _post(client, _event("C1", "I9"), _event("NEW1", "I11"))["purchases_applied"] == 2
    for _ in range(2):  # before the reload, and after it
        assert "I9" not in _items(client, "C1", exclude_purchased=True)
        new = client.get("/v1/recommendations/NEW1", params={"k": 3}).json()
        assert new["fallback"] is False and new["items"][0]["item_id"] == "I11"
        _reload(client)


def test_purchases_since_training_reach_a_worker_that_starts_later(client: TestClient,
                                                                   serving_settings: ServingSettings) -> None:
    _post(client, _event("NEW2", "I13"))
    with TestClient(create_app(serving_settings, source=FakeSource(), load_in_background=False)) as later:
        answer = later.get("/v1/recommendations/NEW2", params={"k": 2}).json()
    assert answer["fallback"] is False and answer["items"][0]["item_id"] == "I13"


def test_events_the_training_read_are_not_replayed(client: TestClient, app: FastAPI,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    _post(client, _event("OLD1", "I13", ts="2026-11-01T10:00:00Z"))
    # as if the model had been trained after this event was stored: it is in the trained history
    monkeypatch.setattr(FakeRecommender, "stored_through", app.state.service.store.last_event_id())
    _reload(client)
    assert client.get("/v1/recommendations/OLD1").json()["fallback"] is True


def test_a_back_dated_purchase_posted_since_training_survives_a_reload(client: TestClient) -> None:
    """Timestamped before the model's data end but stored after its training read the store."""
    assert _post(client, _event("OLD2", "I13", ts="2026-11-01T10:00:00Z"))["purchases_applied"] == 1
    for _ in range(2):  # before the reload, and after it
        answer = client.get("/v1/recommendations/OLD2", params={"k": 2}).json()
        assert answer["fallback"] is False and answer["items"][0]["item_id"] == "I13"
        _reload(client)


def test_a_return_posted_before_its_purchase_gives_the_same_answer_after_a_reload(client: TestClient) -> None:
    """The latest event in time wins, whatever order the events arrive in: live as after the replay."""
    returned, bought = "2026-11-03T10:05:00Z", "2026-11-03T10:00:00Z"
    answer = _post(client, _event("NEW7", "I9", "return", ts=returned), _event("NEW7", "I9", ts=bought))
    assert answer["purchases_applied"] == 0
    _post(client, _event("NEW8", "I9", "return", ts=returned))  # the same, in two batches
    _post(client, _event("NEW8", "I9", ts=bought))
    for _ in range(2):
        for customer in ("NEW7", "NEW8"):
            assert client.get(f"/v1/recommendations/{customer}").json()["fallback"] is True
        _reload(client)


def test_the_replay_is_one_query(client: TestClient, app: FastAPI) -> None:
    _post(client, *[_event(f"N{n}", "I9") for n in range(30)])
    store = app.state.service.store
    calls: list[dict[str, Any]] = []
    read = store.read_unseen

    def counted(**kwargs: Any) -> Any:
        calls.append(kwargs)
        return read(**kwargs)

    store.read_unseen = counted
    _reload(client)
    assert len(calls) == 1 and set(calls[0]["event_types"]) == {"purchase", "return"}
    assert all(client.get(f"/v1/recommendations/N{n}").json()["fallback"] is False for n in range(30))


def test_changes_during_a_reload_are_kept_and_not_doubled(client: TestClient, app: FastAPI) -> None:
    """A purchase and its return posted while a reload runs are in the store the new model is prepared
    from and are replayed again after the swap: the answer is as if each was applied once."""
    service = app.state.service
    prepare = service.holder.prepare

    def prepare_then_post(family: str, runtime: Any) -> None:
        if family == "recommender":  # the reload thread runs: these arrive before the store is read
            store_and_record(_event("C4", "I15"), _event("C4", "I15", "return"), _event("C4", "I17"))
        prepare(family, runtime)

    def store_and_record(*events: dict[str, Any]) -> None:
        import pandas as pd

        from features.validation import validate_events

        service.store.append_events(validate_events(pd.DataFrame(events), "test"), source="api")
        for e in events:
            service.record(e["event_type"], e["customer_id"], e["item_id"])

    service.holder.prepare = prepare_then_post
    _reload(client)
    service.holder.prepare = prepare
    runtime = service.holder.snapshot.get("recommender").runtime
    assert runtime.history["C4"] == ["I2", "I17"]
    shown = _items(client, "C4", exclude_purchased=True, k=20)
    assert "I17" not in shown and "I15" in shown


def test_a_return_cancels_the_live_purchase(client: TestClient) -> None:
    _post(client, _event("C2", "I9", order_id="O-1"))
    assert _items(client, "C2")[0] == "I9"
    _post(client, _event("C2", "I9", "return", ts="2026-11-03T12:00:00Z", order_id="O-1"))
    assert "I9" not in _items(client, "C2")[:2]
    assert "I9" in _items(client, "C2", exclude_purchased=True, k=20)  # no longer counts as bought
    _reload(client)  # the store replays the purchase and the return, in order
    assert "I9" not in _items(client, "C2")[:2]


def test_at_equal_times_a_return_wins_whatever_the_order(client: TestClient) -> None:
    _post(client, _event("NEW3", "I9"), _event("NEW3", "I9", "return"), _event("NEW3", "I11"))
    shown = _items(client, "NEW3")
    assert shown[0] == "I11" and "I9" not in shown
    _post(client, _event("NEW4", "I9", "return"), _event("NEW4", "I9"), _event("NEW4", "I11"))
    assert "I9" not in _items(client, "NEW4")


def test_a_re_sent_event_changes_nothing_live_or_after_a_reload(client: TestClient) -> None:
    _post(client, _event("NEW9", "I9"))
    _post(client, _event("NEW9", "I9", "return"))
    assert _post(client, _event("NEW9", "I9"))["stored"] == 0  # the same purchase again
    for _ in range(2):
        assert client.get("/v1/recommendations/NEW9").json()["fallback"] is True
        _reload(client)


def test_a_return_reaches_the_other_workers(client: TestClient, serving_settings: ServingSettings) -> None:
    with TestClient(create_app(serving_settings, source=FakeSource(), load_in_background=False)) as other:
        _post(client, _event("NEW5", "I9"))
        assert other.get("/v1/recommendations/NEW5").json()["fallback"] is False
        _post(client, _event("NEW5", "I9", "return"))
        assert other.get("/v1/recommendations/NEW5").json()["fallback"] is True
        _post(client, _event("NEW6", "I9"))
        _post(other, _event("NEW6", "I9", "return"))  # the purchase reached the other worker first
        assert [w.get("/v1/recommendations/NEW6").json()["fallback"] for w in (client, other)] == [True, True]


def test_a_repeated_erasure_answers_the_same_on_every_worker(client: TestClient,
                                                              serving_settings: ServingSettings) -> None:
    with TestClient(create_app(serving_settings, source=FakeSource(), load_in_background=False)) as other:
        first = client.delete("/v1/customers/C5", headers=ADMIN).json()
        assert first["events_removed"] == 0 and first["forgotten_in"] == ["recommender", "churn"]
        answers = [w.delete("/v1/customers/C5", headers=ADMIN).json() for w in (other, client, other)]
        assert answers == [{"customer_id": "C5", "events_removed": 0, "forgotten_in": []}] * 3
        # the store refuses a purchase posted after the erasure, and so does every worker's model
        assert _post(other, _event("C5", "I9"))["purchases_applied"] == 0
        assert client.get("/v1/recommendations/C5").json()["fallback"] is True
        assert client.delete("/v1/customers/C5", headers=ADMIN).json()["forgotten_in"] == []
        assert other.delete("/v1/customers/C5", headers=ADMIN).json()["forgotten_in"] == []


def test_a_model_without_data_end_replays_nothing() -> None:
    from serving.state import _replay_stored_changes

    class Runtime:
        data_end = None

    class Store:
        def read_unseen(self, **kwargs: object) -> None:
            raise AssertionError("a model without data_end must not read the whole event history")

    _replay_stored_changes(Runtime(), Store())


def test_an_erasure_holds_at_once_on_a_worker_that_is_reloading(client: TestClient,
                                                                 serving_settings: ServingSettings) -> None:
    with TestClient(create_app(serving_settings, source=FakeSource(), load_in_background=False)) as other:
        assert other.get("/v1/recommendations/C1").json()["fallback"] is False
        service = other.app.state.service  # type: ignore[attr-defined]
        service._reloading += 1  # as while its models load in the background
        try:
            assert client.delete("/v1/customers/C1", headers=ADMIN).status_code == 200
            assert other.get("/v1/recommendations/C1").json()["fallback"] is True
            assert other.get("/v1/customers/C1/churn").status_code == 404
        finally:
            service._reloading -= 1
        _reload(other)  # and after its reload
        assert other.get("/v1/recommendations/C1").json()["fallback"] is True
