"""The two-stage recommender on a synthetic temporal split, and the ranking metrics."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from tests.training.recommender.shop import FAST, cutoff_of, small_shop
from training.recommender.backtest import MODEL, PEERS, evaluate
from training.recommender.metrics import ndcg_per_customer, ranking_metrics, top_k
from training.recommender.runs import Inputs, summary_rows


def test_metrics_by_hand() -> None:
    truth = sp.csr_matrix(np.array([[1, 0, 1, 0], [0, 0, 0, 1]], dtype=np.float32))
    total = np.array([3.0, 1.0])                       # customer 0 also bought an unknown item
    recs = np.array([[2, 1], [0, -1]])
    m = ranking_metrics(recs, truth, total, np.array([0, 1]), n_items=4)
    ideal0 = 1.0 + 1.0 / np.log2(3.0)
    assert m["ndcg"] == pytest.approx((1.0 / ideal0 + 0.0) / 2)
    assert m["recall"] == pytest.approx((1 / 3 + 0) / 2)
    assert m["precision"] == pytest.approx((1 / 2 + 0) / 2)
    assert m["hit_rate"] == pytest.approx(0.5)
    assert m["coverage"] == pytest.approx(3 / 4)
    per = ndcg_per_customer(recs, truth, total, np.array([0, 1]))
    assert per.tolist() == pytest.approx([1.0 / ideal0, 0.0])


def test_top_k_excludes_and_pads() -> None:
    scores = np.array([[0.1, 0.9, 0.5], [1.0, 2.0, 3.0]])
    exclude = np.array([[False, True, False], [False, False, False]])
    out = top_k(scores, 4, exclude=exclude)
    assert out.tolist() == [[2, 0, -1, -1], [2, 1, 0, -1]]


def test_top_k_breaks_ties_by_the_lower_column() -> None:
    rng = np.random.default_rng(3)
    scores = rng.integers(0, 4, size=(200, 40)).astype(float)  # many ties
    exclude = rng.random((200, 40)) < 0.3
    scores[5] = np.nan
    out = top_k(scores, 7, exclude=exclude)
    for row in range(200):
        allowed = [c for c in range(40) if not exclude[row, c] and np.isfinite(scores[row, c])]
        expected = sorted(allowed, key=lambda c: (-scores[row, c], c))[:7]
        assert out[row].tolist() == expected + [-1] * (7 - len(expected))


def test_ranker_beats_popularity_and_every_row_is_filled() -> None:
    shop = small_shop()
    inputs = Inputs(shop.events, shop.items, shop.customers, "synthetic")
    result = evaluate(shop.events, cutoff=cutoff_of(shop), context=inputs.context(), config=FAST)
    table, info = result.table, result.info
    assert set(table.index.get_level_values("model")) == {*PEERS, MODEL}
    ndcg = table["ndcg@10"]
    assert ndcg[("all items", MODEL)] > ndcg[("all items", "popularity")]
    assert ndcg[("new items", MODEL)] > ndcg[("new items", "repeat")]     # repeat has nothing new to offer
    assert (table["customers"] > 0).all()
    assert table.notna().all().all()
    ratios = summary_rows(table)
    assert info["ratio_all_ci_low"] <= ratios["shopml_over_best_peer_all"] <= info["ratio_all_ci_high"]
    assert info["ratio_new_ci_low"] <= ratios["shopml_over_als_new"] <= info["ratio_new_ci_high"]


def test_an_evaluation_logs_the_ratios_it_prints(settings) -> None:  # type: ignore[no-untyped-def]
    import mlflow

    from training.recommender.runs import run_evaluation

    shop = small_shop()
    inputs = Inputs(shop.events, shop.items, shop.customers, "synthetic")
    result = run_evaluation(settings, inputs, cutoff=str(cutoff_of(shop).date()), config=FAST)
    run = mlflow.search_runs(experiment_names=["shopml-recommender"]).iloc[0]
    for name, value in summary_rows(result.table).items():
        assert run[f"metrics.{name}"] == pytest.approx(value)
