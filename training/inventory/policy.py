"""Replenishment from a forecast distribution: safety stock, reorder point, order quantity, stockout risk.

Lead-time demand is the sum of the forecast buckets that the lead time covers (a partly covered bucket
counts pro rata). The lead time starts today: when the first bucket is a week already begun
(`elapsed_days` of it observed), only its remaining days count. Its spread comes from each bucket's
p10..p90 interval (sigma = (p90 - p10) / 2.563, the normal width of an 80% interval), buckets taken
as independent. Demand over the lead time is then a count distribution with that mean and spread
(`training.inventory.demand`: negative binomial, or Poisson), never negative.

The reorder point is the lead-time demand's quantile at the service level (order when stock falls to
it); the safety stock is what it holds above the expected lead-time demand. The order-up-to level is
the same quantile over the lead time plus the review period (order up to it at each review). The
stockout probability is the chance that demand over the lead time, before an order placed today can
arrive, exceeds the stock on hand, so stock at the reorder point carries a risk of at most
1 - service_level.

Nothing is invented: without a lead time there is no safety stock or reorder point, without stock on
hand no order quantity, stockout probability or days of cover; the answer lists what was missing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from training.inventory.demand import CountDemand

Z80 = 2.0 * 1.2815515655446004  # p90 - p10 of a standard normal
REVIEW_DAYS = 7  # days between two order reviews


class LeadTimeTooLong(ValueError):
    """The lead time plus the review period reaches past the stored forecast."""


def longest_lead_time(n_buckets: int, bucket_days: int, review_days: int = REVIEW_DAYS, elapsed_days: int = 0) -> int:
    """The longest lead time (days) whose demand, review period included, the forecast covers."""
    return n_buckets * bucket_days - elapsed_days - review_days


def coverage_weights(n_buckets: int, bucket_days: int, days: float) -> np.ndarray:
    """How much of each forecast bucket `days` days from now cover (1, ..., 1, fraction, 0, ...)."""
    starts = np.arange(n_buckets) * bucket_days
    return np.clip((days - starts) / bucket_days, 0.0, 1.0)


def demand_over(days: float, mean: Sequence[float], p10: Sequence[float], p90: Sequence[float],
                bucket_days: int, elapsed_days: int = 0) -> tuple[float, float]:
    """Mean and standard deviation of total demand over the `days` days that start `elapsed_days`
    into the first bucket."""
    m, lo, hi = (np.asarray(a, dtype=float) for a in (mean, p10, p90))
    if bucket_days * len(m) - elapsed_days < days:
        raise ValueError(f"the forecast covers {bucket_days * len(m) - elapsed_days} days, fewer than the {days} asked for")
    w = coverage_weights(len(m), bucket_days, elapsed_days + days) - coverage_weights(len(m), bucket_days, elapsed_days)
    sigma = np.maximum(hi - lo, 0.0) / Z80
    return float((w * m).sum()), float(math.sqrt(float((w * sigma**2).sum())))


def replenishment(mean: Sequence[float], p10: Sequence[float], p90: Sequence[float], *, bucket_days: int,
                  service_level: float, lead_time_days: int | None, on_hand: float | None,
                  review_days: int = REVIEW_DAYS, order_cost: float | None = None,
                  holding_cost: float | None = None, elapsed_days: int = 0) -> dict[str, object]:
    """Safety stock, reorder point, suggested order and stockout risk.

    The suggested order follows an order-up-to policy (order up to `order_up_to` at each review), or,
    when both costs are given, an (s, Q) policy with the economic order quantity: at or below the
    reorder point order whole EOQ lots until the stock is above it (`order_policy` says which).
    `holding_cost` is per unit and year; `order_cost` per order. Quantities are units, rounded up.
    `elapsed_days`: days of the first bucket already observed (the lead time starts after them).
    """
    if not 0 <= elapsed_days < bucket_days:
        raise ValueError(f"elapsed_days must be in [0, {bucket_days}), got {elapsed_days}")
    if not 0.5 <= service_level < 1.0:
        raise ValueError(f"service_level must be in [0.5, 1), got {service_level}")
    if lead_time_days is not None and lead_time_days < 0:
        raise ValueError(f"lead_time_days must be >= 0, got {lead_time_days}")
    longest = longest_lead_time(len(mean), bucket_days, review_days, elapsed_days)
    if lead_time_days is not None and lead_time_days > longest:
        raise LeadTimeTooLong(f"lead_time_days must be at most {longest} (the forecast covers "
                              f"{len(mean) * bucket_days - elapsed_days} days from today, {review_days} of them "
                              "the review period), "
                              f"got {lead_time_days}")
    missing: list[str] = []
    out: dict[str, object] = {"service_level": service_level, "lead_time_days": lead_time_days,
                              "on_hand": on_hand, "review_days": review_days}
    daily = float(np.asarray(mean, dtype=float)[: max(1, 28 // bucket_days)].mean()) / bucket_days
    out["mean_daily_demand"] = daily
    if on_hand is None:
        missing.append("stock_on_hand")
    if lead_time_days is None:
        missing.append("lead_time_days")
        out.update(lead_time_demand=None, safety_stock=None, reorder_point=None, order_up_to=None,
                   suggested_order_quantity=None, stockout_probability=None)
    else:
        lead = CountDemand(*demand_over(lead_time_days, mean, p10, p90, bucket_days, elapsed_days))
        cycle = CountDemand(*demand_over(lead_time_days + review_days, mean, p10, p90, bucket_days, elapsed_days))
        reorder_point = lead.quantile(service_level)
        order_up_to = cycle.quantile(service_level)
        out.update(lead_time_demand=lead.mean, safety_stock=max(0, math.ceil(reorder_point - lead.mean)),
                   reorder_point=reorder_point, order_up_to=order_up_to)
    eoq = _eoq(daily * 365.0, order_cost, holding_cost)
    out.update(eoq=eoq, order_policy="order_up_to" if eoq is None else "eoq")
    if lead_time_days is not None:
        if on_hand is None:
            out.update(suggested_order_quantity=None, stockout_probability=None)
        else:
            out["suggested_order_quantity"] = (max(0, math.ceil(order_up_to - on_hand)) if eoq is None
                                               else eoq_order(on_hand, reorder_point, eoq))
            out["stockout_probability"] = lead.exceeds(on_hand)
    out["days_of_cover"] = None if on_hand is None else (on_hand / daily if daily > 0 else math.inf)
    out["missing"] = sorted(set(missing))
    return out


def eoq_order(on_hand: float, reorder_point: float, eoq: float) -> int:
    """The order of an (s, Q) policy: nothing above the reorder point, else the fewest whole EOQ lots
    (each rounded up to a unit) that lift the stock above it."""
    if on_hand > reorder_point:
        return 0
    lot = max(1, math.ceil(eoq))
    return lot * (math.floor((reorder_point - on_hand) / lot) + 1)


def cost_problem(order_cost: float | None, holding_cost: float | None) -> tuple[str, str] | None:
    """(parameter, reason) when the EOQ costs are unusable; None when both are valid or both absent."""
    if (order_cost is None) != (holding_cost is None):
        return ("holding_cost" if holding_cost is None else "order_cost",
                "order_cost and holding_cost go together: give both for an EOQ, or neither")
    if order_cost is not None and not 0 <= order_cost < math.inf:
        return "order_cost", f"must be 0 or more, got {order_cost}"
    if holding_cost is not None and not 0 < holding_cost < math.inf:
        return "holding_cost", f"must be above 0, got {holding_cost}"
    return None


def _eoq(annual_demand: float, order_cost: float | None, holding_cost: float | None) -> float | None:
    """Economic order quantity; None unless both costs are given (EOQ is optional)."""
    problem = cost_problem(order_cost, holding_cost)
    if problem is not None:
        raise ValueError(f"{problem[0]}: {problem[1]}")
    if order_cost is None or holding_cost is None:
        return None
    return math.sqrt(2.0 * annual_demand * order_cost / holding_cost)
