"""A bad `SHOPML_*` variable stops any command with one line per variable, not a traceback."""

from __future__ import annotations

import sys

import pytest
from pydantic import ValidationError

from features.settings import Settings, settings_errors
from training.cli import main


def test_settings_errors_name_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOPML_PORT", "99999")
    monkeypatch.setenv("SHOPML_WORKERS", "many")
    with pytest.raises(ValidationError) as info:
        Settings()
    lines = settings_errors(info.value)
    assert lines[0].startswith("SHOPML_PORT='99999': Input should be less than or equal to 65535")
    assert lines[1].startswith("SHOPML_WORKERS='many': Input should be a valid integer")


def test_cli_stops_with_the_reason(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("SHOPML_ENVIRONMENT", "production")
    monkeypatch.delenv("SHOPML_ADMIN_API_KEY", raising=False)
    monkeypatch.setattr(sys, "argv", ["shopml", "models", "list"])
    with pytest.raises(SystemExit) as info:
        main()
    assert info.value.code == 2
    assert "invalid settings:\n  SHOPML_ADMIN_API_KEY must be set when SHOPML_ENVIRONMENT=production" in capsys.readouterr().err


@pytest.mark.parametrize(("variable", "value", "expected"), [
    ("SHOPML_LOG_LEVEL", "loud", "SHOPML_LOG_LEVEL='loud': must be one of critical, error, warning, info, debug, trace"),
    ("SHOPML_ACCESS_LOG", "maybe", "SHOPML_ACCESS_LOG='maybe': Input should be a valid boolean"),
    ("SHOPML_SYNC_INTERVAL_SECONDS", "abc", "SHOPML_SYNC_INTERVAL_SECONDS='abc': Input should be a valid number"),
    ("SHOPML_SYNC_INTERVAL_SECONDS", "-1", "SHOPML_SYNC_INTERVAL_SECONDS='-1': Input should be greater than 0"),
])
def test_serve_checks_the_serving_settings_before_uvicorn_starts(
        settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        variable: str, value: str, expected: str) -> None:
    import uvicorn

    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: pytest.fail("uvicorn started with invalid settings"))
    monkeypatch.setenv(variable, value)
    monkeypatch.setattr(sys, "argv", ["shopml", "serve"])
    with pytest.raises(SystemExit) as info:
        main()
    assert info.value.code == 2
    assert capsys.readouterr().err.startswith(f"invalid settings:\n  {expected}")


def test_serve_passes_a_valid_log_level_to_uvicorn(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    calls: list[dict[str, object]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: calls.append(k))
    monkeypatch.setenv("SHOPML_LOG_LEVEL", "WARNING")
    monkeypatch.setattr(sys, "argv", ["shopml", "serve", "--workers", "1"])
    with pytest.raises(SystemExit) as info:
        main()
    assert info.value.code == 0
    assert calls[0]["log_level"] == "warning"
    assert calls[0]["timeout_worker_healthcheck"] >= 30  # type: ignore[operator]  # uvicorn's 5 s restarts busy workers


def test_worker_patience_is_left_out_where_uvicorn_has_no_such_option() -> None:
    from training.cli.serve import worker_patience

    def old_config(app: object, workers: int = 1) -> None: ...

    assert worker_patience(old_config) == {}  # type: ignore[arg-type]


def test_serve_with_workers_creates_a_new_mlflow_store_before_they_start(
        settings: Settings, tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers that each migrated a new SQLite store at once left it half-migrated."""
    import sqlite3

    import uvicorn

    fresh = tmp_path / "fresh-mlruns"
    monkeypatch.setenv("SHOPML_MLRUNS_DIR", str(fresh))
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)  # restored after the test
    seen: list[str] = []

    def run(*args: object, **kwargs: object) -> None:
        db = fresh / "mlflow.db"
        assert db.exists(), "uvicorn started its workers before the MLflow store existed"
        with sqlite3.connect(db) as conn:
            seen.append(conn.execute("select version_num from alembic_version").fetchone()[0])

    monkeypatch.setattr(uvicorn, "run", run)
    monkeypatch.setattr(sys, "argv", ["shopml", "serve", "--workers", "2"])
    with pytest.raises(SystemExit) as info:
        main()
    assert info.value.code == 0 and len(seen) == 1 and seen[0]
    assert "PROMETHEUS_MULTIPROC_DIR" not in __import__("os").environ  # serve removed its folder and the variable
