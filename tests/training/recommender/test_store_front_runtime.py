"""Storefront defects in the served recommender: `fallback` follows the items' sources, a return
cancels a recorded purchase, recording is idempotent, and a fresh model replays the store's purchases
since its data end."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tests.training.recommender import test_recommender_runtime as shared
from tests.training.recommender.shop import small_shop
from training.recommender.artifacts import REASONS
from training.recommender.runtime import PERSONAL_REASONS, RecAnswer, RecommenderRuntime

PERSONAL = {REASONS[c] for c in PERSONAL_REASONS}
model_dir, runtime = shared.model_dir, shared.runtime  # the fixtures: a small model trained once per module


def _ids(answer: RecAnswer) -> list[str]:
    return [item for item, _, _ in answer.items]


def _personal(answer: RecAnswer) -> bool:
    return any(reason in PERSONAL for _, _, reason in answer.items)


def _categories(runtime: RecommenderRuntime) -> list[str]:
    return sorted({str(c) for c in runtime._category})


def test_fallback_is_true_when_no_item_is_personal(runtime: RecommenderRuntime) -> None:
    impersonal = 0
    for customer in runtime.customer_ids()[:60]:
        for category in [None, *_categories(runtime)]:
            answer = runtime.recommend(customer, 3, category=category)
            assert answer.fallback is not _personal(answer), (customer, category, answer)
            impersonal += not _personal(answer)
    assert impersonal, "some known customer should get only popular items in some category"


def test_an_anonymous_answer_with_only_trending_items_is_a_fallback(runtime: RecommenderRuntime) -> None:
    seen = set()
    for item in runtime.item_ids()[:30]:
        for category in _categories(runtime):
            answer = runtime.recommend_recent([item], 3, category=category)
            assert answer.fallback is not _personal(answer)
            seen.add(answer.fallback)
    assert seen == {True, False}


def test_a_return_cancels_the_recorded_purchase(runtime: RecommenderRuntime) -> None:
    customer = runtime.customer_ids()[3]
    fresh = _ids(runtime.recommend(customer, 20, exclude_purchased=True))[0]
    runtime.record_purchase(customer, fresh)
    assert runtime.recommend(customer, 1).items[0][:3:2] == (fresh, "bought recently")
    assert runtime.record_return(customer, fresh) is True
    assert runtime.recommend(customer, 1).items[0][0] != fresh
    assert fresh in _ids(runtime.recommend(customer, 20, exclude_purchased=True))
    assert runtime.record_return(customer, fresh) is False  # nothing left to cancel
    bought_before = next(i for i, _, r in runtime.recommend(customer, 50).items if r == "bought before")
    assert runtime.record_return(customer, bought_before) is False  # the trained history stays


def test_a_new_customer_who_returned_everything_is_a_cold_start_again(runtime: RecommenderRuntime) -> None:
    item = runtime.item_ids()[5]
    runtime.record_purchase("web-1", item)
    assert runtime.recommend("web-1", 5).fallback is False
    runtime.record_return("web-1", item)
    assert runtime.recommend("web-1", 5) == runtime.recommend("never-seen", 5)


def test_recording_the_same_changes_again_changes_no_answer(runtime: RecommenderRuntime) -> None:
    customer, items = runtime.customer_ids()[7], runtime.item_ids()[10:13]
    changes = [("purchase", items[0]), ("purchase", items[1]), ("return", items[0]), ("purchase", items[2])]

    def apply(start: int) -> list[RecAnswer]:
        for kind, item in changes[start:]:
            (runtime.record_purchase if kind == "purchase" else runtime.record_return)(customer, item)
        return [runtime.recommend(customer, 10, exclude_purchased=flag) for flag in (False, True)]

    once = apply(0)
    assert apply(1) == once and apply(0) == once  # a suffix or the whole list replayed


def test_a_fresh_model_replays_the_purchases_stored_since_its_data_end(model_dir: Path, tmp_path: Path) -> None:
    from features.store import EventStore
    from features.validation import validate_events
    from serving.config import ServingSettings
    from serving.state import ServiceState
    from tests.serving.fakes import FakeSource

    fresh = RecommenderRuntime.load(model_dir)
    assert fresh.data_end and pd.Timestamp(fresh.data_end) > small_shop().events["timestamp"].max()
    customer = fresh.customer_ids()[2]
    bought, returned = _ids(fresh.recommend(customer, 30, exclude_purchased=True))[:2]
    after = pd.Timestamp(fresh.data_end) + pd.Timedelta(hours=1)
    rows = [(customer, bought, "purchase", after), ("web-2", bought, "purchase", after),
            (customer, returned, "purchase", after), (customer, returned, "return", after + pd.Timedelta(hours=1)),
            ("web-3", bought, "purchase", after - pd.Timedelta(days=2))]  # trained on: not replayed
    events = pd.DataFrame(rows, columns=["customer_id", "item_id", "event_type", "timestamp"])
    store = EventStore(f"sqlite:///{tmp_path / 'events.db'}")
    store.append_events(validate_events(events, "test"), source="api")
    state = ServiceState(ServingSettings(home=tmp_path / "home", mlruns_dir=tmp_path / "mlruns", database_url=None,
                                         access_log=False), FakeSource())
    state.store = store
    state.prepare("recommender", fresh)
    store.close()
    assert bought not in _ids(fresh.recommend(customer, 30, exclude_purchased=True))
    assert returned in _ids(fresh.recommend(customer, 30, exclude_purchased=True))
    assert fresh.recommend("web-2", 3).fallback is False
    assert fresh.recommend("web-3", 3).fallback is True
