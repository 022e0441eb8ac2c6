"""A champion whose folder cannot be read could not serve either: it scores 0 and the candidate wins."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from training.recommender.artifacts import ARRAYS, META
from training.recommender.model import RecommenderConfig
from training.recommender.pipeline import champion_holdout_score


@pytest.mark.parametrize("damage", ["corrupt arrays", "no meta", "bad json"])
def test_an_unreadable_champion_scores_zero(tmp_path: Path, damage: str) -> None:
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / ARRAYS).write_bytes(b"PK\x03\x04 not a zip file")
    if damage != "no meta":
        (folder / META).write_text("{not json" if damage == "bad json" else json.dumps({"features": []}))
    assert champion_holdout_score(tmp_path, holdout=None, config=RecommenderConfig()) == 0.0  # type: ignore[arg-type]
