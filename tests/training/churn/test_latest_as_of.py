"""The default churn evaluation date comes from the data: the latest as-of with a full label window."""

from __future__ import annotations

import pandas as pd
import pytest

from training.churn.labels import churn_labels, label_window_end, latest_as_of


def _events(*stamps: str) -> pd.DataFrame:
    return pd.DataFrame({"customer_id": ["a"] * len(stamps), "event_type": ["purchase"] * len(stamps),
                         "timestamp": pd.to_datetime(list(stamps), utc=True)})


def test_label_window_ends_inside_the_data() -> None:
    events = _events("2010-01-04 09:00", "2010-12-09 20:01")
    as_of = latest_as_of(events, 90)
    assert as_of == pd.Timestamp("2010-09-10", tz="UTC")
    assert label_window_end(as_of, 90) <= events["timestamp"].max()
    assert latest_as_of(events, 30) == pd.Timestamp("2010-11-09", tz="UTC")


def test_a_purchase_on_the_last_day_is_outside_the_window() -> None:
    events = _events("2010-06-01 10:00", "2010-12-09 20:01")
    labels = churn_labels(events, pd.Index(["a"]), as_of=latest_as_of(events, 90), horizon_days=90)
    assert labels["a"] == 1  # the last day is partial, so it belongs to no label window


def test_no_events_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="no events"):
        latest_as_of(_events(), 90)
