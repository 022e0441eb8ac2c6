"""The event store: durable, idempotent storage of events, items, customers and promotions."""

from features.store.event_store import EventStore, IngestStats

__all__ = ["EventStore", "IngestStats"]
