"""POST /v1/events refuses events from the future, like `shopml ingest`."""

from __future__ import annotations

import pandas as pd
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.serving.routes.test_events import event, stored


def test_a_future_event_is_422_naming_it_and_nothing_stored(client: TestClient, app: FastAPI) -> None:
    soon = (pd.Timestamp.now(tz="UTC") + pd.Timedelta(hours=12)).isoformat()  # clock skew: accepted
    later = (pd.Timestamp.now(tz="UTC") + pd.Timedelta(days=400)).isoformat()
    r = client.post("/v1/events", json={"events": [event(timestamp=soon), event(item_id="I2", timestamp=later)]})
    assert r.status_code == 422, r.text
    assert "events[1].timestamp" in r.json()["message"] and "in the future" in r.json()["message"]
    assert stored(app) == 0
    assert client.post("/v1/events", json={"events": [event(timestamp=soon)]}).status_code == 202
