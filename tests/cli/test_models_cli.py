"""`shopml models`: an unknown model name is refused up front, naming the argument and the families."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from features.settings import Settings
from tests.cli.test_evaluate_dates import flat
from training.cli.apps import app

runner = CliRunner()


@pytest.mark.parametrize("args", [["list", "bogus"], ["promote", "bogus", "1"], ["rollback", "bogus"]])
def test_unknown_model_is_refused(settings: Settings, args: list[str]) -> None:
    result = runner.invoke(app, ["models", *args])
    assert result.exit_code == 2, result.output
    assert "unknown model 'bogus'; allowed: recommender, churn, forecast" in flat(result.output)


@pytest.mark.parametrize("model", ["forecast", "shopml-forecast"])
def test_list_accepts_a_family_or_its_registered_name(settings: Settings, model: str) -> None:
    result = runner.invoke(app, ["models", "list", model])
    assert result.exit_code == 0, result.output
    assert "no models registered yet" in result.output
