"""Churn labels, metrics, training dates, the model, the backtest and the runtime on a tiny shop."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from features.settings import Settings
from tests.training.churn.shop import FAST, START, small_events
from training.churn import pipeline
from training.churn.backtest import SHOPML, BacktestResult, auc_gap_interval, run_backtest
from training.churn.dataset import customer_sample, stacked_frame, training_dates
from training.churn.labels import churn_labels
from training.churn.metrics import churn_metrics, expected_calibration_error, top_decile_lift
from training.churn.model import ChurnModel
from training.churn.pipeline import ShopData, evaluate, fit_final, package
from training.churn.runtime import ChurnRuntime


@pytest.fixture(scope="module")
def shop() -> ShopData:
    events, customers = small_events()
    return ShopData(events, customers, None)


@pytest.fixture(scope="module")
def model_dir(shop: ShopData, tmp_path_factory: pytest.TempPathFactory) -> Path:
    model, as_of = fit_final(shop, FAST)
    return package(shop, model, as_of, tmp_path_factory.mktemp("churn") / "model")


def test_label_is_no_purchase_in_the_horizon() -> None:
    ts = pd.to_datetime(["2024-01-05", "2024-03-01", "2024-04-15"], utc=True)
    events = pd.DataFrame({"customer_id": ["a", "b", "c"], "timestamp": ts, "event_type": ["purchase"] * 3})
    y = churn_labels(events, pd.Index(["a", "b", "c", "d"]), as_of="2024-02-01", horizon_days=60)
    assert y.to_dict() == {"a": 1, "b": 0, "c": 1, "d": 1}
    with pytest.raises(ValueError, match="horizon_days"):
        churn_labels(events, pd.Index(["a"]), as_of="2024-02-01", horizon_days=0)


def test_metrics() -> None:
    y = np.array([1, 1, 0, 0, 1, 0, 0, 0, 0, 0])
    assert expected_calibration_error(y, np.full(10, 0.3)) == pytest.approx(0.0)
    assert expected_calibration_error(y, np.full(10, 0.9)) == pytest.approx(0.6)
    assert top_decile_lift(y, np.arange(10)[::-1]) == pytest.approx(1 / 0.3)
    m = churn_metrics(y, np.linspace(0.9, 0.0, 10))
    assert set(m) == {"ROC-AUC", "PR-AUC", "Brier", "ECE", "lift@10%"} and 0.5 < m["ROC-AUC"] <= 1


def test_top_decile_lift_shares_the_cut_among_ties() -> None:
    y = np.r_[np.ones(10), np.zeros(90)]
    assert top_decile_lift(y, np.zeros(100)) == pytest.approx(1.0)  # one big tie: the base rate, whatever the order
    score = np.r_[np.full(5, 2.0), np.ones(95)]  # 5 sure places, then 5 drawn from a 95-way tie
    y = np.r_[np.ones(5), np.ones(5), np.zeros(90)]  # 5 of the 95 tied customers churn
    assert top_decile_lift(y, score) == pytest.approx((5 + 5 * 5 / 95) / 10 / 0.1)


def test_training_label_windows_end_before_the_cutoff(shop: ShopData) -> None:
    cutoff = START + pd.Timedelta(days=240)
    dates = training_dates(shop.events, before=cutoff, horizon_days=90, step_days=14, min_history_days=30)
    assert dates and dates[-1] + pd.Timedelta(days=90) == cutoff and dates == sorted(dates)
    assert all(d - shop.events["timestamp"].min() >= pd.Timedelta(days=30) for d in dates)


@pytest.fixture(scope="module")
def backtest(shop: ShopData) -> BacktestResult:
    return run_backtest(shop.events, as_of=START + pd.Timedelta(days=240), config=FAST, customers=shop.customers)


def test_backtest_prints_every_model_and_beats_chance(backtest: BacktestResult) -> None:
    result = backtest
    assert list(result.table.index) == ["recency alone", "BG/NBD P(no purchase)", "BG/NBD expected purchases",
                                        "LightGBM on 8 RFM features", SHOPML]
    assert result.table.loc[SHOPML, "ROC-AUC"] > 0.6
    assert result.training_dates[-1] + pd.Timedelta(days=90) <= result.as_of
    assert set(result.targets().columns) == {"shopml", "bar", "met"}
    peer, gap, low, high = auc_gap_interval(result, draws=200)
    peers = result.table.drop(index=SHOPML)["ROC-AUC"]
    assert peer == peers.idxmax()
    assert gap == pytest.approx(result.table.loc[SHOPML, "ROC-AUC"] - peers.max())
    assert low <= gap <= high


def test_backtest_refuses_an_incomplete_label_window(shop: ShopData) -> None:
    with pytest.raises(ValueError, match="label window"):
        run_backtest(shop.events, as_of=START + pd.Timedelta(days=300), config=FAST)


def test_model_round_trip_and_contributions(backtest: BacktestResult, tmp_path: Path) -> None:
    model, stacked = backtest.model, backtest.test
    model.save(tmp_path)
    loaded = ChurnModel.load(tmp_path)
    np.testing.assert_allclose(model.predict_proba(stacked), loaded.predict_proba(stacked))
    contrib = model.contributions(stacked)
    raw = model.predict_raw(stacked)
    np.testing.assert_allclose(1 / (1 + np.exp(-contrib.sum(axis=1))), raw, rtol=1e-6)


def test_runtime_answers(model_dir: Path, shop: ShopData) -> None:
    rt = ChurnRuntime.load(model_dir)
    rt.smoke_check()
    ids = rt.customer_ids()
    assert len(ids) > 100
    churn = rt.churn(ids[0])
    assert set(churn) == {"probability", "risk", "horizon_days", "top_factors", "as_of"}
    assert churn["as_of"] == rt.as_of == str(pipeline.serving_as_of(shop.events).date())
    assert 0 <= churn["probability"] <= 1 and churn["risk"] in ("low", "medium", "high") and churn["horizon_days"] == 90
    assert len(churn["top_factors"]) == 3 and all(isinstance(f, str) for f in churn["top_factors"])
    profile = rt.profile(ids[0])
    assert set(profile) == {"rfm_segment", "recency_days", "frequency", "monetary", "lifecycle_stage",
                            "expected_value_12m", "p_alive", "expected_purchases_12m", "as_of"}
    assert profile["lifecycle_stage"] in ("new", "active", "at risk", "churned", "won back")
    with pytest.raises(KeyError):
        rt.churn("nobody")
    with pytest.raises(KeyError):
        rt.profile("nobody")


def test_at_risk_is_ordered_by_value_lost_and_forget_removes(model_dir: Path) -> None:
    rt = ChurnRuntime.load(model_dir)
    page = rt.at_risk(20)
    rows = page["customers"]
    assert rows and len(rows) <= 20 and page["total"] >= len(rows) and page["stages"] == ["at risk", "churned"]
    lost = [r["expected_value_lost"] for r in rows]
    assert lost == sorted(lost, reverse=True)
    assert set(rows[0]) == {"customer_id", "probability", "expected_value_lost", "rfm_segment", "lifecycle_stage"}
    first = rows[0]["customer_id"]
    rt.forget_customer(first)
    assert first not in rt.customer_ids() and all(r["customer_id"] != first for r in rt.at_risk(20)["customers"])
    assert rt.at_risk(20)["total"] == page["total"] - 1
    with pytest.raises(KeyError):
        rt.churn(first)


def test_factors_speak_plainly(model_dir: Path) -> None:
    rt = ChurnRuntime.load(model_dir)
    factors = [f for cid in rt.customer_ids() for f in rt.churn(cid)["top_factors"]]
    assert any(f.startswith("no order for ") for f in factors)
    assert all(f.endswith(("(raises the risk)", "(lowers the risk)")) for f in factors)


def test_a_long_silence_that_lowers_the_risk_says_why() -> None:
    from training.churn.factors import GROUPS, top_factors

    features = pd.DataFrame({"recency_days": [164.0, 400.0, 30.0, 250.0], "gap_median_days": [118.0, 100.0, 20.0, 50.0],
                             "frequency": [1.0, 5.0, 9.0, 3.0], "tenure_days": [3.0, 300.0, 200.0, 90.0]},
                            index=["a", "b", "c", "d"])
    contrib = pd.DataFrame(0.0, index=features.index, columns=[c for cols in GROUPS.values() for c in cols])
    contrib["recency_days"] = [-0.5, -0.5, 0.5, -0.5]
    factors = top_factors(features, contrib, k=2)
    assert factors["a"][0] == "no order for 164 days, usually every 118 days, a shorter silence than the typical " \
                              "207 days (lowers the risk)"
    assert factors["b"][0].endswith("but the buying history still points to an active customer (lowers the risk)")
    assert factors["c"][0] == "no order for 30 days, usually every 20 days (raises the risk)"
    assert "1 order in less than a month as a customer" in factors["a"][1]


def test_evaluate_logs_the_auc_gap_and_its_interval(shop: ShopData, settings: Settings) -> None:
    import mlflow

    result = evaluate(shop, as_of=START + pd.Timedelta(days=240), config=FAST, settings=settings)
    assert result.auc_gap is not None
    peer, gap, low, high = result.auc_gap
    assert peer in result.table.index and low <= gap <= high
    runs = mlflow.search_runs(experiment_names=["shopml-churn"])
    assert len(runs) == 1
    assert runs.loc[0, "metrics.auc_gap_to_best_peer"] == pytest.approx(gap)
    assert runs.loc[0, "metrics.auc_gap_ci_low"] == pytest.approx(low)
    assert runs.loc[0, "params.source"] == "event store"  # which data an evaluation ran on
    assert runs.loc[0, "params.data_end"] == str(shop.events["timestamp"].max())
    assert runs.loc[0, "params.events"] == str(len(shop.events))
    # the header the command prints: who was scored, their churn rate, the as-of dates trained on
    assert runs.loc[0, "params.test_customers"] == str(len(result.test))
    assert runs.loc[0, "metrics.test_churn_rate"] == pytest.approx(result.test["churned"].mean())
    assert runs.loc[0, "params.training_as_of_dates"] == str(len(result.training_dates))
    assert runs.loc[0, "params.training_as_of_first"] == str(result.training_dates[0].date())
    assert runs.loc[0, "params.training_as_of_last"] == str(result.training_dates[-1].date())


def test_customer_sample_keeps_whole_histories_and_is_seeded(shop: ShopData) -> None:
    events = shop.events
    sample = customer_sample(events, 50, seed=1)
    kept = sample["customer_id"].unique()
    assert len(kept) == 50 and sample["customer_id"].notna().all()
    whole = events[events["customer_id"].isin(kept)]
    assert len(sample) == len(whole)
    assert set(customer_sample(events, 50, seed=1)["customer_id"]) == set(kept)
    assert set(customer_sample(events, 50, seed=2)["customer_id"]) != set(kept)
    assert customer_sample(events, 10_000) is events
    with pytest.raises(ValueError, match="max_customers"):
        customer_sample(events, 0)


def test_a_model_trained_on_a_sample_still_answers_for_everyone(shop: ShopData, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[int] = []

    def spy(events: pd.DataFrame, *args: object, **kwargs: object) -> pd.DataFrame:
        seen.append(events["customer_id"].nunique())
        return stacked_frame(events, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "stacked_frame", spy)
    model, as_of = fit_final(shop, replace(FAST, max_customers=120))
    assert seen == [120] and model.trained_on_
    rt = ChurnRuntime.load(package(shop, model, as_of, tmp_path / "model"))
    assert len(rt.customer_ids()) == shop.events["customer_id"].nunique()


def test_config_refuses_a_non_positive_customer_limit() -> None:
    with pytest.raises(ValueError, match="max_customers"):
        replace(FAST, max_customers=0)
