"""The shopml-vs-best-peer table shows 'n/a' for a ratio interval that cannot be drawn (one product)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from training.forecast.backtest import SHOPML, comparison
from training.forecast.metrics import METRICS


def test_an_interval_of_one_product_reads_n_a() -> None:
    table = pd.DataFrame([[0.5, 1.0, 0.9, 0.1, 0.3, 0.8], [0.6, 1.1, 1.0, 0.0, 0.4, 0.7]],
                         index=pd.Index([SHOPML, "TSB"], name="model"), columns=list(METRICS))
    intervals = {"wape_p50": (np.nan, np.nan), "rmsse_mean": (0.81234, 1.02)}  # pinball_scaled: none drawn
    ci = comparison(table, intervals=intervals)["ratio 95% CI"]
    assert ci.to_dict() == {"wape_p50": "n/a", "rmsse_mean": "0.812-1.020", "pinball_scaled": "n/a",
                            "coverage_p10_p90": ""}


def test_a_perfect_peer_gives_an_infinite_ratio_without_a_warning() -> None:
    # products that never sell again: a zero forecast is perfect, so the best peer's RMSSE is 0
    table = pd.DataFrame([[np.nan, 2.0, 0.0, np.nan, 0.0, 1.0], [np.nan, 0.0, 0.0, np.nan, np.nan, np.nan]],
                         index=pd.Index([SHOPML, "median_8w"], name="model"), columns=list(METRICS))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        comp = comparison(table)
    assert comp.loc["rmsse_mean", "ratio"] == np.inf and not comp.loc["rmsse_mean", "met"]
    assert np.isnan(comp.loc["wape_p50", "ratio"]) and not comp.loc["wape_p50", "met"]
