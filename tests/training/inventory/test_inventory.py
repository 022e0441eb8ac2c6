"""Safety stock, reorder point, order quantity, stockout risk, ABC/XYZ and turnover."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from training.inventory.classes import abc_classes, turnover_days, xyz_classes
from training.inventory.demand import CountDemand
from training.inventory.policy import Z80, demand_over, eoq_order, replenishment

WEEKS = 8
MEAN = [70.0] * WEEKS  # 10 a day
P10 = [70.0 - Z80 / 2 * 14] * WEEKS  # sigma 14 a week
P90 = [70.0 + Z80 / 2 * 14] * WEEKS


def nbinom(mean: float, sd: float) -> stats.rv_discrete:
    """scipy's negative binomial with this mean and sd: the oracle the tests check against."""
    r = mean**2 / (sd**2 - mean)
    return stats.nbinom(r, r / (r + mean))


def test_count_demand_against_scipy() -> None:
    over = CountDemand(140.0, 14 * math.sqrt(2))  # variance above the mean: negative binomial
    oracle = nbinom(140.0, 14 * math.sqrt(2))
    for units in (0, 100, 140, 171.5):
        assert over.cdf(units) == pytest.approx(oracle.cdf(math.floor(units)), rel=1e-9)
    assert over.quantile(0.95) == int(oracle.ppf(0.95))
    poisson = CountDemand(5.0, 1.0)  # variance below the mean: Poisson
    assert poisson.exceeds(3) == pytest.approx(stats.poisson(5.0).sf(3))
    assert poisson.quantile(0.9) == int(stats.poisson(5.0).ppf(0.9))
    assert CountDemand(0.0, 0.0).exceeds(0) == 0.0 and CountDemand(0.0, 0.0).quantile(0.99) == 0
    with pytest.raises(ValueError):
        CountDemand(-1.0, 1.0)


def test_no_stock_of_a_steady_seller_is_a_near_certain_stockout() -> None:
    """A normal with sd above the mean said 0.80 for a daily seller with nothing on the shelf."""
    assert CountDemand(1325.0, 1539.0).exceeds(0) > 0.99
    slow = CountDemand(0.22, 0.5)  # a slow mover: most lead times see no sale at all
    assert 0.1 < slow.exceeds(0) < 0.3 and slow.exceeds(0) == pytest.approx(nbinom(0.22, 0.5).sf(0))


def test_lead_time_demand_pro_rata() -> None:
    mu, sd = demand_over(14, MEAN, P10, P90, bucket_days=7)
    assert mu == pytest.approx(140.0) and sd == pytest.approx(14 * math.sqrt(2))
    mu, _ = demand_over(10.5, MEAN, P10, P90, bucket_days=7)
    assert mu == pytest.approx(105.0)
    with pytest.raises(ValueError, match="covers"):
        demand_over(100, MEAN, P10, P90, bucket_days=7)


def test_lead_time_starts_after_the_observed_days_of_a_begun_week() -> None:
    mean = [70.0, 140.0, 140.0, 140.0]  # the begun week at 10 a day, then 20 a day
    lo = hi = mean
    mu, _ = demand_over(7, mean, lo, hi, bucket_days=7, elapsed_days=3)
    assert mu == pytest.approx(4 * 10 + 3 * 20)  # Thursday..Sunday of week 0, then three days of week 1
    assert demand_over(7, mean, lo, hi, bucket_days=7)[0] == pytest.approx(70.0)
    with pytest.raises(ValueError, match="covers 25 days"):
        demand_over(26, mean, lo, hi, bucket_days=7, elapsed_days=3)
    late = replenishment(MEAN, P10, P90, bucket_days=7, service_level=0.95, lead_time_days=14, on_hand=0.0,
                         elapsed_days=4)
    on_time = replenishment(MEAN, P10, P90, bucket_days=7, service_level=0.95, lead_time_days=14, on_hand=0.0)
    assert late["reorder_point"] == on_time["reorder_point"]  # flat demand: the same 14 days' worth
    with pytest.raises(ValueError, match="at most 45"):
        replenishment(MEAN, P10, P90, bucket_days=7, service_level=0.95, lead_time_days=46, on_hand=0.0,
                      elapsed_days=4)
    with pytest.raises(ValueError, match="elapsed_days"):
        replenishment(MEAN, P10, P90, bucket_days=7, service_level=0.95, lead_time_days=7, on_hand=0.0,
                      elapsed_days=7)


def test_reorder_point_order_and_stockout() -> None:
    r = replenishment(MEAN, P10, P90, bucket_days=7, service_level=0.95, lead_time_days=14, on_hand=100.0)
    lead, cycle = nbinom(140.0, 14 * math.sqrt(2)), nbinom(210.0, 14 * math.sqrt(3))
    assert r["missing"] == []
    assert r["lead_time_demand"] == pytest.approx(140.0)
    assert r["reorder_point"] == int(lead.ppf(0.95)) and r["safety_stock"] == math.ceil(lead.ppf(0.95) - 140)
    assert r["order_up_to"] == int(cycle.ppf(0.95))
    assert r["suggested_order_quantity"] == math.ceil(cycle.ppf(0.95) - 100)
    assert r["stockout_probability"] == pytest.approx(lead.sf(100))
    at_reorder_point = replenishment(MEAN, P10, P90, bucket_days=7, service_level=0.95, lead_time_days=14,
                                     on_hand=float(r["reorder_point"]))  # type: ignore[arg-type]
    assert 0.04 < at_reorder_point["stockout_probability"] <= 0.05  # type: ignore[operator]
    assert r["days_of_cover"] == pytest.approx(10.0)
    higher = replenishment(MEAN, P10, P90, bucket_days=7, service_level=0.99, lead_time_days=14, on_hand=100.0)
    assert higher["safety_stock"] > r["safety_stock"]  # type: ignore[operator]
    plenty = replenishment(MEAN, P10, P90, bucket_days=7, service_level=0.95, lead_time_days=14, on_hand=1000.0)
    assert plenty["suggested_order_quantity"] == 0 and plenty["stockout_probability"] < 1e-6  # type: ignore[operator]


def test_missing_inputs_are_reported_not_invented() -> None:
    r = replenishment(MEAN, P10, P90, bucket_days=7, service_level=0.95, lead_time_days=None, on_hand=None)
    assert r["missing"] == ["lead_time_days", "stock_on_hand"]  # both, so the planner can fill both
    assert r["safety_stock"] is None and r["reorder_point"] is None and r["suggested_order_quantity"] is None
    r = replenishment(MEAN, P10, P90, bucket_days=7, service_level=0.95, lead_time_days=7, on_hand=None)
    assert r["missing"] == ["stock_on_hand"] and r["reorder_point"] is not None
    assert r["stockout_probability"] is None and r["days_of_cover"] is None


def test_eoq_when_costs_are_given() -> None:
    r = replenishment(MEAN, P10, P90, bucket_days=7, service_level=0.95, lead_time_days=7, on_hand=0,
                      order_cost=50.0, holding_cost=2.0)
    assert r["eoq"] == pytest.approx(math.sqrt(2 * 3650 * 50 / 2))
    assert r["order_policy"] == "eoq" and r["suggested_order_quantity"] == eoq_order(0, r["reorder_point"], r["eoq"])
    plain = replenishment(MEAN, P10, P90, bucket_days=7, service_level=0.95, lead_time_days=7, on_hand=0)
    assert plain["eoq"] is None and plain["order_policy"] == "order_up_to"
    with pytest.raises(ValueError, match="go together"):
        replenishment(MEAN, P10, P90, bucket_days=7, service_level=0.95, lead_time_days=7, on_hand=0, order_cost=5.0)


def test_an_eoq_order_is_whole_lots_that_lift_the_stock_above_the_reorder_point() -> None:
    assert eoq_order(on_hand=30, reorder_point=20, eoq=12.2) == 0
    assert eoq_order(on_hand=20, reorder_point=20, eoq=12.2) == 13
    assert eoq_order(on_hand=0, reorder_point=20, eoq=12.2) == 26  # one lot would leave 13 <= 20
    assert eoq_order(on_hand=0, reorder_point=20, eoq=0.2) == 21  # lots of at least one unit
    with pytest.raises(ValueError, match="service_level"):
        replenishment(MEAN, P10, P90, bucket_days=7, service_level=1.2, lead_time_days=7, on_hand=0)


def test_abc_by_value() -> None:
    value = pd.Series({"a": 700.0, "b": 150.0, "c": 100.0, "d": 50.0})
    assert abc_classes(value).to_dict() == {"a": "A", "b": "A", "c": "B", "d": "C"}


def test_xyz_by_variability_and_turnover() -> None:
    weekly = np.array([[10, 10, 11, 9], [0, 10, 0, 10], [0, 0, 0, 40], [0, 0, 0, 0]], dtype=float)
    assert xyz_classes(weekly, ["s", "m", "e", "z"]).tolist() == ["X", "Y", "Z", "Z"]
    assert turnover_days(50, 5.0) == 10.0 and turnover_days(None, 5.0) is None
