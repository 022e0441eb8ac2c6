"""The default evaluation cutoff comes from the data, never from a particular data set."""

from __future__ import annotations

import pandas as pd
import pytest

from training.forecast.evaluate import default_cutoff


@pytest.mark.parametrize(("end", "expected"), [
    ("2010-12-09 20:01", "2010-10-11"),  # a Thursday: the Monday of its week, 8 weeks back
    ("2010-11-29 00:00", "2010-10-04"),  # a Monday
    ("2024-03-03 23:59", "2024-01-01"),  # a Sunday
])
def test_last_monday_with_eight_full_weeks_after_it(end: str, expected: str) -> None:
    events = pd.DataFrame({"timestamp": pd.to_datetime(["2009-12-01 00:00", end], utc=True)})
    cutoff = pd.Timestamp(default_cutoff(events))
    assert str(cutoff.date()) == expected
    assert cutoff.weekday() == 0
    assert cutoff + pd.Timedelta(weeks=8) <= pd.Timestamp(end).normalize() + pd.Timedelta(days=1)
