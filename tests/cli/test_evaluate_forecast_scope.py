"""`shopml evaluate forecast` without --cutoff picks a cutoff that fits the --horizon, and its tables say
how many products they scored."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from features.settings import Settings
from tests.cli.test_evaluate_dates import flat
from training.cli.apps import app

runner = CliRunner()


@pytest.fixture
def shop_events(tmp_path: Path) -> Path:
    """A small synthetic shop of 30 products over 330 days, from Monday 2024-01-01."""
    from features.synthetic import generate_shop

    events = generate_shop(n_customers=150, n_items=30, days=330, seed=1, start="2024-01-01").events
    path = tmp_path / "events.csv"
    events.to_csv(path, index=False)
    return path


def test_a_long_horizon_gets_a_default_cutoff_with_room_for_it(settings: Settings, shop_events: Path) -> None:
    end = pd.read_csv(shop_events)["timestamp"].max()
    result = runner.invoke(app, ["evaluate", "forecast", "--freq", "W", "--horizon", "9", "--top", "500",
                                 "--source", str(shop_events), "--format", "canonical"])
    out = flat(result.output)
    assert result.exit_code == 0, out
    latest = pd.Timestamp(end[:10]) - pd.Timedelta(weeks=9)
    cutoff = latest - pd.Timedelta(days=latest.dayofweek)  # the last Monday with 9 weeks of data after it
    sold = pd.read_csv(shop_events).query("event_type == 'purchase' and timestamp < @cutoff.isoformat()")
    n = sold["item_id"].nunique()
    assert n < 500
    assert (f"forecast backtest, weekly, horizon 9, cutoff {cutoff.date()}, "
            f"all {n} products sold before it (fewer than --top 500)") in out


def test_a_test_window_without_sales_is_pointed_out() -> None:
    from training.cli.forecast import empty_window_note
    from training.forecast.backtest import BacktestResult

    def result(units: list[float]) -> BacktestResult:
        forecasts = pd.DataFrame({"model": "shopml", "unique_id": "I1", "ds": pd.date_range("2024-01-01", periods=2),
                                  "y": units})
        return BacktestResult(table=pd.DataFrame(), forecasts=forecasts, seconds={})

    assert empty_window_note(result([0.0, 3.0])) is None
    note = empty_window_note(result([0.0, 0.0]))
    assert note is not None and "sold nothing in the test window, so WAPE and bias are undefined" in note


def test_the_evaluate_run_logs_the_data_window_and_shopml_settings(settings: Settings, shop_events: Path) -> None:
    import mlflow

    result = runner.invoke(app, ["evaluate", "forecast", "--freq", "W", "--horizon", "4", "--top", "10",
                                 "--source", str(shop_events), "--format", "canonical"])
    assert result.exit_code == 0, flat(result.output)
    run_id = flat(result.output).rsplit("logged to MLflow run ", 1)[1].split()[0]
    run = mlflow.get_run(run_id)
    stamps = pd.to_datetime(pd.read_csv(shop_events)["timestamp"])
    assert run.data.params["events"] == str(len(stamps))
    assert pd.Timestamp(run.data.params["data_end"]) == stamps.max()
    assert run.data.params["shopml.learning_rate"] == "0.12" and run.data.params["shopml.coverage_target"] == "0.8"
    spec = mlflow.artifacts.load_dict(f"runs:/{run_id}/settings/spec_W.json")
    assert spec["horizon"] >= 4
