"""Planner QA: a catalogue item that has not sold yet is forecast from how the shop's recent launches sold."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.training.forecast.shop import START, small_events, small_items, tiny_config
from training.forecast.config import WEEKLY
from training.forecast.export import export_table
from training.forecast.launch import MIN_LAUNCHES, PRICE_BANDS, SHOP, LaunchCurves, launch_curves
from training.forecast.launch_backtest import MODELS, launch_backtest
from training.forecast.pipeline import TrainResult, train_forecast_folder
from training.forecast.runtime import KEYS, ForecastRuntime

N_ITEMS = 24
LAUNCHED = range(12, 24)  # items 12..23 go on sale one after the other from day 60


def test_a_launch_curve_is_the_spread_of_launched_items_from_their_first_sale() -> None:
    y = np.zeros((14, 30))
    y[0:2, :] = 5.0  # selling from the first bucket: not launches
    for k, i in enumerate(range(2, 14)):
        y[i, 8 + k:] = np.arange(1, 23 - k) * (1 + k % 3)  # launched at bucket 8 + k, growing
    curves = launch_curves(y, ["mugs"] * 7 + ["cards"] * 7, 6, min_start=8)
    assert curves is not None
    assert curves.groups == [SHOP] and curves.launches.tolist() == [12]  # no category has 10 launches
    launches = np.vstack([y[i, 8 + k:14 + k] for k, i in enumerate(range(2, 14))])
    np.testing.assert_allclose(curves.values["mean"][0], launches.mean(axis=0))
    np.testing.assert_allclose(curves.values["p90"][0], np.quantile(launches, 0.9, axis=0))
    assert curves.row_of("mugs") == 0 and curves.row_of(None) == 0 and curves.row_of("mugs", 3.0) == 0  # no prices
    assert launch_curves(y[:2 + MIN_LAUNCHES - 1], ["mugs"] * (MIN_LAUNCHES + 1), 6, min_start=8) is None
    late = launch_curves(y, ["mugs"] * 14, 20, min_start=8)  # only launches with 20 buckets after them count
    assert late is None


def test_enough_priced_launches_get_a_curve_per_price_tercile() -> None:
    n = PRICE_BANDS * MIN_LAUNCHES
    y = np.zeros((n, 20))
    price = np.repeat([1.0, 5.0, 20.0], MIN_LAUNCHES)  # cheap items sell more units
    for i in range(n):
        y[i, 8:] = 60.0 / price[i]
    solo = [f"c{i}" for i in range(n)]  # no category has launches enough of its own
    curves = launch_curves(y, solo, 4, min_start=8, revenue=y * price[:, None])
    assert curves is not None
    assert curves.groups == [SHOP] * 4 and curves.bands.tolist() == [0, 1, 2, 3]
    assert curves.launches.tolist() == [n, MIN_LAUNCHES, MIN_LAUNCHES, MIN_LAUNCHES]
    assert curves.row_of("mugs", 0.5) == 1 and curves.row_of("mugs", 5.0) == 2 and curves.row_of(None, 99.0) == 3
    assert curves.row_of("mugs") == 0 and curves.row_of("mugs", float("nan")) == 0  # price unknown: every launch
    np.testing.assert_allclose(curves.values["p50"][1:, 0], [60.0, 12.0, 3.0])
    assert curves.label(2) == "shop, price tercile 2" and curves.label(0) == "shop"
    few = launch_curves(y[:n - 1], solo[:n - 1], 4, min_start=8, revenue=(y * price[:, None])[:n - 1])
    assert few is not None and few.bands.tolist() == [0]  # a band would hold 9 launches


def _shop() -> pd.DataFrame:
    events = small_events(n_items=N_ITEMS, days=280)
    day = (events["timestamp"] - START).dt.days
    number = events["item_id"].str[4:].astype(int)
    before_launch = number.isin(list(LAUNCHED)) & (day < 60 + 5 * (number - LAUNCHED.start))
    return events[~before_launch].reset_index(drop=True)


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> TrainResult:
    return train_forecast_folder(_shop(), items=small_items(N_ITEMS), config=tiny_config(),
                                 folder=tmp_path_factory.mktemp("launch"))


def _catalogue(extra: list[str]) -> pd.DataFrame:
    items = small_items(N_ITEMS)
    new = pd.DataFrame({"item_id": extra, "name": extra, "category": "mugs", "price": 3.0, "in_stock": True,
                        "stock_on_hand": 5.0, "lead_time_days": 14.0})
    return pd.concat([items, new], ignore_index=True)


def test_a_new_catalogue_item_gets_the_shops_launch_curve(trained: TrainResult) -> None:
    assert (trained.folder / "launch_W.npz").exists() and (trained.folder / "launch_D.npz").exists()
    runtime = ForecastRuntime.load(trained.folder)
    with pytest.raises(KeyError):
        runtime.forecast("new01", 4, "W")
    runtime.take_items_table(_catalogue(["new01"]))
    basis = runtime.basis("new01")
    assert basis == {"basis": "launches", "launch_group": SHOP, "launches": len(LAUNCHED)}
    assert runtime.basis("item00") == {"basis": "history"}
    curve = trained.forecasts["W"].launch
    assert curve is not None
    rows = runtime.forecast("new01", 12, "W")
    for key in KEYS:
        np.testing.assert_allclose([r[key] for r in rows], curve.values[key][0])
    assert rows[0]["date"] == runtime.forecast("item00", 1, "W")[0]["date"]
    assert len(runtime.forecast("new01", 35, "D")) == 35
    plan = runtime.replenishment("new01", service_level=0.95)
    assert "sales_history" in plan["missing"] and plan["lead_time_days"] == 14 and plan["abc"] is None
    assert plan["reorder_point"] > 0
    table = export_table(runtime, horizon=4, show_progress=False)
    new = table[table["item"] == "new01"]
    assert len(new) == 4 and new["missing"].str.contains("sales_history").all()
    assert not table.loc[table["item"] == "item00", "missing"].str.contains("sales_history").any()
    runtime.take_items_table(_catalogue([]))  # taken off the catalogue: no forecast any more
    with pytest.raises(KeyError):
        runtime.forecast("new01", 4, "W")
    with pytest.raises(KeyError):
        runtime.replenishment("new01")
    runtime.smoke_check()


def _level_gaps(runtime: ForecastRuntime, freq: str) -> dict[str, float]:
    """Largest gap, per aggregate series, between its mean and the sum of its items' means."""
    horizon = runtime.max_horizon(freq)
    items = [s for s in runtime.series_ids() if not s.startswith("category:") and s != "_total"]
    means = {s: np.array([r["mean"] for r in runtime.forecast(s, horizon, freq)]) for s in runtime.series_ids()}
    members: dict[str, list[str]] = {"_total": items}
    for item in items:
        category = runtime.replenishment(item, service_level=0.9)["category"] or "unknown"
        members.setdefault(f"category:{category}", []).append(item)
    return {level: float(np.abs(means[level] - sum(means[i] for i in group)).max())
            for level, group in members.items() if level in means}


def test_launched_items_are_in_their_category_and_the_shop_total(trained: TrainResult) -> None:
    runtime = ForecastRuntime.load(trained.folder)
    before = {freq: runtime.forecast("category:mugs", 6, freq) for freq in ("W", "D")}
    runtime.take_items_table(_catalogue(["new01", "new02"]))
    for freq in ("W", "D"):
        gaps = _level_gaps(runtime, freq)
        assert "category:mugs" in gaps and max(gaps.values()) < 1e-6, gaps
        after = runtime.forecast("category:mugs", 6, freq)
        assert all(a["mean"] > b["mean"] for a, b in zip(after, before[freq]))
        assert all(r["p10"] <= r["p50"] <= r["p90"] and r["p10"] <= r["mean"] <= r["p90"] for r in after)
    runtime.smoke_check()
    runtime.take_items_table(_catalogue([]))  # taken off the catalogue: the levels are as trained
    assert runtime.forecast("category:mugs", 6, "W") == before["W"]


def test_a_launched_items_days_add_up_to_its_weeks_in_the_item_its_category_and_the_total(
        trained: TrainResult) -> None:
    runtime = ForecastRuntime.load(trained.folder)
    runtime.take_items_table(_catalogue(["new01", "new02"]))
    checked = 0
    for series in ("new01", "new02", "category:mugs", "_total"):
        daily = {p["date"]: p["mean"] for p in runtime.forecast(series, runtime.max_horizon("D"), "D")}
        for week in runtime.forecast(series, runtime.max_horizon("W"), "W"):
            dates = [str((pd.Timestamp(week["date"]) + pd.Timedelta(days=k)).date()) for k in range(7)]
            if all(d in daily for d in dates) and sum(daily[d] for d in dates) > 0:
                assert sum(daily[d] for d in dates) == pytest.approx(week["mean"], rel=1e-9), (series, week["date"])
                checked += 1
    assert checked >= 4 * 3  # four series, at least three shared weeks each


def test_an_item_that_sold_before_the_last_year_gets_no_launch_curve(trained: TrainResult,
                                                                     tmp_path_factory: pytest.TempPathFactory) -> None:
    runtime = ForecastRuntime.load(trained.folder)
    runtime.meta["retired_items"] = ["new02"]
    runtime.take_items_table(_catalogue(["new01", "new02"]))
    assert runtime.basis("new01")["basis"] == "launches"
    with pytest.raises(KeyError):
        runtime.forecast("new02", 4, "W")

    events = small_events(n_items=8, days=420)
    day = (events["timestamp"] - START).dt.days
    events = events[(events["item_id"] != "item05") | (day < 40)].reset_index(drop=True)
    result = train_forecast_folder(events, items=small_items(8), config=tiny_config(), freqs=("W",),
                                   folder=tmp_path_factory.mktemp("retired"))
    meta = ForecastRuntime.load(result.folder).meta
    assert meta["retired_items"] == ["item05"]


def test_the_backtest_scores_items_launched_after_the_cutoff_from_their_launch_week() -> None:
    events = small_events(n_items=30, days=280)
    day = (events["timestamp"] - START).dt.days
    number = events["item_id"].str[4:].astype(int)
    events = events[(number < 6) | (day >= 56 + 7 * (number - 6))].reset_index(drop=True)  # item k on sale from week k+2
    cutoff = START.tz_localize(None) + pd.Timedelta(days=189)
    table = launch_backtest(events, cutoff=cutoff, spec=WEEKLY, horizon=8, items=small_items(30))
    assert table is not None and list(table.index) == list(MODELS)
    assert (table["items"] == 5).all()  # items 25..29, launched in test weeks 0..4
    assert (table["weeks"] == 8 + 7 + 6 + 5 + 4).all()  # each from its launch week on
    assert np.isfinite(table["wape_p50"]).all() and 0.0 <= table.loc[MODELS[0], "coverage_p10_p90"] <= 1.0
    early = launch_backtest(events, cutoff=START.tz_localize(None) + pd.Timedelta(days=98), spec=WEEKLY,
                            horizon=8, items=small_items(30))
    assert early is None  # no launch before day 98 has 8 weeks of sales after it


def test_a_new_item_is_served_the_curve_of_its_price_tercile(trained: TrainResult, tmp_path: Path) -> None:
    folder = tmp_path / "model"
    shutil.copytree(trained.folder, folder)
    n = PRICE_BANDS * MIN_LAUNCHES
    price = np.repeat([1.0, 5.0, 20.0], MIN_LAUNCHES)
    for freq, width in (("W", 12), ("D", 35)):
        y = np.zeros((n, 8 + width))
        y[:, 8:] = 60.0 / price[:, None]
        curves = launch_curves(y, [f"c{i}" for i in range(n)], width, min_start=8, revenue=y * price[:, None])
        assert curves is not None
        curves.save(folder / f"launch_{freq}.npz")
    runtime = ForecastRuntime.load(folder)
    catalogue = _catalogue(["new01", "new02"])
    catalogue.loc[catalogue["item_id"] == "new01", "price"] = 6.0  # tercile edges 3.67 and 10
    catalogue.loc[catalogue["item_id"] == "new02", "price"] = 30.0
    runtime.take_items_table(catalogue)
    assert runtime.basis("new01")["launch_group"] == "shop, price tercile 2"
    assert runtime.basis("new02") == {"basis": "launches", "launch_group": "shop, price tercile 3",
                                      "launches": MIN_LAUNCHES}
    assert runtime.forecast("new01", 1, "W")[0]["p50"] == pytest.approx(12.0)
    assert runtime.forecast("new02", 1, "D")[0]["p50"] == pytest.approx(3.0)


def test_a_folder_written_before_price_terciles_still_loads(tmp_path: Path) -> None:
    path = tmp_path / "launch_W.npz"
    np.savez_compressed(path, groups=np.array([SHOP]), launches=np.array([12]),
                        **{k: np.ones((1, 4)) for k in KEYS})
    curves = LaunchCurves.load(path)
    assert curves.bands.tolist() == [0] and curves.row_of("mugs", 3.0) == 0
