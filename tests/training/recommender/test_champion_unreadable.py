"""A champion whose folder cannot be read could not serve either: it scores 0 and the candidate wins."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from training.recommender.artifacts import ARRAYS, META
from training.recommender.champion import champion_holdout_score
from training.recommender.model import Context, RecommenderConfig


@pytest.mark.parametrize("damage", ["corrupt arrays", "no meta", "bad json"])
def test_an_unreadable_champion_scores_zero(tmp_path: Path, damage: str) -> None:
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / ARRAYS).write_bytes(b"PK\x03\x04 not a zip file")
    if damage != "no meta":
        (folder / META).write_text("{not json" if damage == "bad json" else json.dumps({"features": []}))
    score = champion_holdout_score(tmp_path, holdout=None, config=RecommenderConfig(),  # type: ignore[arg-type]
                                   events=pd.DataFrame(), context=Context())
    assert score == 0.0
