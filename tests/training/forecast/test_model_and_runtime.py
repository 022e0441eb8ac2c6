"""The global model, the trained folder, the serving runtime, reconciliation and the export."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.training.forecast.shop import START, small_events, small_items, tiny_config
from training.errors import NotEnoughData
from training.forecast.global_model import ForecastFitError, GlobalForecaster
from training.forecast.history import prepare, top_items
from training.forecast.pipeline import train_forecast_folder
from training.forecast.runtime import ForecastRuntime
from training.inventory.policy import LeadTimeTooLong, eoq_order


@pytest.fixture(scope="module")
def events() -> pd.DataFrame:
    return small_events()


@pytest.fixture(scope="module")
def folder(events: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("forecast-model")
    train_forecast_folder(events, items=small_items(), config=tiny_config(), folder=out)
    return out


def _fitted(events: pd.DataFrame, as_of: pd.Timestamp) -> tuple[GlobalForecaster, object]:
    cfg = tiny_config()
    prep = prepare(events, as_of=as_of, freq="W", ids=top_items(events, as_of=as_of, n=24), future_buckets=8)
    end = prep.history.y.shape[1]
    return GlobalForecaster(cfg.specs["W"], cfg).fit(prep.history, end, truth=prep.uncapped), prep


def test_fit_predict_gives_ordered_quantiles(events: pd.DataFrame) -> None:
    as_of = START + pd.Timedelta(days=245)
    model, prep = _fitted(events, as_of)
    pred = model.predict(prep.history, prep.history.y.shape[1], 8)
    assert len(pred) == 24 * 8
    assert (pred["p10"] <= pred["p50"]).all() and (pred["p50"] <= pred["p90"]).all() and (pred["p10"] >= 0).all()
    assert pd.Timestamp(pred["ds"].min()).dayofweek == 0
    assert set(model.validation_) >= {"holdout_wape_p50", "holdout_coverage_p10_p90"}


def test_forecast_ignores_events_after_the_origin(events: pd.DataFrame) -> None:
    as_of = START + pd.Timedelta(days=245)
    cut = events[events["timestamp"] < as_of]
    m1, p1 = _fitted(events, as_of)
    m2, p2 = _fitted(cut, as_of)
    a = m1.predict(p1.history, p1.history.y.shape[1], 4)
    b = m2.predict(p2.history, p2.history.y.shape[1], 4)
    np.testing.assert_allclose(a[["mean", "p10", "p50", "p90"]].to_numpy(), b[["mean", "p10", "p50", "p90"]].to_numpy())


def test_unfitted_and_short_history_raise(events: pd.DataFrame) -> None:
    cfg = tiny_config()
    prep = prepare(events, as_of=START + pd.Timedelta(days=60), freq="W", ids=["item00"])
    model = GlobalForecaster(cfg.specs["W"], cfg)
    with pytest.raises(ForecastFitError, match="not fitted"):
        model.predict(prep.history, 5, 2)
    with pytest.raises(NotEnoughData, match="history"):
        model.fit(prep.history, prep.history.y.shape[1])


def test_runtime_answers_from_the_folder(folder: Path) -> None:
    rt = ForecastRuntime.load(folder)
    rt.smoke_check()
    ids = rt.series_ids()
    assert "_total" in ids and "category:mugs" in ids and "item00" in ids
    assert rt.max_horizon("W") == 12 and rt.max_horizon("D") == 35
    assert all(len(rt.forecast(s, 1, "D")) == 1 for s in ids)  # daily serves the same series
    points = rt.forecast("item03", 8, "W")
    assert len(points) == 8 and all(pd.Timestamp(p["date"]).dayofweek == 0 for p in points)
    assert all(p["p10"] <= p["p50"] <= p["p90"] for p in points)
    assert len(rt.forecast("_total", 30, "D")) == 30
    with pytest.raises(KeyError):
        rt.forecast("nope", 2, "W")
    with pytest.raises(ValueError, match="horizon"):
        rt.forecast("item03", 13, "W")
    with pytest.raises(ValueError, match="freq"):
        rt.forecast("item03", 1, "M")


def test_levels_add_up(folder: Path) -> None:
    rt = ForecastRuntime.load(folder)
    items = [s for s in rt.series_ids() if s.startswith("item")]
    for freq, h in (("W", 12), ("D", 35)):
        item_sum = sum(np.array([p["mean"] for p in rt.forecast(i, h, freq)]) for i in items)
        cats = sum(np.array([p["mean"] for p in rt.forecast(c, h, freq)]) for c in ("category:mugs", "category:cards"))
        total = np.array([p["mean"] for p in rt.forecast("_total", h, freq)])
        np.testing.assert_allclose(item_sum, total, rtol=1e-9)
        np.testing.assert_allclose(cats, total, rtol=1e-9)


def test_level_quantiles_are_the_mean_times_the_ratios_measured_on_sums(folder: Path) -> None:
    import json

    rt = ForecastRuntime.load(folder)
    cal = json.loads((folder / "W" / "model.json").read_text())["calibration"]
    for series, key in (("category:mugs", "category_ratios"), ("_total", "total_ratios")):
        lo, mid, hi = cal[key]
        assert lo <= 1.0 <= hi and (lo, mid, hi) != (1.0, 1.0, 1.0)  # measured, not the default
        for point in rt.forecast(series, 12, "W"):
            assert point["p10"] == pytest.approx(point["mean"] * lo)
            assert point["p50"] == pytest.approx(point["mean"] * mid)
            assert point["p90"] == pytest.approx(point["mean"] * hi)


def test_days_of_a_week_add_up_to_the_weekly_mean(folder: Path) -> None:
    rt = ForecastRuntime.load(folder)
    days = {p["date"]: p["mean"] for p in rt.forecast("_total", rt.max_horizon("D"), "D")}
    checked = 0
    for series in [s for s in rt.series_ids() if s.startswith("item")][:5] + ["category:mugs", "_total"]:
        daily = {p["date"]: p["mean"] for p in rt.forecast(series, rt.max_horizon("D"), "D")}
        for week in rt.forecast(series, rt.max_horizon("W"), "W"):
            dates = [str((pd.Timestamp(week["date"]) + pd.Timedelta(days=k)).date()) for k in range(7)]
            if all(d in days for d in dates) and sum(daily[d] for d in dates) > 0:
                assert sum(daily[d] for d in dates) == pytest.approx(week["mean"], rel=1e-9)
                checked += 1
    assert checked >= 7 * 3  # seven series, at least three shared weeks each


def test_replenishment_says_what_is_missing(folder: Path) -> None:
    rt = ForecastRuntime.load(folder)
    known = rt.replenishment("item00", service_level=0.95, lead_time_days=None, on_hand=None)
    assert known["missing"] == [] and known["lead_time_source"] == "items_table"
    assert known["reorder_point"] >= known["safety_stock"] >= 0
    assert 0.0 <= known["stockout_probability"] <= 1.0
    assert known["abc"] in {"A", "B", "C"} and known["xyz"] in {"X", "Y", "Z"}
    unknown = rt.replenishment("item01", service_level=0.95, lead_time_days=None, on_hand=None)
    assert unknown["missing"] == ["lead_time_days", "stock_on_hand"] and unknown["reorder_point"] is None
    partial = rt.replenishment("item01", service_level=0.9, lead_time_days=14, on_hand=None)
    assert partial["missing"] == ["stock_on_hand"] and partial["suggested_order_quantity"] is None
    assert partial["reorder_point"] is not None
    lots = rt.replenishment("item00", service_level=0.95, on_hand=0, order_cost=40.0, holding_cost=2.0)
    assert lots["order_policy"] == "eoq" and lots["eoq"] > 0
    assert lots["suggested_order_quantity"] == eoq_order(0, lots["reorder_point"], lots["eoq"])
    with pytest.raises(KeyError):
        rt.replenishment("nope", service_level=0.95, lead_time_days=7, on_hand=1)
    assert rt.elapsed_days() == 0  # the history ends on a Sunday
    longest = rt.max_horizon("W") * 7 - 7
    assert rt.replenishment("item01", service_level=0.9, lead_time_days=longest, on_hand=5)["reorder_point"] is not None
    with pytest.raises(LeadTimeTooLong, match=f"at most {longest}"):
        rt.replenishment("item01", service_level=0.9, lead_time_days=longest + 1, on_hand=5)


def test_lead_time_counts_from_the_day_after_the_last_sale(events: pd.DataFrame, tmp_path: Path) -> None:
    begun = events[events["timestamp"] < pd.Timestamp("2023-10-05", tz="UTC")]  # ends on Wednesday 2023-10-04
    train_forecast_folder(begun, items=small_items(), config=tiny_config(), folder=tmp_path, freqs=("W",))
    rt = ForecastRuntime.load(tmp_path)
    assert rt.meta["forecast_start"] == "2023-10-05" and rt.forecast("item00", 1, "W")[0]["date"] == "2023-10-02"
    assert rt.elapsed_days() == 3
    plan = rt.replenishment("item00", service_level=0.95, lead_time_days=7, on_hand=0.0)
    assert plan["demand_from"] == "2023-10-05"
    weeks = rt.forecast("item00", 2, "W")
    assert plan["lead_time_demand"] == pytest.approx(4 / 7 * weeks[0]["mean"] + 3 / 7 * weeks[1]["mean"])
    longest = rt.max_horizon("W") * 7 - 3 - 7
    assert rt.replenishment("item00", service_level=0.9, lead_time_days=longest, on_hand=5)["reorder_point"] is not None
    with pytest.raises(LeadTimeTooLong, match=f"at most {longest}"):
        rt.replenishment("item00", service_level=0.9, lead_time_days=longest + 1, on_hand=5)


def test_an_items_table_lead_time_beyond_the_forecast_is_reported_missing(folder: Path) -> None:
    rt = ForecastRuntime.load(folder)
    too_long = rt.max_horizon("W") * 7
    rt.set_items({"item00": {"lead_time_days": float(too_long), "stock_on_hand": 5.0}})
    plan = rt.replenishment("item00", service_level=0.95)
    assert plan["missing"] == ["lead_time_beyond_forecast"] and plan["lead_time_days"] == too_long
    assert plan["reorder_point"] is None and plan["stockout_probability"] is None
    assert plan["on_hand"] == 5.0 and plan["days_of_cover"] is not None  # what needs no lead time stays
    with pytest.raises(LeadTimeTooLong):  # a lead time asked for explicitly is the caller's error
        rt.replenishment("item00", service_level=0.95, lead_time_days=too_long)


def test_items_table_changes_reach_replenishment_without_retraining(folder: Path) -> None:
    rt = ForecastRuntime.load(folder)
    assert rt.replenishment("item01")["missing"] == ["lead_time_days", "stock_on_hand"]
    rt.set_items({"item01": {"lead_time_days": 10.0, "stock_on_hand": 5.0, "category": "toys"},
                  "item02": {"lead_time_days": None}, "no-such-item": {"lead_time_days": 3.0}})
    plan = rt.replenishment("item01")
    assert plan["missing"] == [] and plan["lead_time_source"] == "items_table" and plan["category"] == "toys"
    assert plan["on_hand"] == 5.0 and plan["reorder_point"] is not None
    assert rt.replenishment("item02")["lead_time_days"] is not None  # an empty value keeps the trained one


def test_export_table(folder: Path) -> None:
    from training.forecast.export import export_table

    frame = export_table(ForecastRuntime.load(folder), freq="W", horizon=4, show_progress=False)
    assert list(frame.columns)[:8] == ["item", "category", "week", "p10", "p50", "p90", "mean", "reorder_point"]
    assert len(frame) == 24 * 4
    odd = frame[frame["item"] == "item01"]
    assert odd["reorder_point"].isna().all() and (odd["missing"] == "lead_time_days,stock_on_hand").all()
    with pytest.raises(ValueError, match="horizon"):
        export_table(ForecastRuntime.load(folder), freq="W", horizon=99, show_progress=False)


def test_export_leaves_a_lead_time_beyond_the_forecast_empty(folder: Path) -> None:
    from training.forecast.export import export_table

    rt = ForecastRuntime.load(folder)
    rt._items["item00"] = {**rt._items["item00"], "lead_time_days": rt.max_horizon("W") * 7}
    frame = export_table(rt, freq="W", horizon=2, show_progress=False)
    far = frame[frame["item"] == "item00"]
    assert far["reorder_point"].isna().all() and (far["missing"] == "lead_time_beyond_forecast").all()
    assert frame[frame["item"] == "item02"]["reorder_point"].notna().all()


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_export_is_written_whole_or_not_at_all(tmp_path: Path, suffix: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from training.forecast.export import write_atomically

    frame = pd.DataFrame({"item": ["a", "b"], "p50": [1.0, 2.0]})
    out = tmp_path / f"plan{suffix}"
    write_atomically(frame, out)
    back = pd.read_csv(out) if suffix == ".csv" else pd.read_parquet(out)
    pd.testing.assert_frame_equal(back, frame)

    def broken(self: pd.DataFrame, path: Path, **kwargs: object) -> None:
        Path(path).write_text("item,p5")  # half a file, then the disk fills up
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_csv" if suffix == ".csv" else "to_parquet", broken)
    with pytest.raises(OSError, match="disk full"):
        write_atomically(frame.assign(p50=[9.0, 9.0]), out)
    again = pd.read_csv(out) if suffix == ".csv" else pd.read_parquet(out)
    pd.testing.assert_frame_equal(again, frame)  # the earlier export is untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == [out.name]  # no temporary file left behind


def test_a_terminated_export_leaves_no_temporary_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os
    import signal

    from training.forecast.export import write_atomically

    def killed(self: pd.DataFrame, path: Path, **kwargs: object) -> None:
        Path(path).write_text("item,p5")  # half a file, then `kill` arrives
        os.kill(os.getpid(), signal.SIGTERM)

    monkeypatch.setattr(pd.DataFrame, "to_csv", killed)
    with pytest.raises(SystemExit):
        write_atomically(pd.DataFrame({"item": ["a"]}), tmp_path / "plan.csv")
    assert list(tmp_path.iterdir()) == []
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # the handler is put back
