"""`shopml evaluate * --source F --format L`: a missing file, an unknown layout or a file that is not in
that layout stops every evaluate command with the reason and exit code 2, not a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from features.settings import Settings
from tests.cli.test_evaluate_dates import flat
from training.cli.apps import app

runner = CliRunner()
COMMANDS = ["recommender", "churn", "forecast"]


@pytest.fixture
def canonical_file(tmp_path: Path) -> Path:
    path = tmp_path / "events.csv"
    path.write_text("customer_id,item_id,timestamp\nc1,i1,2024-01-01T00:00:00Z\n")
    return path


def evaluate(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["evaluate", *args])
    assert not isinstance(result.exception, (ValueError, OSError)), result.exception
    return result.exit_code, flat(result.output)


@pytest.mark.parametrize("command", COMMANDS)
def test_missing_source_is_refused(settings: Settings, tmp_path: Path, command: str) -> None:
    code, out = evaluate(command, "--source", str(tmp_path / "nonexist.csv"))
    assert code == 2, out
    assert "Invalid value for '--source'" in out and "does not exist" in out


@pytest.mark.parametrize("command", COMMANDS)
def test_folder_source_is_refused(settings: Settings, tmp_path: Path, command: str) -> None:
    code, out = evaluate(command, "--source", str(tmp_path))
    assert code == 2, out
    assert "Invalid value for '--source'" in out and "is a directory" in out


@pytest.mark.parametrize("command", COMMANDS)
def test_unknown_format_is_refused(settings: Settings, canonical_file: Path, command: str) -> None:
    code, out = evaluate(command, "--source", str(canonical_file), "--format", "bogus")
    assert code == 2, out
    assert "Invalid value for '--format'" in out and "'bogus' is not one of 'canonical', 'online-retail'" in out


@pytest.mark.parametrize("command", COMMANDS)
def test_file_in_another_layout_says_so_and_suggests_format(settings: Settings, canonical_file: Path,
                                                           command: str) -> None:
    code, out = evaluate(command, "--source", str(canonical_file))  # --format defaults to online-retail
    assert code == 2, out
    assert f"{canonical_file}: rejected, nothing was stored" in out
    assert "column 'Country': required Online Retail column is missing" in out
    assert "read as --format online-retail; if the file has another layout, pass --format canonical" in out


@pytest.mark.parametrize("command", COMMANDS)
def test_format_without_source_is_refused(settings: Settings, command: str) -> None:
    # the event store would be read whatever the layout: the option would be silently ignored
    code, out = evaluate(command, "--format", "canonical")
    assert code == 2, out
    assert "Invalid value for --format: applies to a --source file only; without --source the event store is read" in out
