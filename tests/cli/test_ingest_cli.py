"""`shopml ingest` end to end: counts printed, bad files rejected whole, re-runs add nothing."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from features.settings import Settings
from features.store import EventStore
from tests.cli.test_evaluate_dates import flat
from training.cli.apps import app

runner = CliRunner()


def write_retail(tmp_path: Path) -> Path:
    rows = [
        ("489434", "85048", "LED LIGHTS", 12, "2009-12-01 07:45:00", 6.95, 13085.0, "United Kingdom"),
        ("489434", "POST", "POSTAGE", 1, "2009-12-01 07:45:00", 18.0, 13085.0, "United Kingdom"),
        ("C489449", "85048", "LED LIGHTS", -2, "2009-12-02 10:00:00", 6.95, 13085.0, "United Kingdom"),
        ("489450", "22041", "RECORD FRAME", 48, "2009-12-02 11:00:00", 2.1, None, "United Kingdom"),
    ]
    cols = ["Invoice", "StockCode", "Description", "Quantity", "InvoiceDate", "Price", "Customer ID", "Country"]
    path = tmp_path / "retail.csv"
    pd.DataFrame(rows, columns=cols).to_csv(path, index=False)
    return path


def test_ingest_reports_and_is_idempotent(settings: Settings, tmp_path: Path) -> None:
    path = write_retail(tmp_path)
    first = runner.invoke(app, ["ingest", str(path), "--format", "online-retail"])
    assert first.exit_code == 0, first.output
    assert re.search(r"read\s+4 rows from .*retail.csv", first.output)
    assert re.search(r"kept\s+3 events", first.output)
    assert re.search(r"dropped\s+1 rows\s+1  non-product stock code", first.output)
    assert re.search(r"note\s+1 returns \(cancellations\)", first.output)
    assert re.search(r"note\s+1 rows without a customer", first.output)
    assert re.search(r"added\s+3 new events \(0 were already stored\)", first.output)
    second = runner.invoke(app, ["ingest", str(path), "--format", "online-retail"])
    assert re.search(r"added\s+0 new events \(3 were already stored\)", second.output)
    assert EventStore.from_settings(settings).count_events() == 3


def test_bad_side_table_rejects_everything(settings: Settings, tmp_path: Path) -> None:
    events = tmp_path / "events.csv"
    events.write_text("customer_id,item_id,timestamp\nc1,i1,2024-01-01T00:00:00Z\n")
    items = tmp_path / "items.csv"
    items.write_text("item_id,stock_on_hand\ni1,-4\n")
    out = runner.invoke(app, ["ingest", str(events), "--items", str(items)])
    assert out.exit_code == 1
    assert f"{items}: row 1, column 'stock_on_hand': '-4' is not a non-negative integer" in out.output
    assert EventStore.from_settings(settings).count_events() == 0


@pytest.mark.parametrize("option", [None, "--items", "--customers", "--promotions"])
def test_a_folder_instead_of_a_file_is_refused(settings: Settings, tmp_path: Path, option: str | None) -> None:
    events = tmp_path / "events.csv"
    events.write_text("customer_id,item_id,timestamp\nc1,i1,2024-01-01T00:00:00Z\n")
    folder = tmp_path / "a-folder"
    folder.mkdir()
    args = ["ingest", str(folder)] if option is None else ["ingest", str(events), option, str(folder)]
    out = runner.invoke(app, args)
    assert out.exit_code == 2, out.output
    assert "Traceback" not in out.output
    named = "events" if option is None else option
    assert f"Invalid value for '{named}': file '{folder}' is a directory" in flat(out.output)
    assert EventStore.from_settings(settings).count_events() == 0


def test_items_alone_update_stock_without_an_events_file(settings: Settings, tmp_path: Path) -> None:
    events = tmp_path / "events.csv"
    events.write_text("customer_id,item_id,timestamp\nc1,i1,2024-01-01T00:00:00Z\n")
    assert runner.invoke(app, ["ingest", str(events)]).exit_code == 0
    items = tmp_path / "items.csv"
    items.write_text("item_id,in_stock,stock_on_hand\ni1,false,0\n")
    out = runner.invoke(app, ["ingest", "--items", str(items)])
    assert out.exit_code == 0, out.output
    assert re.search(r"items\s+1 rows loaded", out.output) and "read " not in out.output
    store = EventStore.from_settings(settings)
    row = store.read_items().set_index("item_id").loc["i1"]
    assert not bool(row["in_stock"]) and row["stock_on_hand"] == 0
    assert store.count_events() == 1


def test_ingest_without_any_file_is_refused(settings: Settings) -> None:
    out = runner.invoke(app, ["ingest"])
    assert out.exit_code == 2 and "give an events file, or at least one of --items" in flat(out.output)


def test_customers_rows_of_erased_customers_are_counted_as_skipped(settings: Settings, tmp_path: Path) -> None:
    store = EventStore.from_settings(settings)
    store.erase_customer("C2")
    store.close()
    table = tmp_path / "customers.csv"
    table.write_text("customer_id,region,personalization_opt_out\nC1,east,false\nC2,west,true\n")
    result = runner.invoke(app, ["ingest", "--customers", str(table)])
    assert result.exit_code == 0, result.output
    assert re.search(r"customers\s+1 rows loaded", result.output), result.output
    assert re.search(r"skipped\s+1 customers rows of customers who asked to be erased", result.output)
    store = EventStore.from_settings(settings)
    assert set(store.read_customers()["customer_id"]) == {"C1"}
    store.close()


def test_a_value_the_database_refuses_is_a_one_line_error(settings: Settings, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlalchemy.exc import DataError

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise DataError("INSERT ...", {}, Exception("value too long for type character varying(128)\nDETAIL: ..."))

    monkeypatch.setattr(EventStore, "ingest", refuse)
    result = runner.invoke(app, ["ingest", str(write_retail(tmp_path)), "--format", "online-retail"])
    assert result.exit_code == 1
    assert ("retail.csv: rejected by the database, nothing was stored: value too long for type character "
            "varying(128)") in flat(result.output)
    assert "Traceback" not in result.output and "INSERT" not in result.output
