"""Validation cutoffs never reach the test window; the tuning harness scores configs against the peers."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.training.forecast.shop import START, small_events, tiny_config
from training.forecast.tuning import score_configs, summary, validation_cutoffs


def test_validation_cutoffs_end_before_the_test_cutoff() -> None:
    cuts = validation_cutoffs("2010-10-04", horizon_weeks=8, count=3)
    assert [c.date().isoformat() for c in cuts] == ["2010-07-26", "2010-08-02", "2010-08-09"]
    assert all(c + pd.Timedelta(weeks=8) <= pd.Timestamp("2010-10-04") for c in cuts)
    with pytest.raises(ValueError, match="Monday"):
        validation_cutoffs("2010-10-05", horizon_weeks=8, count=1)


def test_score_configs_reports_ratios_to_the_best_peer() -> None:
    events = small_events(n_items=10, days=280)
    cut = START + pd.Timedelta(weeks=32)
    scores = score_configs(events, [cut], {"tiny": tiny_config()}, top=6, statsforecast_peers=False)
    assert list(scores["config"]) == ["tiny"] and scores["wape_x"].iloc[0] > 0
    assert set(summary(scores).columns) >= {"wape_x", "rmsse_x", "pinball_x", "coverage"}
