"""CRM defects in the churn answers: factor wording that agrees with its direction, the returns reason,
the win-back list (stages, paging, total) and the as-of date of every answer."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.training.churn.shop import FAST, small_events
from training.churn.factors import GROUPS, top_factors
from training.churn.pipeline import ShopData, fit_final, package, serving_as_of
from training.churn.runtime import STAGES, ChurnRuntime
from training.value.segments import STAGES as SEGMENT_STAGES

COLUMNS = [c for cols in GROUPS.values() for c in cols]


def _factor(row: dict[str, float], group: str, sign: float, *, others: dict[str, dict[str, float]] | None = None,
            horizon_days: int = 90) -> str:
    """The one factor phrase of customer "x" whose `group` contributes `sign` (other customers set the typical values)."""
    features = pd.DataFrame.from_dict({"x": row, **(others or {})}, orient="index")
    contrib = pd.DataFrame(0.0, index=features.index, columns=COLUMNS)
    contrib.loc["x", GROUPS[group][0]] = sign
    return top_factors(features, contrib, k=1, horizon_days=horizon_days)["x"][0]


@pytest.mark.parametrize(("row", "expected"), [
    ({"recency_days": 0.4, "gap_median_days": 90.0},
     ("last order less than a day ago, usually every 90 days, so the next order is due only late in the 90-day "
     "horizon (raises the risk)")),
    ({"recency_days": 5.0, "gap_median_days": 120.0},
     ("no order for 5 days, usually every 120 days, so the next order is not due within the 90-day horizon "
     "(raises the risk)")),
    ({"recency_days": 1.2, "gap_median_days": 1.0}, "no order for 1 day, usually every day (raises the risk)"),
    ({"recency_days": 10.0, "gap_median_days": 40.0},
     "no order for 10 days, usually every 40 days, longer between orders than the typical 20 days (raises the risk)"),
    ({"recency_days": 3.0, "gap_median_days": 10.0},
     "no order for 3 days, usually every 10 days, but the buying history points to a pause (raises the risk)"),
    ({"recency_days": 0.2, "gap_median_days": np.nan},
     "last order less than a day ago, and only one order day so far (raises the risk)"),
])
def test_a_short_silence_that_raises_the_risk_says_why(row: dict[str, float], expected: str) -> None:
    others = {"y": {"recency_days": 30.0, "gap_median_days": 20.0}, "z": {"recency_days": 30.0, "gap_median_days": 20.0}}
    assert _factor(row, "recency", 0.5, others=others) == expected


@pytest.mark.parametrize(("row", "sign", "expected"), [
    ({"orders_90d": 1.0, "rate_ratio_90d": 3.0}, -0.5, "1 order in the last 90 days, more than before (lowers the risk)"),
    ({"orders_90d": 1.0, "rate_ratio_90d": 3.0, "value_ratio_90d": 0.5}, 0.5,
     "1 order in the last 90 days, with less spent than before (raises the risk)"),
    ({"orders_90d": 1.0, "rate_ratio_90d": 3.0, "orders_30d": 0.0}, 0.5,
     "1 order in the last 90 days, none in the last 30 days (raises the risk)"),
    ({"orders_90d": 2.0, "rate_ratio_90d": 3.0, "orders_30d": 2.0}, 0.5, "2 orders in the last 90 days (raises the risk)"),
    ({"orders_90d": 2.0, "rate_ratio_90d": 0.5, "orders_30d": 1.0}, -0.5,
     "2 orders in the last 90 days, 1 order in the last 30 days (lowers the risk)"),
    ({"orders_90d": 3.0, "rate_ratio_90d": 1.0}, 0.5, "3 orders in the last 90 days, about as many as before (raises the risk)"),
    ({"orders_90d": 0.0, "rate_ratio_90d": 0.0}, 0.5, "0 orders in the last 90 days, fewer than before (raises the risk)"),
])
def test_the_trend_words_agree_with_the_direction(row: dict[str, float], sign: float, expected: str) -> None:
    assert _factor(row, "trend", sign) == expected


@pytest.mark.parametrize(("row", "group", "expected"), [
    ({"distinct_items": 1.0}, "breadth", "bought 1 product (raises the risk)"),
    ({"distinct_items": 7.0}, "breadth", "bought 7 different products (raises the risk)"),
    ({"frequency": 1.0, "tenure_days": 30.0}, "frequency", "1 order in 1 month as a customer (raises the risk)"),
    ({"returns": 4.0, "return_value_share": 0.178}, "returns",
     "4 cancelled or returned orders (17.8% of the value bought) (raises the risk)"),
    ({"returns": 1.0, "return_value_share": 0.05}, "returns",
     "1 cancelled or returned order (5.0% of the value bought) (raises the risk)"),
    ({"returns": 0.0, "return_value_share": np.nan}, "returns", "no returns (raises the risk)"),
])
def test_counts_are_singular_or_plural(row: dict[str, float], group: str, expected: str) -> None:
    assert _factor(row, group, 0.5) == expected


def test_the_serving_stages_are_the_lifecycle_stages() -> None:
    assert STAGES == SEGMENT_STAGES


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> tuple[ChurnRuntime, ShopData]:
    events, customers = small_events()
    shop = ShopData(events, customers, None)
    model, as_of = fit_final(shop, FAST)
    return ChurnRuntime.load(package(shop, model, as_of, tmp_path_factory.mktemp("crm") / "model")), shop


def test_every_answer_carries_the_date_it_was_computed_at(served: tuple[ChurnRuntime, ShopData]) -> None:
    runtime, shop = served
    day = str(serving_as_of(shop.events).date())
    cid = runtime.customer_ids()[0]
    assert runtime.as_of == day and runtime.churn(cid)["as_of"] == day and runtime.profile(cid)["as_of"] == day


def test_the_win_back_list_includes_the_churned_and_filters_by_stage(served: tuple[ChurnRuntime, ShopData]) -> None:
    runtime, _ = served
    stage = {c: runtime.profile(c)["lifecycle_stage"] for c in runtime.customer_ids()}
    everyone = runtime.at_risk(100_000, stages=STAGES)
    assert {stage[r["customer_id"]] for r in everyone["customers"]} >= {"churned", "at risk"}
    assert all(r["probability"] >= 0.35 for r in everyone["customers"])
    lost = [r["expected_value_lost"] for r in everyone["customers"]]
    assert lost == sorted(lost, reverse=True) and everyone["total"] == len(lost)
    default = runtime.at_risk(100_000)
    assert default["stages"] == ["at risk", "churned"]
    assert default["customers"] == [r for r in everyone["customers"] if stage[r["customer_id"]] in ("at risk", "churned")]
    churned = runtime.at_risk(100_000, stages=["churned"])["customers"]
    assert churned and all(r["lifecycle_stage"] == "churned" for r in churned)
    assert runtime.at_risk(5, stages=["won_back", "at_risk"])["stages"] == ["won back", "at risk"]


def test_the_win_back_list_pages(served: tuple[ChurnRuntime, ShopData]) -> None:
    runtime, _ = served
    whole = runtime.at_risk(100_000, stages=STAGES)
    pages = [runtime.at_risk(7, offset=o, stages=STAGES) for o in range(0, whole["total"] + 7, 7)]
    assert [r for p in pages for r in p["customers"]] == whole["customers"]
    assert {p["total"] for p in pages} == {whole["total"]} and pages[-1]["customers"] == []
    with pytest.raises(ValueError, match="offset"):
        runtime.at_risk(5, offset=-1)
    with pytest.raises(ValueError, match="unknown lifecycle stage 'lost'; allowed: new, active"):
        runtime.at_risk(5, stages=["lost"])


def test_older_answers_with_a_timestamp_as_of_read_as_a_date(tmp_path: Path) -> None:
    row = {"probability": 0.5, "risk": "medium", "top_factors": [], "rfm_segment": "new", "recency_days": 1.0,
           "frequency": 1, "monetary": 1.0, "lifecycle_stage": "churned", "expected_value_12m": 1.0, "p_alive": 1.0,
           "expected_purchases_12m": 1.0, "expected_value_lost": 0.5}
    runtime = ChurnRuntime({"a": row}, ["a"], horizon_days=30, as_of="2010-12-10 00:00:00+00:00")
    assert runtime.as_of == "2010-12-10" and runtime.churn("a")["horizon_days"] == 30
    assert runtime.forget_customer("a") and runtime.at_risk(5) == {"customers": [], "total": 0,
                                                                   "stages": ["at risk", "churned"]}
