"""`shopml evaluate forecast`: the earliest cutoff a too-early one suggests is a Monday the forecaster
can be fitted at, and the week before it is refused up front (the model's own minimum history)."""

from __future__ import annotations

import re
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
    """A small synthetic shop whose first purchase is on Monday 2024-01-01 at 07:25."""
    from features.synthetic import generate_shop

    events = generate_shop(n_customers=150, n_items=30, days=300, seed=1, start="2024-01-01").events
    first = events.iloc[[0]].assign(timestamp=pd.Timestamp("2024-01-01 07:25", tz="UTC"), event_type="purchase")
    path = tmp_path / "events.csv"
    pd.concat([first, events], ignore_index=True).to_csv(path, index=False)
    return path


def evaluate(events: Path, cutoff: str) -> tuple[int, str]:
    result = runner.invoke(app, ["evaluate", "forecast", "--cutoff", cutoff, "--freq", "both", "--top", "5",
                                 "--source", str(events), "--format", "canonical"])
    return result.exit_code, flat(result.output)


def test_the_suggested_earliest_cutoff_is_accepted(settings: Settings, shop_events: Path) -> None:
    code, out = evaluate(shop_events, "2024-01-01")
    assert code == 2, out
    found = re.search(r"too little history: .* \(earliest cutoff: (\d{4}-\d\d-\d\d)\)", out)
    assert found, out
    earliest = pd.Timestamp(found.group(1))
    assert earliest.dayofweek == 0  # weekly buckets start on Mondays
    code, out = evaluate(shop_events, str((earliest - pd.Timedelta(weeks=1)).date()))
    assert code == 2 and f"(earliest cutoff: {earliest.date()})" in out, out
    code, out = evaluate(shop_events, str(earliest.date()))
    assert code == 0, out  # neither the date check nor the model's NotEnoughData refuses it
    assert f"forecast backtest, weekly, horizon 8, cutoff {earliest.date()}" in out
    assert f"forecast backtest, daily, horizon 28, cutoff {earliest.date()}" in out
