"""Purchases and returns recorded after training: the latest event in time wins, in any arrival order."""

from __future__ import annotations

import itertools
import random

from training.recommender.recorded import RecordedPurchases


def _apply(events: list[tuple[str, int, float]]) -> RecordedPurchases:
    state = RecordedPurchases()
    for kind, item, at in events:
        (state.purchase if kind == "purchase" else state.cancel)("c", item, at)
    return state


def test_the_state_does_not_depend_on_the_arrival_order() -> None:
    rng = random.Random(3)
    for _ in range(200):
        events = [(rng.choice(["purchase", "return"]), rng.randrange(3), float(t)) for t in rng.sample(range(50), 6)]
        in_time = _apply(sorted(events, key=lambda e: e[2])).items("c")
        shuffled = events[:]
        rng.shuffle(shuffled)
        assert _apply(shuffled).items("c") == in_time


def test_items_are_in_purchase_time_order_and_a_return_cancels() -> None:
    state = _apply([("purchase", 1, 30.0), ("purchase", 2, 10.0), ("purchase", 3, 20.0), ("return", 3, 25.0)])
    assert state.items("c") == [2, 1]
    assert not state.cancel("c", 1, 5.0)  # older than the purchase: changes nothing
    assert state.items("c") == [2, 1]


def test_equal_times_go_to_the_later_arrival() -> None:
    for first, second in itertools.permutations(["purchase", "return"]):
        state = _apply([(first, 1, 7.0), (second, 1, 7.0)])
        assert state.items("c") == ([1] if second == "purchase" else [])


def test_an_untimed_event_always_applies_and_is_the_most_recent() -> None:
    state = _apply([("purchase", 1, 50.0), ("purchase", 2, 10.0)])
    assert state.purchase("c", 2)
    assert state.items("c") == [1, 2]
    assert state.cancel("c", 1)
    assert state.items("c") == [2] and state.holds("c")
    state.forget("c")
    assert not state.holds("c") and state.items("c") == []
