"""Business rules of the served recommender: stock, opt-out, K items, exclusions, cold start."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.training.recommender.shop import FAST, small_shop
from training.recommender.pipeline import train_recommender
from training.recommender.runs import Inputs
from training.recommender.runtime import RecAnswer, RecommenderRuntime


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    shop = small_shop()
    inputs = Inputs(shop.events, shop.items, shop.customers, "synthetic")
    out = tmp_path_factory.mktemp("rec") / "model"
    train_recommender(shop.events, context=inputs.context(), items=shop.items, customers=shop.customers,
                      config=FAST, out_dir=out)
    return out


@pytest.fixture()
def runtime(model_dir: Path) -> RecommenderRuntime:
    rt = RecommenderRuntime.load(model_dir)
    rt.set_opt_outs(set())
    return rt


def _ids(answer: RecAnswer) -> list[str]:
    return [item for item, _, _ in answer.items]


def test_loads_and_passes_its_smoke_check(runtime: RecommenderRuntime) -> None:
    runtime.smoke_check()
    assert runtime.customer_ids() and runtime.item_ids()


def test_always_k_items_and_never_out_of_stock(runtime: RecommenderRuntime) -> None:
    customer = runtime.customer_ids()[0]
    first = _ids(runtime.recommend(customer, 10))
    assert len(first) == 10 and len(set(first)) == 10
    runtime.set_in_stock({item: False for item in first[:5]})
    again = runtime.recommend(customer, 10)
    assert len(again.items) == 10
    assert not set(_ids(again)) & set(first[:5])
    everything_out = {item: False for item in runtime.item_ids()}
    runtime.set_in_stock(everything_out)
    assert runtime.recommend(customer, 10).items == []          # K items only when K exist
    in_stock = runtime.item_ids()[:3]
    runtime.set_in_stock({item: True for item in in_stock})
    assert sorted(_ids(runtime.recommend(customer, 10))) == sorted(in_stock)
    assert set(_ids(runtime.recommend_recent(in_stock[:1], 5))) <= set(in_stock)
    assert {i for i, _, _ in runtime.similar(in_stock[0], 5)} <= set(in_stock[1:])


def test_opted_out_customers_get_non_personal_items_only(runtime: RecommenderRuntime) -> None:
    customer = runtime.customer_ids()[1]
    runtime.set_opt_outs({customer})
    answer = runtime.recommend(customer, 10)
    assert len(answer.items) == 10
    assert {reason for _, _, reason in answer.items} == {"popular (personalisation off)"}
    assert answer.fallback  # counted with the other non-personal answers
    other = runtime.customer_ids()[2]
    assert any(r != "popular (personalisation off)" for _, _, r in runtime.recommend(other, 10).items)


def test_exclude_purchased_category_and_recorded_purchases(runtime: RecommenderRuntime) -> None:
    customer = runtime.customer_ids()[3]
    all_items = runtime.recommend(customer, 20)
    bought = [i for i, _, r in all_items.items if r == "bought before"]
    assert bought, "a wholesale-like synthetic customer should get repeat suggestions"
    excluded = runtime.recommend(customer, 20, exclude_purchased=True)
    assert len(excluded.items) == 20 and not set(_ids(excluded)) & set(bought)
    fresh = _ids(excluded)[0]
    runtime.record_purchase(customer, fresh)
    assert fresh not in _ids(runtime.recommend(customer, 20, exclude_purchased=True))
    assert _ids(runtime.recommend(customer, 5))[0] == fresh      # the repeat signal is immediate
    category = runtime._category[runtime.item_ids().index(fresh)]
    in_category = runtime.recommend(customer, 5, category=category)
    assert in_category.items
    assert all(runtime._category[runtime.item_ids().index(i)] == category for i in _ids(in_category))


def test_cold_start_anonymous_and_forgotten_customers(runtime: RecommenderRuntime) -> None:
    unknown = runtime.recommend("never-seen", 10)
    assert unknown.fallback and len(unknown.items) == 10
    recent = runtime.item_ids()[:2]
    anonymous = runtime.recommend_recent(recent, 10)
    assert not anonymous.fallback and len(anonymous.items) == 10
    assert not set(_ids(anonymous)) & set(recent)
    assert anonymous.items[0][2] == "similar to recent items"
    assert runtime.recommend_recent(["no-such-item"], 3).fallback
    customer = runtime.customer_ids()[4]
    assert not runtime.recommend(customer, 5).fallback
    assert runtime.forget_customer(customer) is True
    assert runtime.recommend(customer, 5).fallback
    assert customer not in runtime.customer_ids()
    assert runtime.forget_customer("never-seen") is False


def test_an_erased_history_never_comes_back_after_a_new_purchase(runtime: RecommenderRuntime) -> None:
    customer = runtime.customer_ids()[5]
    before = [i for i, _, r in runtime.recommend(customer, 50).items if r == "bought before"]
    assert before
    runtime.forget_customer(customer)
    new_item = next(i for i in runtime.item_ids() if i not in before)
    assert runtime.record_purchase(customer, new_item) is False  # the store refuses their events too
    after = runtime.recommend(customer, 50)
    assert after.fallback and "bought before" not in {r for _, _, r in after.items}
    assert runtime.forget_customer(customer) is False  # nothing new was taken in
    assert customer not in runtime.customer_ids()


def test_an_erased_customer_keeps_the_opt_out(runtime: RecommenderRuntime) -> None:
    customer = runtime.customer_ids()[7]
    runtime.set_opt_outs({customer})
    runtime.forget_customer(customer)
    assert customer in runtime._opt_out


def test_exclude_purchased_holds_for_opted_out_customers(runtime: RecommenderRuntime) -> None:
    customer = runtime.customer_ids()[6]
    row = runtime._customer_index[customer]
    start, end = runtime._bought_indptr[row], runtime._bought_indptr[row + 1]
    bought = {runtime._items[j] for j in runtime._bought_indices[start:end]}
    runtime.set_opt_outs({customer})
    plain = set(_ids(runtime.recommend(customer, 30)))
    assert plain & bought, "the popular list should hold some of what this customer bought"
    excluded = runtime.recommend(customer, 30, exclude_purchased=True)
    assert len(excluded.items) == 30 and not set(_ids(excluded)) & bought


def test_similar_excludes_the_item_and_rejects_unknown_items(runtime: RecommenderRuntime) -> None:
    item = runtime.item_ids()[0]
    similar = runtime.similar(item, 8)
    assert len(similar) == 8 and item not in [i for i, _, _ in similar]
    assert {r for _, _, r in similar} <= {"bought together", "similar taste", "popular now"}
    with pytest.raises(KeyError):
        runtime.similar("no-such-item", 5)


def test_uncategorised_items_filter_as_unknown_like_forecasts(tmp_path: Path) -> None:
    shop = small_shop()
    items = shop.items.copy()
    bare = set(items["item_id"].iloc[::3])
    items.loc[items["item_id"].isin(bare), "category"] = None
    inputs = Inputs(shop.events, items, shop.customers, "synthetic")
    train_recommender(shop.events, context=inputs.context(), items=items, customers=shop.customers,
                      config=FAST, out_dir=tmp_path / "model")
    runtime = RecommenderRuntime.load(tmp_path / "model")
    answer = runtime.recommend(runtime.customer_ids()[0], 5, category="unknown")
    assert len(answer.items) == 5
    assert set(_ids(answer)) <= bare


def test_categories_follow_the_items_table_without_retraining(runtime: RecommenderRuntime) -> None:
    items = [i for i, _, _ in runtime.recommend("never-seen", 5).items]
    runtime.set_categories({items[0]: "filed-today", items[1]: "filed-today", "no-such-item": "filed-today"})
    answer = runtime.recommend("never-seen", 5, category="filed-today")
    assert _ids(answer) == items[:2]  # only the two items now filed there
