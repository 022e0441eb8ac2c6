"""Without the event store the service does not know who was erased: the customer models wait for it
(503 naming the store), forecasts still serve, and the store is retried in the background."""

from __future__ import annotations

import time
from pathlib import Path

from fastapi.testclient import TestClient

from serving.config import ServingSettings
from serving.main import create_app
from tests.serving.conftest import ADMIN_KEY
from tests.serving.fakes import FakeSource


def test_customer_models_wait_for_the_store_and_load_when_it_is_back(tmp_path: Path) -> None:
    blocker = tmp_path / "db"
    blocker.write_text("a file where the store's folder should be")  # the SQLite store cannot open
    settings = ServingSettings(home=tmp_path / "home", mlruns_dir=tmp_path / "mlruns",
                               database_url=f"sqlite:///{blocker / 'events.db'}", admin_api_key=ADMIN_KEY,
                               access_log=False, sync_interval_seconds=0.05, store_retry_seconds=0.05)
    app = create_app(settings, source=FakeSource(), load_in_background=False)
    with TestClient(app) as client:
        for path in ("/v1/recommendations/C1", "/v1/customers/C1/churn"):
            r = client.get(path)
            assert r.status_code == 503 and "event store is unavailable" in r.json()["message"], r.text
        assert client.get("/v1/forecasts/_total", params={"horizon": 1}).status_code == 200
        ready = client.get("/ready").json()
        assert ready["ready"] is True and "wait for the event store, which is unavailable" in ready["detail"]
        blocker.unlink()
        blocker.mkdir()  # the store can open now
        deadline = time.monotonic() + 10
        while client.get("/v1/recommendations/C1").status_code != 200 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert client.get("/v1/recommendations/C1").json()["fallback"] is False
        assert client.get("/v1/customers/C1/churn").status_code == 200
        assert client.get("/ready").json()["detail"] == "serving"
