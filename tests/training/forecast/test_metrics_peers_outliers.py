"""Metrics, simple peers and bulk-order capping."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.training.forecast.shop import START, small_events
from training.forecast.metrics import score
from training.forecast.outliers import cap_bulk_orders
from training.forecast.peers import empirical_quantiles, seasonal_naive, window_mean, window_median


def test_perfect_forecast_scores_zero_and_full_coverage() -> None:
    y = np.array([[1.0, 2.0, 3.0], [0.0, 5.0, 1.0]])
    m = score(y, {"mean": y, "p50": y, "p10": y - 1, "p90": y + 1}, np.array([1.0, 2.0]))
    assert m["wape_p50"] == 0 and m["rmsse_mean"] == 0
    assert m["pinball_scaled"] == pytest.approx(np.mean([0.2 / 3 / 1.0, 0.2 / 3 / 2.0]))  # tails miss by 1
    assert m["coverage_p10_p90"] == 1.0 and m["bias_mean"] == 0


def test_metric_values_by_hand() -> None:
    y = np.array([[2.0, 2.0]])
    f = np.array([[1.0, 3.0]])
    m = score(y, {"mean": f + 1, "p50": f, "p10": f, "p90": f}, np.array([2.0]))
    assert m["wape_p50"] == pytest.approx(0.5)
    assert m["mase_p50"] == pytest.approx(0.5)
    assert m["rmsse_mean"] == pytest.approx(np.sqrt((0 + 4) / 2) / 2)
    assert m["bias_mean"] == pytest.approx((6 - 4) / 4)
    assert m["coverage_p10_p90"] == 0.0
    assert np.isnan(score(y, {"mean": f, "p50": f}, np.array([2.0]))["pinball_scaled"])


def test_shape_errors_name_the_problem() -> None:
    with pytest.raises(ValueError, match="shape"):
        score(np.ones((2, 3)), {"mean": np.ones((2, 2)), "p50": np.ones((2, 3))}, np.ones(2))


def test_window_peers() -> None:
    y = np.array([[1.0, 2, 3, 4, 5, 6, 7, 8]])
    assert window_mean(y, 2, 4)["mean"].tolist() == [[6.5, 6.5]]
    assert window_median(y, 3, 3)["p50"].tolist() == [[7.0] * 3]
    assert seasonal_naive(y, 5, 2)["mean"].tolist() == [[7, 8, 7, 8, 7]]
    emp = empirical_quantiles(y, 1, 8)
    assert emp["p10"][0, 0] < emp["p50"][0, 0] < emp["p90"][0, 0]


def test_bulk_orders_are_capped_only_before_as_of() -> None:
    events = small_events(n_items=3, days=150)
    as_of = START + pd.Timedelta(days=140)
    capped = cap_bulk_orders(events, as_of=as_of)
    big = events["quantity"].idxmax()
    assert events.loc[big, "quantity"] == 5000
    assert capped.loc[big, "quantity"] < 100
    late = events["timestamp"] >= as_of
    pd.testing.assert_series_equal(capped.loc[late, "quantity"], events.loc[late, "quantity"])
    ordinary = (events["quantity"] <= 12) & ~late
    assert (capped.loc[ordinary, "quantity"] == events.loc[ordinary, "quantity"]).all()
