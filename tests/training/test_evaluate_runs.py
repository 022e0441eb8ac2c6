"""`evaluate` runs open their MLflow run before the backtest: a failure leaves a FAILED run with its error."""

from __future__ import annotations

import mlflow
import pandas as pd
import pytest

from features.settings import Settings
from training.churn import pipeline as churn_pipeline
from training.churn.model import ChurnConfig
from training.errors import NotEnoughData


def _runs(experiment: str) -> pd.DataFrame:
    return mlflow.search_runs(experiment_names=[f"shopml-{experiment}"])


def test_a_failed_churn_evaluation_leaves_a_failed_run(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise NotEnoughData("the backtest broke half way")

    monkeypatch.setattr(churn_pipeline, "run_backtest", broken)
    events = pd.DataFrame({"timestamp": pd.to_datetime(["2025-01-01"], utc=True), "event_type": ["purchase"]})
    with pytest.raises(NotEnoughData):
        churn_pipeline.evaluate(churn_pipeline.ShopData(events, None, None), as_of="2025-01-01",
                                config=ChurnConfig(), settings=settings)
    run = _runs("churn").iloc[0]
    assert run["status"] == "FAILED" and run["tags.error"] == "the backtest broke half way"
    assert run["params.as_of"] == "2025-01-01"


def test_a_failed_forecast_evaluation_leaves_a_failed_run(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from tests.training.forecast.shop import small_events
    from training.cli import forecast as forecast_cli
    from training.cli.apps import app
    from training.forecast import evaluate as forecast_evaluate

    def broken(*args: object, **kwargs: object) -> None:
        raise NotEnoughData("the backtest broke half way")

    monkeypatch.setattr(forecast_evaluate, "evaluate", broken)
    monkeypatch.setattr(forecast_cli, "_load_events", lambda *a: (small_events(n_items=4, days=300), None, None))
    result = CliRunner().invoke(app, ["evaluate", "forecast", "--freq", "W"])
    assert result.exit_code == 2 and "the backtest broke half way" in result.output, result.output
    run = _runs("forecast").iloc[0]
    assert run["status"] == "FAILED" and "the backtest broke half way" in run["tags.error"]
