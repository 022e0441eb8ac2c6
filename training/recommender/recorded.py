"""Purchases and returns posted after training: which items each customer holds since, in time order.

For each customer and item the latest event in time wins: a purchase makes the item bought, a return
cancels it. An event older than the last one applied to the same customer and item changes nothing, so
the state depends on the events alone, not on the order they arrive in: a return posted before the
purchase it follows gives the same answer live as after a reload replays both in time order. Equal
times go to the later arrival. An event without a time (`at=None`) always applies.
"""

from __future__ import annotations


class RecordedPurchases:
    """Per customer: the items bought since training (with the time of the purchase) and the time of
    the last purchase or return of each item."""

    def __init__(self) -> None:
        self._bought: dict[str, dict[int, float]] = {}
        self._last: dict[str, dict[int, float]] = {}

    def purchase(self, customer_id: str, item: int, at: float | None = None) -> bool:
        """Record a purchase; False when a later purchase or return of the item is already recorded."""
        if not self._is_latest(customer_id, item, at):
            return False
        bought = self._bought.setdefault(customer_id, {})
        when = self._stamp(customer_id, item, at)
        bought.pop(item, None)  # re-inserted last: the most recent purchase
        bought[item] = when
        return True

    def cancel(self, customer_id: str, item: int, at: float | None = None) -> bool:
        """Record a return; True when it cancelled a recorded purchase of the item."""
        if not self._is_latest(customer_id, item, at):
            return False
        self._stamp(customer_id, item, at)
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
        return sorted(bought, key=bought.__getitem__)  # stable: equal times keep their arrival order

    def holds(self, customer_id: str) -> bool:
        """Whether any purchase of the customer is recorded."""
        return bool(self._bought.get(customer_id))

    def forget(self, customer_id: str) -> None:
        """Drop everything recorded about the customer."""
        self._bought.pop(customer_id, None)
        self._last.pop(customer_id, None)

    def _is_latest(self, customer_id: str, item: int, at: float | None) -> bool:
        last = self._last.get(customer_id, {}).get(item)
        return at is None or last is None or at >= last

    def _stamp(self, customer_id: str, item: int, at: float | None) -> float:
        """Remember `at` as the item's last change (an event without a time keeps the last one) and
        return the time to order the purchase by."""
        last = self._last.setdefault(customer_id, {})
        when = at if at is not None else last.get(item, float("-inf"))
        last[item] = when
        return when if at is not None else _latest(self._bought.get(customer_id, {}))


def _latest(bought: dict[int, float]) -> float:
    """A time no earlier than every recorded purchase: an untimed purchase counts as the most recent."""
    return max(bought.values(), default=0.0)
