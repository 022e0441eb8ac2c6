"""Purchases and returns posted after training: which items each customer holds since, in time order.

For each customer and item the latest event in time wins: a purchase makes the item bought, a return
cancels it. At equal times the return wins (it cannot come before the purchase it returns). An event
older than the last one applied to the same customer and item changes nothing, so the state depends
on the set of events alone, not on the order they arrive in, nor on one arriving twice: a return
posted before the purchase it follows gives the same answer live as after a reload replays both. An
event without a time (`at=None`) always applies.
"""

from __future__ import annotations

PURCHASE, RETURN = 0, 1  # at equal times the higher wins


class RecordedPurchases:
    """Per customer: the items bought since training (with the time of the purchase) and the time of
    the last purchase or return of each item."""

    def __init__(self) -> None:
        self._bought: dict[str, dict[int, float]] = {}
        self._last: dict[str, dict[int, tuple[float, int]]] = {}  # (time, kind) of the last change

    def purchase(self, customer_id: str, item: int, at: float | None = None) -> bool:
        """Record a purchase; False when a later purchase or return of the item is already recorded."""
        if not self._is_latest(customer_id, item, at, PURCHASE):
            return False
        bought = self._bought.setdefault(customer_id, {})
        when = self._stamp(customer_id, item, at, PURCHASE)
        bought.pop(item, None)  # re-inserted last: the most recent purchase
        bought[item] = when
        return True

    def cancel(self, customer_id: str, item: int, at: float | None = None) -> bool:
        """Record a return; True when it cancelled a recorded purchase of the item."""
        if not self._is_latest(customer_id, item, at, RETURN):
            return False
        self._stamp(customer_id, item, at, RETURN)
        bought = self._bought.get(customer_id)
        if not bought or item not in bought:
            return False
        del bought[item]
        if not bought:
            del self._bought[customer_id]
        return True

    def items(self, customer_id: str) -> list[int]:
        """Items the customer bought since training, the least recent purchase first."""
        bought = self._bought.get(customer_id)
        if not bought:
            return []
        return sorted(bought, key=lambda j: (bought[j], j))  # equal times: by item, as a replay gives them

    def holds(self, customer_id: str) -> bool:
        """Whether any purchase of the customer is recorded."""
        return bool(self._bought.get(customer_id))

    def forget(self, customer_id: str) -> None:
        """Drop everything recorded about the customer."""
        self._bought.pop(customer_id, None)
        self._last.pop(customer_id, None)

    def _is_latest(self, customer_id: str, item: int, at: float | None, kind: int) -> bool:
        last = self._last.get(customer_id, {}).get(item)
        return at is None or last is None or (at, kind) >= last

    def _stamp(self, customer_id: str, item: int, at: float | None, kind: int) -> float:
        """Remember (`at`, `kind`) as the item's last change (an event without a time keeps the last
        one) and return the time to order the purchase by."""
        last = self._last.setdefault(customer_id, {})
        if at is not None:
            last[item] = (at, kind)
            return at
        last.setdefault(item, (float("-inf"), kind))
        return _latest(self._bought.get(customer_id, {}))


def _latest(bought: dict[int, float]) -> float:
    """A time no earlier than every recorded purchase: an untimed purchase counts as the most recent."""
    return max(bought.values(), default=0.0)
