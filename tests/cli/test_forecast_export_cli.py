"""`shopml forecast export`: the items table as it is now, the version named, bad options refused."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from features.settings import Settings
from features.store import EventStore
from tests.cli.test_evaluate_dates import flat
from tests.training.forecast.shop import small_events, small_items, tiny_config
from training.cli.apps import app
from training.forecast.train import train_and_register

runner = CliRunner()


@pytest.fixture()
def trained(settings: Settings) -> Settings:
    train_and_register(settings, events=small_events(n_items=8, days=230), items=small_items(8), config=tiny_config())
    return settings


def test_the_export_takes_the_stock_and_lead_times_of_the_store_now(trained: Settings, tmp_path: Path) -> None:
    out = tmp_path / "plan.csv"
    before = runner.invoke(app, ["forecast", "export", "--out", str(out)])
    assert before.exit_code == 0, before.output
    assert "from shopml-forecast v1" in flat(before.output)
    plan = pd.read_csv(out)
    assert (plan.loc[plan["item"] == "item01", "missing"] == "lead_time_days,stock_on_hand").all()
    store = EventStore.from_settings(trained)
    store.upsert_items(pd.DataFrame({"item_id": ["item01"], "stock_on_hand": [0.0], "lead_time_days": [7.0]}))
    store.close()
    after = runner.invoke(app, ["forecast", "export", "--out", str(out)])
    assert after.exit_code == 0, after.output
    assert "the event store's, now" in flat(after.output)
    row = pd.read_csv(out).query("item == 'item01'").iloc[0]
    assert pd.isna(row["missing"]) and row["reorder_point"] > 0 and row["suggested_order"] > 0


@pytest.mark.parametrize(("args", "named"), [
    (["--model", "nosuch"], "no version or alias 'nosuch'"),
    (["--model", "99"], "no version or alias '99'"),
    (["--service-level", "0.5"], "--service-level"),
    (["--service-level", "1"], "--service-level"),
    (["--freq", "M"], "--freq"),
    (["--order-cost", "10"], "--holding-cost"),
    (["--holding-cost", "1"], "--order-cost"),
    (["--order-cost", "10", "--holding-cost", "0"], "--holding-cost"),
    (["--order-cost", "-1", "--holding-cost", "1"], "--order-cost"),
])
def test_bad_export_options_are_refused(settings: Settings, tmp_path: Path, args: list[str], named: str) -> None:
    out = tmp_path / "plan.csv"
    result = runner.invoke(app, ["forecast", "export", "--out", str(out), *args])
    assert result.exit_code == 2, result.output
    assert named in flat(result.output) and not out.exists()
    assert "items table" not in result.output  # refused before any work


def test_an_export_onto_a_folder_is_refused(settings: Settings, tmp_path: Path) -> None:
    folder = tmp_path / "plan.csv"
    folder.mkdir()
    result = runner.invoke(app, ["forecast", "export", "--out", str(folder)])
    assert result.exit_code == 2 and "is a folder" in flat(result.output)


def test_the_export_orders_eoq_lots_when_both_costs_are_given(trained: Settings, tmp_path: Path) -> None:
    store = EventStore.from_settings(trained)
    store.upsert_items(pd.DataFrame({"item_id": ["item01"], "stock_on_hand": [0.0], "lead_time_days": [7.0]}))
    store.close()
    out = tmp_path / "plan.parquet"
    result = runner.invoke(app, ["forecast", "export", "--out", str(out), "--order-cost", "40", "--holding-cost", "2"])
    assert result.exit_code == 0, result.output
    row = pd.read_parquet(out).query("item == 'item01'").iloc[0]
    assert row["eoq"] > 0 and row["suggested_order"] % math.ceil(row["eoq"]) == 0 and row["suggested_order"] > 0
