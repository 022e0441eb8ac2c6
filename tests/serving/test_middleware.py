"""JSON access logs and the request body limit."""

from __future__ import annotations

import json
import logging

from fastapi.testclient import TestClient

from serving.config import ServingSettings
from serving.main import create_app
from serving.middleware import JsonLogFormatter
from tests.serving.fakes import FakeSource


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_access_log_is_one_json_object_per_request(serving_settings: ServingSettings) -> None:
    settings = serving_settings.model_copy(update={"access_log": True})
    app = create_app(settings, source=FakeSource(), load_in_background=False)
    collect = Collect()
    logging.getLogger("shopml.access").addHandler(collect)
    try:
        with TestClient(app) as client:
            client.get("/v1/recommendations/nobody", params={"k": 2})
    finally:
        logging.getLogger("shopml.access").removeHandler(collect)
    (record,) = collect.records
    line = json.loads(JsonLogFormatter().format(record))
    assert line["route"] == "/v1/recommendations/{customer_id}" and line["path"] == "/v1/recommendations/nobody"
    assert line["status"] == 200 and line["method"] == "GET" and line["fallback"] is True
    assert line["duration_ms"] >= 0 and line["level"] == "info"


def test_small_post_bodies_pass(client: TestClient) -> None:
    r = client.post("/v1/recommendations", json={"customer_ids": ["C1"], "k": 1})
    assert r.status_code == 200
