"""A recommender trained from the event store records the last event it read, so serving can replay
the events stored after it, back-dated ones included."""

from __future__ import annotations

from pathlib import Path

from features.settings import Settings
from features.store import EventStore
from tests.training.recommender.shop import FAST, small_shop
from training.recommender.pipeline import train_recommender
from training.recommender.runs import load_inputs
from training.recommender.runtime import RecommenderRuntime


def test_the_model_records_the_store_event_id_its_training_read(settings: Settings, tmp_path: Path) -> None:
    shop = small_shop()
    store = EventStore.from_settings(settings)
    try:
        store.append_events(shop.events)
        last = store.last_event_id()
    finally:
        store.close()
    inputs = load_inputs(settings)
    assert inputs.stored_through == last > 0
    result = train_recommender(inputs.events, context=inputs.context(), items=inputs.items,
                               customers=inputs.customers, config=FAST, out_dir=tmp_path / "model",
                               stored_through=inputs.stored_through)
    assert RecommenderRuntime.load(result.folder).stored_through == last
    unstored = train_recommender(shop.events, context=inputs.context(), items=shop.items, customers=shop.customers,
                                 config=FAST, out_dir=tmp_path / "from_file")
    assert RecommenderRuntime.load(unstored.folder).stored_through is None
