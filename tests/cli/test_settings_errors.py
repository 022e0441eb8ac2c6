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
