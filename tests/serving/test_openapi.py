"""Schemathesis: requests generated from the OpenAPI schema never get a 5xx, and answers match it."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from serving.config import ServingSettings
from serving.main import create_app
from tests.serving.conftest import ADMIN_KEY
from tests.serving.fakes import FakeSource

# Schemathesis reads the schema when the module is collected; building the app loads nothing
# (models load in the lifespan, which the fixture below runs around the tests).
_HOME = Path(tempfile.mkdtemp(prefix="shopml-schemathesis-"))
_APP = create_app(
    ServingSettings(home=_HOME / "home", mlruns_dir=_HOME / "mlruns", admin_api_key=ADMIN_KEY,
                    access_log=False, sync_interval_seconds=0.05),
    source=FakeSource(),
    load_in_background=False,
)
schema = schemathesis.openapi.from_asgi("/openapi.json", _APP)


@pytest.fixture(scope="module", autouse=True)
def running_app() -> Iterator[None]:
    with TestClient(_APP):  # runs the lifespan: store opened, models loaded
        yield
    shutil.rmtree(_HOME, ignore_errors=True)


@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case: schemathesis.Case) -> None:
    case.call_and_validate(checks=[not_a_server_error, response_schema_conformance])
