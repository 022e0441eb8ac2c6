"""Bounded memory on large shops: customer samples for rankers and holdouts, block-wise serving lists."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from tests.training.recommender.shop import FAST, small_shop
from training.recommender import artifacts, pipeline
from training.recommender.interactions import Truth, sample_customers
from training.recommender.pipeline import train_recommender
from training.recommender.runs import Inputs


def _truth() -> Truth:
    rng = np.random.default_rng(3)
    dense = (rng.random((50, 12)) < 0.2).astype(np.float32)
    dense[::5] = 0.0  # ten customers bought nothing
    return Truth(matrix=sp.csr_matrix(dense), total=dense.sum(axis=1) + (rng.random(50) < 0.3) * (dense.sum(axis=1) > 0))


def test_sample_keeps_limit_customers_whole_and_is_seeded() -> None:
    truth = _truth()
    buyers = np.flatnonzero(truth.total > 0)
    sample = sample_customers(truth, 15, seed=1)
    kept = np.flatnonzero(sample.total > 0)
    assert len(kept) == 15 and set(kept) <= set(buyers)
    np.testing.assert_array_equal(sample.total[kept], truth.total[kept])
    np.testing.assert_array_equal(sample.matrix[kept].toarray(), truth.matrix[kept].toarray())
    assert sample.matrix[np.setdiff1d(np.arange(50), kept)].nnz == 0
    np.testing.assert_array_equal(sample_customers(truth, 15, seed=1).total, sample.total)
    assert not np.array_equal(sample_customers(truth, 15, seed=2).total, sample.total)
    assert sample_customers(truth, len(buyers), seed=1) is truth
    with pytest.raises(ValueError, match="max_customers"):
        sample_customers(truth, 0)


def _train(out: Path, **config: int) -> dict[str, np.ndarray]:
    shop = small_shop()
    inputs = Inputs(shop.events, shop.items, shop.customers, "synthetic")
    train_recommender(shop.events, context=inputs.context(), items=shop.items, customers=shop.customers,
                      config=replace(FAST, **config), out_dir=out)
    return artifacts.load_folder(out)[1]


def test_serving_lists_do_not_depend_on_the_block_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    whole = _train(tmp_path / "whole")
    monkeypatch.setattr(pipeline, "SERVE_BLOCK", 7)
    blocks = _train(tmp_path / "blocks")
    assert len(whole["customers"]) > 7
    for name in ("all_items", "all_scores", "all_reasons", "new_items", "new_scores", "new_reasons"):
        np.testing.assert_array_equal(whole[name], blocks[name], err_msg=name)


def test_rankers_train_on_a_customer_sample(tmp_path: Path) -> None:
    shop = small_shop()
    inputs = Inputs(shop.events, shop.items, shop.customers, "synthetic")
    result = train_recommender(shop.events, context=inputs.context(), items=shop.items, customers=shop.customers,
                     config=replace(FAST, max_customers=25), out_dir=tmp_path / "m")
    assert int(result.table.loc[("all items", "shopml"), "customers"]) == 25  # the holdout is sampled too
    assert (tmp_path / "m" / artifacts.META).exists()


@pytest.mark.parametrize("field", ["max_customers", "window_days", "train_windows", "k"])
def test_config_refuses_non_positive_sizes_up_front(field: str) -> None:
    with pytest.raises(ValueError, match=field):
        replace(FAST, **{field: 0})


def test_a_ranker_from_a_handful_of_customers_is_refused_with_the_reason() -> None:
    import pandas as pd

    from training.errors import NotEnoughData
    from training.recommender.candidates import FEATURES
    from training.recommender.ranker import MIN_GROUPS, RankerConfig, fit_ranker

    rng = np.random.default_rng(0)

    def frame(customers: int) -> tuple[pd.DataFrame, np.ndarray]:
        rows = customers * 6
        data = pd.DataFrame(rng.random((rows, len(FEATURES))).astype(np.float32), columns=list(FEATURES))
        data.insert(0, "c", np.repeat(np.arange(customers), 6))
        return data, np.tile([1.0, 0, 0, 0, 0, 0], customers).astype(np.float32)

    config = RankerConfig(n_estimators=5, min_child_samples=5)
    with pytest.raises(NotEnoughData, match=f"3 customer.*at least {MIN_GROUPS}"):
        fit_ranker(*frame(3), config)  # LightGBM itself failed on such frames ("num_data > 0")
    assert fit_ranker(*frame(MIN_GROUPS), config).predict(frame(2)[0][list(FEATURES)].to_numpy()).shape == (12,)
