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


FAMILY_MODULES = {"recommender": "training.recommender.runtime", "forecast": "training.forecast.runtime",
                  "churn": "training.churn.runtime"}


def _has_runtime(family: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(FAMILY_MODULES[family]) is not None


@pytest.fixture(scope="session")
def trained_settings(tmp_path_factory: pytest.TempPathFactory, empty_mlflow_db: Path) -> ServingSettings:
    """A small synthetic shop ingested and every family that has a runtime trained and registered."""
    import shutil

    import training.cli  # noqa: F401  (registers the trainers)
    from features.loaders import LoadResult
    from features.store import EventStore
    from features.synthetic import generate_shop
    from training.cli.apps import TRAIN_ORDER, TRAINERS

    root = tmp_path_factory.mktemp("trained-shop")
    (root / "mlruns").mkdir()
    shutil.copy(empty_mlflow_db, root / "mlruns" / "mlflow.db")
    settings = ServingSettings(home=root / "home", mlruns_dir=root / "mlruns",
                               mlflow_tracking_uri=None,
                               database_url=None, admin_api_key=ADMIN_KEY, access_log=False,
                               sync_interval_seconds=0.05)
    shop = generate_shop(n_customers=200, n_items=60, days=240, seed=11)
    store = EventStore.from_settings(settings)
    store.ingest(LoadResult("synthetic", shop.events, rows_read=len(shop.events)),
                 items=shop.items, customers=shop.customers, promotions=shop.promotions)
    store.close()
    trained = [f for f in TRAIN_ORDER if f in TRAINERS and _has_runtime(f)]
    if not trained:
        pytest.skip("no model family has a trainer and a runtime yet")
    for family in trained:
        TRAINERS[family](settings)
    return settings
