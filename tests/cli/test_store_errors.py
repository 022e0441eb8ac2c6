"""An event store the settings cannot open (bad SHOPML_DATABASE_URL, SHOPML_HOME a file) stops the
command with one line naming the variable and the reason, exit code 2, before the files are read."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from features.settings import Settings
from training.cli.apps import app

runner = CliRunner()


@pytest.fixture
def events_file(tmp_path: Path) -> Path:
    path = tmp_path / "events.csv"
    path.write_text("customer_id,item_id,timestamp\nc1,i1,2024-01-01T00:00:00Z\n")
    return path


INGEST = ["ingest", "{tmp}/events.csv"]
NOT_A_URL = ("SHOPML_DATABASE_URL", "notaurl", "SHOPML_DATABASE_URL='notaurl': not a database URL")
REFUSED = ("SHOPML_DATABASE_URL", "postgresql+psycopg://u:secret@127.0.0.1:1/x",
           "SHOPML_DATABASE_URL='postgresql+psycopg://***@127.0.0.1:1/x': cannot open the event store: connection failed")
HOME_IS_A_FILE = ("SHOPML_HOME", "{tmp}/events.csv",
                  "SHOPML_HOME='{tmp}/events.csv': {tmp}/events.csv is a file, not a folder")


@pytest.mark.parametrize(("command", "variable", "value", "expected"), [
    (INGEST, *NOT_A_URL), (INGEST, *REFUSED), (INGEST, *HOME_IS_A_FILE),
    (["train", "churn"], *NOT_A_URL), (["train"], *HOME_IS_A_FILE),
    (["evaluate", "recommender"], *NOT_A_URL), (["evaluate", "churn"], *HOME_IS_A_FILE),
    (["evaluate", "forecast"], *NOT_A_URL),
])
def test_a_store_that_cannot_open_names_the_variable(settings: Settings, events_file: Path,
                                                      monkeypatch: pytest.MonkeyPatch, command: list[str],
                                                      variable: str, value: str, expected: str) -> None:
    tmp = str(events_file.parent)
    monkeypatch.setenv(variable, value.format(tmp=tmp))
    result = runner.invoke(app, [arg.format(tmp=tmp) for arg in command])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(expected.format(tmp=tmp)), result.output
    assert "secret" not in result.output
