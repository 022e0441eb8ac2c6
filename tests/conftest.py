"""Shared fixtures: an isolated SHOPML_HOME and MLflow store per test."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from features.settings import Settings, get_settings


@pytest.fixture(scope="session")
def empty_mlflow_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An MLflow SQLite store with its schema created once (migrations take seconds)."""
    from mlflow import MlflowClient

    folder = tmp_path_factory.mktemp("mlflow-template")
    db = folder / "mlflow.db"
    MlflowClient(tracking_uri=f"sqlite:///{db}").search_experiments()
    return db


@pytest.fixture()
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, empty_mlflow_db: Path) -> Settings:
    """Settings whose store and MLflow runs live under this test's tmp_path."""
    mlruns = tmp_path / "mlruns"
    mlruns.mkdir()
    shutil.copy(empty_mlflow_db, mlruns / "mlflow.db")
    monkeypatch.setenv("SHOPML_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SHOPML_MLRUNS_DIR", str(mlruns))
    monkeypatch.delenv("SHOPML_DATABASE_URL", raising=False)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    get_settings.cache_clear()
    return Settings()
