"""`shopml demo`'s example requests: a catalogue item that never sold, when the shop has one."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from features.store import EventStore
from features.validation import validate_events, validate_items
from training.cli.demo import unsold_item


def test_the_demo_names_an_item_that_never_sold(tmp_path: Path) -> None:
    store = EventStore(f"sqlite:///{tmp_path / 'events.db'}")
    events = pd.DataFrame({"customer_id": ["C1", "C2"], "item_id": ["I1", "I2"], "event_type": "purchase",
                           "timestamp": ["2025-01-06T10:00:00Z", "2025-01-07T10:00:00Z"], "quantity": 1})
    store.append_events(validate_events(events, "test"), source="api")
    assert unsold_item(store) is None  # no items table yet
    store.upsert_items(validate_items(pd.DataFrame({"item_id": ["I1", "I2", "I9", "I3"]}), "items"))
    assert unsold_item(store) == "I3"
    store.close()
