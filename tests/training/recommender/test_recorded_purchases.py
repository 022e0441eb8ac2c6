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
    for _ in range(300):  # times drawn from few values, so some are equal
        events = [(rng.choice(["purchase", "return"]), rng.randrange(3), float(rng.randrange(8))) for _ in range(6)]
        in_time = _apply(sorted(events, key=lambda e: e[2])).items("c")
        shuffled = events[:]
        rng.shuffle(shuffled)
        assert _apply(shuffled).items("c") == in_time


def test_items_are_in_purchase_time_order_and_a_return_cancels() -> None:
    state = _apply([("purchase", 1, 30.0), ("purchase", 2, 10.0), ("purchase", 3, 20.0), ("return", 3, 25.0)])
    assert state.items("c") == [2, 1]
    assert not state.cancel("c", 1, 5.0)  # older than the purchase: changes nothing
    assert state.items("c") == [2, 1]


def test_at_equal_times_the_return_wins_whatever_the_order_or_repeats() -> None:
    for events in itertools.permutations([("purchase", 1, 7.0), ("return", 1, 7.0), ("purchase", 1, 7.0)]):
        assert _apply(list(events)).items("c") == []


def test_a_repeated_event_changes_nothing() -> None:
    once = _apply([("purchase", 1, 5.0), ("return", 1, 6.0)])
    twice = _apply([("purchase", 1, 5.0), ("return", 1, 6.0), ("purchase", 1, 5.0)])
    assert once.items("c") == twice.items("c") == []


def test_an_untimed_event_always_applies_and_is_the_most_recent() -> None:
    state = _apply([("purchase", 1, 50.0), ("purchase", 2, 10.0)])
    assert state.purchase("c", 2)
    assert state.items("c") == [1, 2]
    assert state.cancel("c", 1)
    assert state.items("c") == [2] and state.holds("c")
    state.forget("c")
    assert not state.holds("c") and state.items("c") == []
