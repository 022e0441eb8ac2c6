"""`shopml evaluate churn` and `shopml train churn` with a churn horizon the data or pandas cannot hold,
and a trained horizon other than 90 days that serving reports."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from features.settings import Settings
from tests.training.churn.shop import FAST, small_events
from training.churn.model import ChurnConfig
from training.churn.pipeline import ShopData, fit_final, package
from training.churn.runtime import ChurnRuntime
from training.cli.apps import app

runner = CliRunner()


def flat(text: str) -> str:
    """CLI output without rich's box characters and line breaks."""
    return re.sub(r"\s+", " ", re.sub(r"[│╭╮╰╯─]", " ", text))


@pytest.fixture()
def year_of_events(tmp_path: Path) -> Path:
    """A canonical events file from 2010-01-04 to 2010-12-30."""
    days = pd.date_range("2010-01-04", "2010-12-30", freq="3D")
    events = pd.DataFrame({"customer_id": [f"C{k % 7}" for k in range(len(days))], "item_id": "I1",
                           "timestamp": days.strftime("%Y-%m-%dT10:00:00Z"), "quantity": 1, "price": 2.0})
    path = tmp_path / "events.csv"
    events.to_csv(path, index=False)
    return path


@pytest.mark.parametrize("command", [["evaluate", "churn"], ["train", "churn"]])
@pytest.mark.parametrize(("days", "bound"), [("100000", "less than or equal to 3650"), ("0", "greater than or equal to 1")])
def test_a_horizon_out_of_range_is_refused_naming_the_option(settings: Settings, command: list[str], days: str,
                                                             bound: str) -> None:
    result = runner.invoke(app, [*command, "--as-of", "2010-09-09", "--horizon-days", days]
                           if command[0] == "evaluate" else [*command, "--horizon-days", days])
    out = flat(result.output)
    assert result.exit_code == 2, out
    assert "Invalid value for '--horizon-days'" in out and bound in out and "Traceback" not in out


def test_a_horizon_longer_than_the_history_names_the_horizon(settings: Settings, year_of_events: Path) -> None:
    result = runner.invoke(app, ["evaluate", "churn", "--source", str(year_of_events), "--format", "canonical",
                                 "--horizon-days", "400"])
    out = flat(result.output)
    assert result.exit_code == 2, out
    assert "Invalid value for --horizon-days" in out and "--as-of" not in out
    assert "(2010-01-04 to 2010-12-30) are too short for a 400-day horizon" in out
    assert "the longest these events allow is 151 days" in out


def test_the_longest_horizon_it_names_is_accepted(year_of_events: Path) -> None:
    from training.cli.churn import check_horizon

    stamps = pd.read_csv(year_of_events, parse_dates=["timestamp"])["timestamp"]
    check_horizon(stamps, 151)
    with pytest.raises(typer.BadParameter, match="longest these events allow is 151 days"):
        check_horizon(stamps, 152)


def test_train_churn_passes_the_horizon_on(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    from training.churn import pipeline

    seen: list[ChurnConfig] = []

    def fake_train(settings: Settings, config: ChurnConfig | None = None) -> object:
        seen.append(config or ChurnConfig())
        raise pipeline.NotEnoughData("stop here")

    monkeypatch.setattr(pipeline, "train", fake_train)
    monkeypatch.setattr("training.cli.store.check_store", lambda settings: None)
    result = runner.invoke(app, ["train", "churn", "--horizon-days", "30"])
    assert result.exit_code == 2 and "cannot train churn: stop here" in result.output
    assert [c.horizon_days for c in seen] == [30]


def test_serving_reports_the_horizon_the_model_was_trained_for(tmp_path: Path) -> None:
    events, customers = small_events()
    shop = ShopData(events, customers, None)
    model, as_of = fit_final(shop, replace(FAST, horizon_days=30))
    runtime = ChurnRuntime.load(package(shop, model, as_of, tmp_path / "model"))
    assert runtime.horizon_days == 30 and runtime.churn(runtime.customer_ids()[0])["horizon_days"] == 30
