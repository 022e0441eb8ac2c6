"""`shopml train` without enough data: a clear reason per model, exit code 2, nothing registered."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from features.settings import Settings
from training.cli.apps import app

runner = CliRunner()


def registered_versions(settings: Settings) -> int:
    from mlflow import MlflowClient

    from training.tracking import configure

    configure(settings)
    return len(MlflowClient().search_model_versions())


def test_train_on_an_empty_store_reports_every_model(settings: Settings) -> None:
    result = runner.invoke(app, ["train"])
    assert result.exit_code == 2, result.output
    for family in ("recommender", "churn", "forecast"):
        assert f"cannot train {family}: the event store" in result.output
    assert "Traceback" not in result.output
    assert registered_versions(settings) == 0


def test_train_one_model_with_too_little_history(settings: Settings, tmp_path: Path) -> None:
    days = pd.date_range("2025-01-01", periods=20, freq="D")
    events = pd.DataFrame({"customer_id": [f"C{k % 4}" for k in range(20)], "item_id": [f"I{k % 3}" for k in range(20)],
                           "timestamp": days.strftime("%Y-%m-%dT10:00:00Z"), "quantity": 1, "price": 1.5})
    path = tmp_path / "events.csv"
    events.to_csv(path, index=False)
    assert runner.invoke(app, ["ingest", str(path)]).exit_code == 0
    result = runner.invoke(app, ["train", "recommender"])
    assert result.exit_code == 2, result.output
    assert "cannot train recommender: need at least 140 days of purchases" in result.output
    assert "the serving model is unchanged" in result.output
    assert registered_versions(settings) == 0


def test_train_all_goes_on_after_one_family_fails(settings: Settings, monkeypatch) -> None:
    from training.cli import apps

    ran: list[str] = []

    def broken(_settings: Settings) -> None:
        raise RuntimeError("a corrupt champion")

    def fine(family: str):
        return lambda _settings: ran.append(family)

    monkeypatch.setattr(apps, "TRAINERS", {"recommender": broken, "churn": fine("churn"), "forecast": fine("forecast")})
    result = runner.invoke(app, ["train", "all"])
    assert result.exit_code == 1
    assert "training recommender failed (the serving model is unchanged)" in result.output
    assert ran == [f for f in apps.TRAIN_ORDER if f != "recommender"]


def test_a_command_stopped_by_sigterm_says_so(monkeypatch, capsys) -> None:
    import pytest

    from training import cli

    def stopped() -> None:
        raise SystemExit(143)  # what training.interrupts raises on SIGTERM

    monkeypatch.setattr(cli, "app", stopped)
    with pytest.raises(SystemExit) as info:
        cli.main()
    assert info.value.code == 143 and "stopped (SIGTERM)" in capsys.readouterr().err
