"""The two rankers (all items, new items) trained side by side equal the same rankers trained alone."""

from __future__ import annotations

import numpy as np
import pandas as pd

from training.recommender.candidates import FEATURES
from training.recommender.model import RecommenderConfig
from training.recommender.pipeline import _rankers
from training.recommender.ranker import fit_ranker


def _frame(rows: int = 3000, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(rng.random((rows, len(FEATURES))).astype(np.float32), columns=list(FEATURES))
    frame["pair_orders"] = rng.integers(0, 3, rows).astype(np.float32)  # 0: an item the customer never bought
    frame.insert(0, "c", rng.integers(0, 200, rows))
    labels = (rng.random(rows) < 0.2 + 0.3 * frame["repeat"].to_numpy()).astype(float)
    return frame, labels


def test_side_by_side_training_changes_no_score() -> None:
    frame, labels = _frame()
    config = RecommenderConfig()
    both = _rankers([(frame, labels)], pd.Timestamp("2026-01-01", tz="UTC"), config)
    new = (frame["pair_orders"] == 0).to_numpy()
    alone_all = fit_ranker(frame, labels, config.ranker)
    alone_new = fit_ranker(frame.loc[new].reset_index(drop=True), labels[new], config.new_ranker)
    x = frame[list(FEATURES)].to_numpy(dtype=np.float32)
    np.testing.assert_array_equal(both.all_items.predict(x), alone_all.predict(x))
    np.testing.assert_array_equal(both.new_items.predict(x), alone_new.predict(x))
