"""Never-sold catalogue items: matched by name and category, offered in the last places, with similar items."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from tests.training.recommender import test_recommender_runtime as shared
from tests.training.recommender.shop import FAST, small_shop
from training.recommender.catalogue_arrays import catalogue_arrays
from training.recommender.catalogue_backtest import catalogue_tables, launched_items
from training.recommender.model import fit_at
from training.recommender.runs import Inputs
from training.recommender.runtime import REASON_NEW_LIKE_ITEM, RecommenderRuntime
from training.recommender.sources import catalogue as catalogue_source
from training.recommender.sources.catalogue import CatalogueConfig, arrival_scores, fit_catalogue

NEW_LIKE, NEW_PRIOR, LOOKS_LIKE = "new, like items you bought", "new in the catalogue", "looks like this product"


def test_a_new_product_is_matched_by_its_name_and_its_neighbours_set_its_prior() -> None:
    sold = ["S1", "S2", "S3"]
    names = {"S1": "JUMBO BAG RED RETROSPOT", "S2": "BLUE POLKADOT CUP", "S3": "GREEN CERAMIC MUG",
             "N1": "JUMBO BAG PINK RETROSPOT", "N2": "BLUE POLKADOT BOWL"}
    catalogue = fit_catalogue(sold, ["N1", "N2"], names=names, categories={}, popularity=np.array([10.0, 2.0, 5.0]),
                              config=CatalogueConfig(neighbours=1))
    assert catalogue.neighbours[0].indices.tolist() == [0] and catalogue.neighbours[1].indices.tolist() == [1]
    assert catalogue.prior.tolist() == pytest.approx([10.0, 2.0])
    bags_buyer, cups_buyer = sp.csr_matrix([[1.0, 0.0, 0.0]]), sp.csr_matrix([[0.0, 1.0, 0.0]])
    assert np.argmax(arrival_scores(catalogue, bags_buyer, CatalogueConfig(prior_weight=0.0))) == 0
    assert np.argmax(arrival_scores(catalogue, cups_buyer, CatalogueConfig(prior_weight=0.0))) == 1
    # with no likeness the expected popularity decides
    assert np.argmax(arrival_scores(catalogue, sp.csr_matrix((1, 3)), CatalogueConfig(prior_weight=1.0))) == 0


def test_the_backtest_plays_products_first_sold_in_the_window_as_the_catalogue() -> None:
    shop = small_shop()
    cutoff = shop.events["timestamp"].max() - pd.Timedelta(days=70)
    launched = launched_items(shop.events, cutoff=cutoff, days=70)
    first = shop.events.groupby("item_id")["timestamp"].min()
    assert launched == sorted(first.index[first >= cutoff])
    inputs = Inputs(shop.events, shop.items, shop.customers, "synthetic")
    table = catalogue_tables(shop.events, fit_at(shop.events, cutoff, inputs.context(), FAST), inputs.context(), days=70)
    assert set(table.index.get_level_values("task")) == {"customers x new products", "similar to a new product"}
    assert table["count"].gt(0).all() and table["ndcg@10"].between(0, 1).all()


def test_the_backtest_without_order_ids_scores_the_customers_task_only() -> None:
    shop = small_shop()
    events = shop.events.drop(columns=["order_id"])
    cutoff = events["timestamp"].max() - pd.Timedelta(days=70)
    inputs = Inputs(events, shop.items, shop.customers, "synthetic")
    table = catalogue_tables(events, fit_at(events, cutoff, inputs.context(), FAST), inputs.context(), days=70)
    assert set(table.index.get_level_values("task")) == {"customers x new products"}


def test_a_large_catalogue_is_matched_block_by_block_with_the_same_result(monkeypatch: pytest.MonkeyPatch) -> None:
    shop = small_shop()
    cutoff = shop.events["timestamp"].max() - pd.Timedelta(days=70)
    inputs = Inputs(shop.events, shop.items, shop.customers, "synthetic")
    context = inputs.context()
    fitted = fit_at(shop.events, cutoff, context, FAST)
    new = launched_items(shop.events, cutoff=cutoff, days=70)
    assert len(new) > 2

    def arrays() -> dict[str, np.ndarray]:
        return catalogue_arrays(fitted, new, names=context.names, categories=context.categories,
                                config=CatalogueConfig())

    whole = arrays()
    monkeypatch.setattr(catalogue_source, "CELLS", 7)  # a block of one row
    blocks = arrays()
    assert whole.keys() == blocks.keys()
    for key, value in whole.items():
        np.testing.assert_allclose(blocks[key], value, rtol=1e-6, err_msg=key)


model_dir, runtime = shared.model_dir, shared.runtime  # the fixtures: a small model trained once per module


def never_sold() -> list[str]:
    shop = small_shop()
    sold = set(shop.events["item_id"])
    return [i for i in shop.items["item_id"] if i not in sold]


def test_new_arrivals_take_the_last_places_only_when_asked(runtime: RecommenderRuntime) -> None:
    new = set(never_sold())
    assert new and new <= set(runtime.item_ids())
    customer = runtime.customer_ids()[0]
    plain = runtime.recommend(customer, 10)
    assert not {i for i, _, _ in plain.items} & new
    answer = runtime.recommend(customer, 10, new_arrivals=2)
    ids = [i for i, _, _ in answer.items]
    assert len(ids) == 10 and len(set(ids)) == 10
    assert set(ids[-2:]) <= new and not set(ids[:-2]) & new
    assert ids[:-2] == [i for i, _, _ in plain.items][:8]
    assert {r for _, _, r in answer.items[-2:]} <= {NEW_LIKE, NEW_PRIOR}


def test_new_arrivals_obey_stock_category_and_opt_out(runtime: RecommenderRuntime) -> None:
    customer = runtime.customer_ids()[0]
    first = [i for i, _, _ in runtime.recommend(customer, 10, new_arrivals=1).items][-1]
    runtime.set_in_stock({first: False})
    assert first not in {i for i, _, _ in runtime.recommend(customer, 10, new_arrivals=3).items}
    shop = small_shop()
    category = shop.items.set_index("item_id").loc[never_sold()[0], "category"]
    in_category = runtime.recommend(customer, 5, new_arrivals=5, category=category)
    assert all(shop.items.set_index("item_id").loc[i, "category"] == category for i, _, _ in in_category.items)
    runtime.set_opt_outs({customer})
    opted = runtime.recommend(customer, 10, new_arrivals=2)
    assert opted.fallback and {r for _, _, r in opted.items[-2:]} == {NEW_PRIOR}


def test_visitors_and_new_products_pages(runtime: RecommenderRuntime) -> None:
    new = never_sold()
    seen = runtime.customer_ids()[:1]
    bought = runtime.recommend(seen[0], 3).items
    visitor = runtime.recommend_recent([bought[0][0]], 6, new_arrivals=2)
    assert {i for i, _, _ in visitor.items[-2:]} <= set(new)
    page = runtime.similar(new[0], 5)
    assert len(page) == 5 and new[0] not in {i for i, _, _ in page}
    assert not {i for i, _, _ in page} & set(new)
    assert LOOKS_LIKE in {r for _, _, r in page}
    assert runtime.record_purchase("somebody new", new[0])  # a first sale of a new product is recorded
    assert runtime.recommend("somebody new", 4).items


def test_a_product_page_offers_new_products_like_it_only_when_asked(runtime: RecommenderRuntime) -> None:
    new = set(never_sold())
    pages = {item: runtime.similar(item, 8, new_arrivals=2) for item in runtime.item_ids() if item not in new}
    for item, page in pages.items():
        ids = [i for i, _, _ in page]
        plain = [i for i, _, _ in runtime.similar(item, 8)]
        assert not set(plain) & new and item not in ids
        assert set(ids[-2:]) <= new and ids[:-2] == plain[:6]
        assert {r for _, _, r in page[-2:]} <= {"new, like this product", NEW_PRIOR}
    assert any(r == "new, like this product" for page in pages.values() for _, _, r in page)


def test_a_model_trained_before_a_reason_existed_still_names_it(model_dir: Path) -> None:
    meta = json.loads((model_dir / "meta.json").read_text())
    meta["reasons"] = meta["reasons"][:REASON_NEW_LIKE_ITEM]  # as a model trained before the reason existed
    with np.load(model_dir / "arrays.npz") as data:
        older = RecommenderRuntime(meta, {k: data[k] for k in data.files})
    assert older.reasons[REASON_NEW_LIKE_ITEM] == "new, like this product"
    sold = [i for i in older.item_ids() if i not in set(never_sold())]
    assert any(r == "new, like this product" for i in sold for _, _, r in older.similar(i, 8, new_arrivals=8))


def test_a_new_product_picked_by_popularity_alone_is_not_called_personal(runtime: RecommenderRuntime) -> None:
    answers = [runtime.recommend(c, 1, new_arrivals=1) for c in runtime.customer_ids()]
    assert {a.items[0][2] for a in answers} == {NEW_LIKE, NEW_PRIOR}
    assert all(a.fallback == (a.items[0][2] == NEW_PRIOR) for a in answers)


def test_a_new_product_the_customer_just_bought_is_not_offered_as_new(runtime: RecommenderRuntime) -> None:
    customer = runtime.customer_ids()[0]
    first = runtime.recommend(customer, 6, new_arrivals=2).items[-1][0]
    for who in (customer, "somebody new"):
        assert runtime.record_purchase(who, first)
        answer = runtime.recommend(who, 6, new_arrivals=2).items
        assert first not in {i for i, _, r in answer if r in {NEW_LIKE, NEW_PRIOR}}
    assert (first, "bought recently") in {(i, r) for i, _, r in runtime.recommend(customer, 6, new_arrivals=2).items}
