"""/health, /ready and /metrics."""

from __future__ import annotations

import threading

from fastapi.testclient import TestClient

from serving.config import ServingSettings
from serving.main import create_app
from serving.registry import LoadedModel
from tests.serving.conftest import ADMIN
from tests.serving.fakes import FakeSource


def test_health(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok"}


def test_ready_when_models_are_loaded(client: TestClient) -> None:
    r = client.get("/ready")
    assert r.status_code == 200 and r.json()["ready"] is True
    assert r.json()["models"] == {"recommender": "1", "forecast": "1", "churn": "1"}


class SlowSource(FakeSource):
    """Blocks fetching until released, to observe the service before its models are loaded."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def fetch(self, family: str, version: str) -> LoadedModel:
        self.release.wait(10)
        return super().fetch(family, version)


def test_not_ready_until_models_are_loaded(serving_settings: ServingSettings) -> None:
    source = SlowSource()
    with TestClient(create_app(serving_settings, source=source)) as c:
        assert c.get("/health").status_code == 200
        r = c.get("/ready")
        assert r.status_code == 503 and r.json()["ready"] is False
        assert c.get("/v1/recommendations/C1").status_code == 503
        source.release.set()
        for _ in range(200):
            if c.get("/ready").status_code == 200:
                break
            threading.Event().wait(0.02)
        assert c.get("/ready").status_code == 200
        assert c.get("/v1/recommendations/C1").status_code == 200


def test_not_ready_without_any_registered_model(serving_settings: ServingSettings) -> None:
    with TestClient(create_app(serving_settings, source=FakeSource(champions={}), load_in_background=False)) as c:
        r = c.get("/ready")
        assert r.status_code == 503 and "shopml train" in r.json()["detail"]
        assert c.get("/health").status_code == 200


def test_metrics_count_requests_per_route_template(client: TestClient) -> None:
    client.get("/v1/recommendations/C1")
    client.get("/v1/recommendations/C2")
    client.get("/v1/items/NOPE/similar")
    text = client.get("/metrics").text
    assert 'shopml_http_requests_total{method="GET",route="/v1/recommendations/{customer_id}",status="200"} 2.0' in text
    assert 'route="/v1/items/{item_id}/similar",status="404"' in text
    assert 'shopml_http_request_duration_seconds_bucket{le="0.005",method="GET",route="/v1/recommendations/{customer_id}"}' in text
    assert 'shopml_model_version{family="forecast"} 1.0' in text
    assert "/v1/recommendations/C1" not in text  # templates, not raw paths


def test_a_refused_champion_is_named_by_ready_and_by_the_503(serving_settings: ServingSettings) -> None:
    """A champion that does not load must not read as 'nothing trained yet'."""
    source = FakeSource()
    source.broken.add(("recommender", "1"))
    with TestClient(create_app(serving_settings, source=source, load_in_background=False)) as c:
        ready = c.get("/ready").json()
        assert ready["ready"] is True and ready["models"]["recommender"] is None
        assert "recommender: champion v1 refused" in ready["detail"]
        r = c.get("/v1/recommendations/C1")
        assert r.status_code == 503 and "champion v1 refused" in r.json()["detail"]
        assert "shopml models promote recommender" in r.json()["detail"]
        source.broken.clear()
        assert c.post("/v1/admin/reload", headers=ADMIN).status_code == 200
        assert "refused" not in c.get("/ready").json()["detail"]
