"""Fixtures of the serving tests: an app on fake runtimes with a real event store under tmp."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from serving.config import ServingSettings
from serving.main import create_app
from tests.serving.fakes import FakeSource

ADMIN_KEY = "test-admin-key"
ADMIN = {"X-API-Key": ADMIN_KEY}


@pytest.fixture()
def serving_settings(tmp_path: Path) -> ServingSettings:
    """Settings with the store under tmp_path, an admin key, and no access log noise."""
    return ServingSettings(home=tmp_path / "home", mlruns_dir=tmp_path / "mlruns", database_url=None,
                           admin_api_key=ADMIN_KEY, access_log=False, sync_interval_seconds=0.05)


@pytest.fixture()
def source() -> FakeSource:
    return FakeSource()


@pytest.fixture()
def app(serving_settings: ServingSettings, source: FakeSource) -> FastAPI:
    return create_app(serving_settings, source=source, load_in_background=False)


@pytest.fixture()
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client
