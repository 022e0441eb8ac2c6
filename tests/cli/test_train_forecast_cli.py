"""`shopml train forecast` prints the validation scores beside the series and window they were scored on."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from features.settings import Settings
from tests.cli.test_evaluate_dates import flat
from tests.cli.test_evaluate_forecast_scope import shop_events  # noqa: F401  (fixture)
from training.cli.apps import app

runner = CliRunner()


def test_the_validation_table_names_the_scored_series_and_window(settings: Settings, shop_events: Path) -> None:  # noqa: F811
    import mlflow

    assert runner.invoke(app, ["ingest", str(shop_events), "--format", "canonical"]).exit_code == 0
    result = runner.invoke(app, ["train", "forecast"])
    out = flat(result.output)
    assert result.exit_code == 0, out
    assert "scored series" in out and "validation window" in out and "served series" in out
    run = mlflow.search_runs(experiment_names=["shopml-forecast"]).iloc[0]
    scored, served = int(run["metrics.W.holdout_series"]), int(run["metrics.W.served_series"])
    assert 0 < scored <= served
    assert f" {scored} " in out and f" {served} " in out
