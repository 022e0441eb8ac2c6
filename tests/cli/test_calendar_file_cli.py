"""SHOPML_CALENDAR_FILE reaches `shopml evaluate forecast` and `shopml train forecast`; a bad file stops them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from features.calendar_file import load_calendar_file
from features.settings import Settings, get_settings
from tests.cli.test_evaluate_dates import flat
from tests.cli.test_evaluate_forecast_scope import shop_events  # noqa: F401  (fixture)
from tests.cli.test_train_cli import registered_versions
from training.cli.apps import app

runner = CliRunner()


def _calendar(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: object) -> Path:
    path = tmp_path / "calendar.json"
    path.write_text(json.dumps(content))
    monkeypatch.setenv("SHOPML_CALENDAR_FILE", str(path))
    get_settings.cache_clear()
    return path


def test_evaluate_forecast_fits_with_the_shops_calendar(settings: Settings, shop_events: Path,  # noqa: F811
                                                        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import mlflow

    _calendar(tmp_path, monkeypatch, {"regions": ["UK"], "festivals": [
        {"name": "spring_sale", "dates": ["2024-04-08"], "days_before": 3, "days_after": 3}]})
    result = runner.invoke(app, ["evaluate", "forecast", "--freq", "W", "--horizon", "4", "--top", "10",
                                 "--source", str(shop_events), "--format", "canonical"])
    assert result.exit_code == 0, flat(result.output)
    assert "new products: " in flat(result.output)  # the launch-curve table, or why there is none
    run_id = flat(result.output).rsplit("logged to MLflow run ", 1)[1].split()[0]
    params = mlflow.get_run(run_id).data.params
    assert params["shopml.calendar_regions"] == "UK"
    assert params["shopml.calendar_festivals"] == "christmas,easter,black_friday,spring_sale"
    saved = mlflow.artifacts.load_dict(f"runs:/{run_id}/settings/calendar.json")
    assert saved["festivals"][0]["dates"] == ["2024-04-08"]
    logged = tmp_path / "logged.json"  # the logged calendar is a calendar file: it reproduces the run's settings
    logged.write_text(json.dumps(saved))
    assert load_calendar_file(logged) == load_calendar_file(tmp_path / "calendar.json")


def test_a_bad_calendar_file_stops_evaluate_and_train_naming_the_field(
        settings: Settings, shop_events: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    path = _calendar(tmp_path, monkeypatch, {"festivals": [{"name": "sale", "dates": ["2024-02-30"]}]})
    result = runner.invoke(app, ["evaluate", "forecast", "--freq", "W", "--horizon", "4", "--top", "10",
                                 "--source", str(shop_events), "--format", "canonical"])
    out = flat(result.output)
    assert result.exit_code == 2, out
    assert f"SHOPML_CALENDAR_FILE: {path}: festivals[0].dates[0] (sale) is not an ISO date" in out
    assert "Traceback" not in out
    assert runner.invoke(app, ["ingest", str(shop_events), "--format", "canonical"]).exit_code == 0
    trained = runner.invoke(app, ["train", "forecast"])
    out = flat(trained.output)
    assert trained.exit_code == 2, out
    assert f"cannot train forecast: {path}: festivals[0].dates[0] (sale)" in out
    assert "the serving model is unchanged" in out
    assert registered_versions(settings) == 0
    every = runner.invoke(app, ["train"])  # every model: the file is read before any of them trains
    out = flat(every.output)
    assert every.exit_code == 2, out
    assert f"SHOPML_CALENDAR_FILE: {path}: festivals[0].dates[0] (sale)" in out and "nothing was trained" in out
    assert registered_versions(settings) == 0


def test_an_empty_calendar_variable_means_the_built_in_calendar(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOPML_CALENDAR_FILE", " ")
    assert Settings().calendar_file is None
