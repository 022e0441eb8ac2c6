"""`shopml evaluate recommender` on purchases of a single product (a CDNOW file) says there is nothing to
rank, instead of advising more history or a later cutoff."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from features.settings import Settings
from tests.cli.test_evaluate_dates import flat
from training.cli.apps import app

runner = CliRunner()


def test_one_product_is_nothing_to_rank(settings: Settings, tmp_path: Path) -> None:
    days = pd.date_range("2024-01-01", periods=300, freq="D")
    lines = [f"{c:05d} {c:05d} {day:%Y%m%d} 1 12.50" for k, day in enumerate(days) for c in range(k % 40, 200, 40)]
    path = tmp_path / "cdnow.txt"
    path.write_text("\n".join(lines) + "\n")
    result = runner.invoke(app, ["evaluate", "recommender", "--source", str(path), "--format", "cdnow"])
    out = flat(result.output)
    assert result.exit_code == 2, out
    assert ("cannot evaluate the recommender at 2024-08-18: the purchases before it are of 1 product(s), "
            "so there is nothing to rank") in out


def test_a_champion_that_cannot_be_compared_is_said_in_words() -> None:
    from training.cli.recommender import champion_text

    assert champion_text(float("inf")).startswith("not comparable")
    assert champion_text(None) == "none" and champion_text(0.41234) == "0.4123"
