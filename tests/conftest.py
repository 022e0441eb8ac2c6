"""Shared fixtures: an isolated SHOPML_HOME and MLflow store per test."""

from __future__ import annotations

from pathlib import Path

import pytest

from features.settings import Settings, get_settings


@pytest.fixture()
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings whose store and MLflow runs live under this test's tmp_path."""
    monkeypatch.setenv("SHOPML_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SHOPML_MLRUNS_DIR", str(tmp_path / "mlruns"))
    monkeypatch.delenv("SHOPML_DATABASE_URL", raising=False)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    get_settings.cache_clear()
    return Settings()
