"""The backtest: shopml and every peer on one split, one table, no peeking past the cutoff."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from tests.training.forecast.shop import START, small_events, tiny_config
from training.forecast.backtest import SHOPML, comparison, ratio_intervals, run_backtest
from training.forecast.metrics import METRICS

CUTOFF = START + pd.Timedelta(days=7 * 32)  # a Monday


@pytest.fixture(scope="module")
def events() -> pd.DataFrame:
    return small_events(n_items=16)


def test_weekly_table_has_shopml_and_every_peer(events: pd.DataFrame) -> None:
    cfg = tiny_config()
    res = run_backtest(events, cutoff=CUTOFF, spec=cfg.specs["W"], top=10, config=cfg)
    assert list(res.table.columns) == list(METRICS)
    assert set(res.table.index) == {SHOPML, "mean_4w", "median_8w", "empirical_13w", "AutoETS",
                                    "CrostonOptimized", "TSB"}
    assert res.table.loc[SHOPML].notna().all()
    assert 0.0 <= res.table.loc[SHOPML, "coverage_p10_p90"] <= 1.0
    comp = comparison(res.table)
    assert list(comp.index) == ["wape_p50", "rmsse_mean", "pinball_scaled", "coverage_p10_p90"]
    intervals = ratio_intervals(res, draws=200)
    with_ci = comparison(res.table, intervals=intervals)
    for metric, (low, high) in intervals.items():
        assert low <= comp.loc[metric, "ratio"] <= high
        assert with_ci.loc[metric, "ratio 95% CI"] == f"{low:.3f}-{high:.3f}"
    for metric in ("wape_p50", "rmsse_mean", "mase_p50", "pinball_scaled"):  # per-series pieces add up to the table
        part = res.per_series[SHOPML]["abs_error_p50" if metric == "wape_p50" else metric]
        expected = res.table.loc[SHOPML, metric]
        got = part.sum() / res.forecasts.query("model == @SHOPML")["y"].sum() if metric == "wape_p50" else part.mean()
        assert got == pytest.approx(expected)
    assert res.forecasts["ds"].min() == CUTOFF.tz_localize(None)


def test_the_level_table_scores_the_sums_of_the_scored_products(events: pd.DataFrame) -> None:
    cfg = tiny_config()
    res = run_backtest(events, cutoff=CUTOFF, spec=cfg.specs["W"], top=10, config=cfg)
    assert res.levels is not None and list(res.levels.columns) == list(METRICS)
    assert set(res.levels.index) == set(res.table.index)
    own = res.forecasts.query("model == @SHOPML")
    # the shop total is one of the levels: its mean is the items' means summed, so its pooled bias is theirs
    assert res.levels.loc[SHOPML, "bias_mean"] == pytest.approx(res.table.loc[SHOPML, "bias_mean"])
    total = own.groupby("ds")[["y", "mean"]].sum()
    assert (total["mean"] > 0).all() and res.levels.loc[SHOPML].notna().all()
    # sums are far smoother than single products: every model's scaled errors are smaller on them
    assert res.levels.loc["median_8w", "wape_p50"] < res.table.loc["median_8w", "wape_p50"]


def test_daily_table_has_seasonal_naive_and_no_future_leak(events: pd.DataFrame) -> None:
    cfg = tiny_config()
    res = run_backtest(events, cutoff=CUTOFF, spec=cfg.specs["D"], horizon=14, top=6, config=cfg)
    assert "seasonal_naive" in res.table.index
    changed = events.copy()
    after = changed["timestamp"] >= CUTOFF
    changed.loc[after, "quantity"] = changed.loc[after, "quantity"] * 10
    res2 = run_backtest(changed, cutoff=CUTOFF, spec=cfg.specs["D"], horizon=14, top=6, config=cfg)
    cols = ["mean", "p10", "p50", "p90"]
    a = res.forecasts[res.forecasts["model"] == SHOPML][cols].to_numpy()
    b = res2.forecasts[res2.forecasts["model"] == SHOPML][cols].to_numpy()
    assert (a == b).all()
    assert not res.table.loc[SHOPML].equals(res2.table.loc[SHOPML])  # only the truth changed


def test_comparison_without_any_peer_figure_names_no_peer() -> None:
    table = pd.DataFrame({"wape_p50": [0.5, np.nan, np.nan], "rmsse_mean": [1.0, 1.2, 0.9],
                          "pinball_scaled": [0.3, np.nan, 0.4], "coverage_p10_p90": [0.8, np.nan, 0.7]},
                         index=["shopml", "mean_4w", "median_8w"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        comp = comparison(table)
    assert comp.loc["wape_p50", "best_peer_name"] == ""
    assert not comp.loc["wape_p50", "met"]
    assert comp.loc["rmsse_mean", "best_peer_name"] == "median_8w"
    assert comp.loc["pinball_scaled", "met"]


def test_evaluate_keeps_the_ratio_intervals_with_each_result(events: pd.DataFrame) -> None:
    from training.forecast.evaluate import evaluate

    cfg = tiny_config()
    seen: list[str] = []
    results = evaluate(events, cutoff=str(CUTOFF.date()), freqs=["W"], horizon=None, top=10, config=cfg,
                       on_table=lambda freq, res: seen.append(freq) if res.intervals else None)
    res = results["W"]
    assert seen == ["W"]  # the intervals are there when the table is shown
    assert res.intervals == ratio_intervals(res)
    assert set(res.intervals) == {"wape_p50", "rmsse_mean", "pinball_scaled"}


def test_with_both_frequencies_the_scored_days_add_up_to_the_weekly_means(events: pd.DataFrame) -> None:
    cfg = tiny_config()
    weekly = run_backtest(events, cutoff=CUTOFF, spec=cfg.specs["W"], top=10, config=cfg, horizon=4)
    daily = run_backtest(events, cutoff=CUTOFF, spec=cfg.specs["D"], top=10, config=cfg, horizon=28, weekly=weekly)
    alone = run_backtest(events, cutoff=CUTOFF, spec=cfg.specs["D"], top=10, config=cfg, horizon=28)

    def shopml(res: object) -> pd.DataFrame:
        f = res.forecasts  # type: ignore[attr-defined]
        return f[f["model"] == SHOPML].assign(week=lambda d: d["ds"] - pd.to_timedelta(d["ds"].dt.dayofweek, "D"))

    days = shopml(daily).groupby(["unique_id", "week"])["mean"].sum()
    weeks = shopml(weekly).set_index(["unique_id", "ds"])["mean"]
    np.testing.assert_allclose(days.to_numpy(), weeks.reindex(days.index).to_numpy(), rtol=1e-9)
    assert not np.allclose(shopml(alone)["mean"].to_numpy(), shopml(daily)["mean"].to_numpy())
    peers = daily.table.drop(index=SHOPML)
    pd.testing.assert_frame_equal(peers, alone.table.drop(index=SHOPML))  # the peers are untouched
