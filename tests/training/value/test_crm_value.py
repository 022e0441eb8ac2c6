"""CRM defects in customer value: spend and orders net of cancellations, one-order customers' expected
order value, and lifecycle stages that follow the customer's own buying rhythm."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from features.customers import customer_features, net_purchases
from training.value.gamma_gamma import GammaGammaModel
from training.value.segments import lifecycle_stage
from training.value.summary import _order_value, customer_value, fit_value_models, rfm_summary

T0 = pd.Timestamp("2010-10-01", tz="UTC")
AS_OF = T0 + pd.Timedelta(days=60)


def _events(rows: list[tuple[str, str, float, str, int, float, str]]) -> pd.DataFrame:
    """(customer, item, day, event_type, quantity, price, order_id) rows as canonical events."""
    frame = pd.DataFrame(rows, columns=["customer_id", "item_id", "day", "event_type", "quantity", "price", "order_id"])
    frame["timestamp"] = T0 + pd.to_timedelta(frame.pop("day"), unit="D")
    return frame


# Customer "kept": an order placed and cancelled twice before being kept (12454 on Online Retail II).
# Customer "partial": two orders, one line of the second half returned. "gone": bought once, cancelled all.
SHOP = _events([
    ("kept", "A", 0.0, "purchase", 10, 5.0, "1"), ("kept", "B", 0.0, "purchase", 2, 50.0, "1"),
    ("kept", "A", 1.0, "return", 10, 5.0, "C1"), ("kept", "B", 1.0, "return", 2, 50.0, "C1"),
    ("kept", "A", 1.1, "purchase", 10, 5.0, "2"), ("kept", "A", 20.0, "return", 10, 5.0, "C2"),
    ("kept", "A", 20.1, "purchase", 10, 5.0, "3"),
    ("partial", "A", 2.0, "purchase", 4, 5.0, "4"), ("partial", "B", 30.0, "purchase", 4, 10.0, "5"),
    ("partial", "B", 31.0, "return", 2, 10.0, "C5"),
    ("gone", "A", 5.0, "purchase", 3, 5.0, "6"), ("gone", "A", 6.0, "return", 3, 5.0, "C6"),
    ("late", "A", 10.0, "purchase", 1, 5.0, "7"), ("late", "A", 70.0, "return", 1, 5.0, "C7"),  # after AS_OF
])


def test_net_purchases_take_each_return_off_the_latest_earlier_purchase_of_the_item() -> None:
    net = net_purchases(SHOP[SHOP["timestamp"] < AS_OF])
    assert net.groupby("order_id")["quantity"].sum().to_dict() == {"3": 10, "4": 4, "5": 2, "7": 1}


def test_a_return_larger_than_its_purchase_floors_at_zero_and_spares_other_lines() -> None:
    events = _events([("c", "A", 0.0, "purchase", 5, 1.0, "1"), ("c", "A", 2.0, "purchase", 3, 1.0, "2"),
                      ("c", "A", 3.0, "return", -8, 1.0, "C2"), ("c", "B", 3.0, "return", 1, 1.0, "C3")])
    net = net_purchases(events)  # -8: a source that signs returns; B was never bought
    assert net[["order_id", "quantity"]].values.tolist() == [["1", 5]]


def test_a_return_that_names_its_order_is_taken_off_that_order() -> None:
    events = _events([("c", "A", 0.0, "purchase", 4, 1.0, "1"), ("c", "A", 1.0, "purchase", 1, 1.0, "2"),
                      ("c", "A", 2.0, "return", 1, 1.0, "1"),  # names order 1, not the latest (2)
                      ("c", "A", 3.0, "return", 1, 1.0, "C9")])  # its own number: the latest earlier line
    net = net_purchases(events)
    assert net[["order_id", "quantity"]].values.tolist() == [["1", 3]]  # order 2 was cancelled in full
    late = _events([("c", "A", 0.0, "purchase", 4, 1.0, "1"), ("c", "A", 2.0, "return", 1, 1.0, "5"),
                    ("c", "A", 3.0, "purchase", 1, 1.0, "5")])  # order 5 comes after the return: not that one
    assert net_purchases(late)[["order_id", "quantity"]].values.tolist() == [["1", 3], ["5", 1]]


def test_cancelled_orders_are_neither_orders_nor_spend_in_the_summary() -> None:
    s = rfm_summary(SHOP, as_of=AS_OF)
    assert "gone" not in s.index  # nothing was kept
    assert s.loc["kept"].to_dict() == {"frequency": 0.0, "recency": 0.0, "T": 40.0, "monetary": 0.0, "total_value": 50.0}
    assert s.loc["partial", "frequency"] == 1.0 and s.loc["partial", "monetary"] == 20.0
    assert s.loc["partial", "total_value"] == 40.0
    assert s.loc["late", "total_value"] == 5.0  # its return comes after the as-of date


def test_cancelled_orders_are_neither_orders_nor_spend_in_the_features() -> None:
    f = customer_features(SHOP, as_of=AS_OF)
    assert "gone" not in f.index
    kept = f.loc["kept"]
    assert kept["frequency"] == 1.0 and kept["monetary_total"] == 50.0 and kept["monetary_mean"] == 50.0
    assert kept["recency_days"] == pytest.approx(60 - 20.1) and kept["distinct_items"] == 1.0
    assert f.loc["partial", "monetary_total"] == 40.0 and f.loc["partial", "last_order_value"] == 20.0


def test_returns_count_return_orders_and_their_share_of_the_value_bought() -> None:
    f = customer_features(SHOP, as_of=AS_OF)
    assert f.loc["kept", "returns"] == 2.0  # 2 cancellation invoices, 3 returned lines
    assert f.loc["kept", "return_value_share"] == pytest.approx(200.0 / 250.0)  # returned / bought
    assert f.loc["partial", "returns"] == 1.0 and f.loc["partial", "return_value_share"] == pytest.approx(20 / 60)
    assert f.loc["late", "returns"] == 0.0


def test_a_one_order_customer_is_valued_on_their_own_spend() -> None:
    gg = GammaGammaModel(params_=np.array([6.0, 4.0, 15.0]))
    summary = pd.DataFrame({"frequency": [0.0, 0.0, 2.0], "monetary": [0.0, 0.0, 10.95],
                            "total_value": [10.95, 4000.0, 30.0]}, index=["small", "big", "repeat"])
    value = _order_value(summary, gg)
    p, q, v = 6.0, 4.0, 15.0
    assert value[0] == pytest.approx(p * (v + 10.95) / (p + q - 1))  # the first order is the one observation
    assert value[1] == pytest.approx(p * (v + 4000.0) / (p + q - 1))
    pop = gg.population_mean()
    assert 10.95 < value[0] < pop < value[1] < 4000.0  # between their own spend and the shop's mean
    assert value[2] == pytest.approx(gg.expected_order_value(np.array([2.0]), np.array([10.95]))[0])


def test_expected_value_of_one_order_customers_follows_their_spend() -> None:
    rng = np.random.default_rng(4)
    rows = []
    for c in range(300):
        spend = float(rng.gamma(2.0, 20.0))
        for k, day in enumerate(np.sort(rng.uniform(0, 50, int(rng.integers(1, 5))))):
            rows.append((f"c{c}", "A", float(day), "purchase", 1, spend * rng.uniform(0.8, 1.2), f"o{c}-{k}"))
    rows += [("tiny", "A", 40.0, "purchase", 1, 1.0, "t"), ("huge", "A", 40.0, "purchase", 1, 500.0, "h")]
    summary = rfm_summary(_events(rows), as_of=AS_OF)
    value = customer_value(summary, fit_value_models(summary))
    assert value.loc["tiny", "expected_order_value"] < value.loc["huge", "expected_order_value"]
    assert value.loc["tiny", "expected_value_12m"] < value.loc["huge", "expected_value_12m"]


def test_without_gamma_gamma_a_customer_is_valued_at_their_own_mean() -> None:
    summary = pd.DataFrame({"frequency": [0.0, 1.0], "monetary": [0.0, 30.0], "total_value": [10.0, 50.0]})
    np.testing.assert_allclose(_order_value(summary, None), [10.0, 25.0])


def _stage_frame(rows: dict[str, tuple[float, float, float, float]]) -> pd.DataFrame:
    """customer: (recency_days, tenure_days, gap_median_days, gap_last_days)."""
    return pd.DataFrame.from_dict(rows, orient="index",
                                  columns=["recency_days", "tenure_days", "gap_median_days", "gap_last_days"])


def test_a_frequent_buyer_is_at_risk_after_a_few_missed_orders() -> None:
    f = _stage_frame({
        "C00166": (24.0, 540.0, 4.0, 4.0),  # usually every 4 days, silent 24: at risk (was active)
        "weekend": (10.0, 540.0, 4.0, 4.0),  # under MIN_OVERDUE_DAYS: still active
        "monthly": (50.0, 300.0, 30.0, 30.0),  # within twice the usual gap
        "monthly-late": (61.0, 300.0, 30.0, 30.0),
        "slow": (85.0, 400.0, 60.0, 60.0),  # twice the gap is past the horizon: the horizon decides
        "slow-late": (91.0, 400.0, 60.0, 60.0),
    })
    assert lifecycle_stage(f, horizon_days=90).to_dict() == {
        "C00166": "at risk", "weekend": "active", "monthly": "active", "monthly-late": "at risk",
        "slow": "active", "slow-late": "at risk"}


def test_one_order_customers_are_held_to_the_shops_usual_gap() -> None:
    repeat = {f"r{i}": (5.0, 200.0, 25.0, 25.0) for i in range(5)}  # the shop: every 25 days
    f = _stage_frame({**repeat, "fresh": (30.0, 30.0, np.nan, np.nan), "quiet": (55.0, 55.0, np.nan, np.nan),
                      "silent-70": (70.0, 70.0, np.nan, np.nan), "silent-45": (45.0, 45.0, np.nan, np.nan)})
    stage = lifecycle_stage(f, horizon_days=90)
    assert stage["fresh"] == "new" and stage["quiet"] == "new"  # first order within NEW_DAYS
    assert stage["silent-70"] == "at risk"  # was "active" until 90 days (the horizon stood in for the gap)
    slower = {f"r{i}": (5.0, 200.0, 52.0, 52.0) for i in range(5)}  # Online Retail II: every 52 days
    f = _stage_frame({**slower, "silent-61": (61.0, 61.0, np.nan, np.nan), "silent-89": (89.0, 89.0, np.nan, np.nan)})
    assert lifecycle_stage(f, horizon_days=90)[["silent-61", "silent-89"]].tolist() == ["at risk", "at risk"]
    alone = lifecycle_stage(_stage_frame({"only": (70.0, 70.0, np.nan, np.nan)}), horizon_days=90)
    assert alone["only"] == "active"  # nobody with a gap: the horizon stands in
