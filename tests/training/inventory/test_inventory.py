"""Safety stock, reorder point, order quantity, stockout risk, ABC/XYZ and turnover."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from training.inventory.classes import abc_classes, turnover_days, xyz_classes
from training.inventory.policy import Z80, demand_over, normal_cdf, normal_ppf, replenishment

WEEKS = 8
MEAN = [70.0] * WEEKS  # 10 a day
P10 = [70.0 - Z80 / 2 * 14] * WEEKS  # sigma 14 a week
P90 = [70.0 + Z80 / 2 * 14] * WEEKS


def test_normal_helpers() -> None:
    assert normal_ppf(0.95) == pytest.approx(1.6448536, abs=1e-6)
    assert normal_cdf(normal_ppf(0.2)) == pytest.approx(0.2)
    with pytest.raises(ValueError):
        normal_ppf(1.0)


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
    assert r["missing"] == []
    assert r["safety_stock"] == math.ceil(1.6448536 * 14 * math.sqrt(2))
    assert r["reorder_point"] == math.ceil(140 + 1.6448536 * 14 * math.sqrt(2))
    order_up_to = 210 + 1.6448536 * 14 * math.sqrt(3)
    assert r["suggested_order_quantity"] == math.ceil(order_up_to - 100)
    assert r["stockout_probability"] == pytest.approx(1 - normal_cdf((100 - 140) / (14 * math.sqrt(2))))
    at_reorder_point = replenishment(MEAN, P10, P90, bucket_days=7, service_level=0.95, lead_time_days=14,
                                     on_hand=140 + 1.6448536 * 14 * math.sqrt(2))
    assert at_reorder_point["stockout_probability"] == pytest.approx(0.05, abs=1e-4)
    assert r["days_of_cover"] == pytest.approx(10.0)
    higher = replenishment(MEAN, P10, P90, bucket_days=7, service_level=0.99, lead_time_days=14, on_hand=100.0)
    assert higher["safety_stock"] > r["safety_stock"]
    plenty = replenishment(MEAN, P10, P90, bucket_days=7, service_level=0.95, lead_time_days=14, on_hand=1000.0)
    assert plenty["suggested_order_quantity"] == 0 and plenty["stockout_probability"] < 1e-6


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
    with pytest.raises(ValueError, match="service_level"):
        replenishment(MEAN, P10, P90, bucket_days=7, service_level=1.2, lead_time_days=7, on_hand=0)


def test_abc_by_value() -> None:
    value = pd.Series({"a": 700.0, "b": 150.0, "c": 100.0, "d": 50.0})
    assert abc_classes(value).to_dict() == {"a": "A", "b": "A", "c": "B", "d": "C"}


def test_xyz_by_variability_and_turnover() -> None:
    weekly = np.array([[10, 10, 11, 9], [0, 10, 0, 10], [0, 0, 0, 40], [0, 0, 0, 0]], dtype=float)
    assert xyz_classes(weekly, ["s", "m", "e", "z"]).tolist() == ["X", "Y", "Z", "Z"]
    assert turnover_days(50, 5.0) == 10.0 and turnover_days(None, 5.0) is None
