"""Top churn factors in plain words, from LightGBM SHAP contributions grouped by what they describe."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

GROUPS: dict[str, tuple[str, ...]] = {
    "recency": ("recency_days", "gap_mean_days", "gap_median_days", "gap_std_days", "gap_last_days",
                "gap_max_days", "gap_ratio", "gap_ratio_median", "gap_zscore", "p_alive", "p_no_purchase_h",
                "expected_purchases_h", "expected_purchases_12m"),
    "frequency": ("frequency", "purchase_days", "orders_per_30d", "tenure_days"),
    "trend": ("orders_30d", "orders_90d", "value_30d", "value_90d", "rate_ratio_90d", "value_ratio_90d",
              "active_days_30d", "last_value_ratio"),
    "value": ("monetary_total", "monetary_mean", "last_order_value", "first_order_value", "quantity_per_order",
              "lines_per_order", "expected_order_value", "expected_value_12m"),
    "returns": ("returns", "return_value_share", "return_quantity_share", "days_since_return"),
    "breadth": ("distinct_items", "distinct_categories", "items_per_order_distinct"),
    "season": ("month_concentration", "weekday_concentration", "season_share", "season_orders_last_year"),
    "region": ("region_code",),
}


def _num(row: Mapping[str, object], key: str) -> float:
    value = row.get(key)
    try:
        out = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return float("nan")
    return out


def _recency(row: Mapping[str, object]) -> str:
    days, usual = _num(row, "recency_days"), _num(row, "gap_median_days")
    if math.isnan(usual):
        return f"no order for {days:.0f} days, and only one order day so far"
    return f"no order for {days:.0f} days, usually every {usual:.0f}"


def _frequency(row: Mapping[str, object]) -> str:
    n, months = _num(row, "frequency"), _num(row, "tenure_days") / 30.4
    orders = f"{n:.0f} order{'s' if n != 1 else ''}"
    if not months >= 0.5:
        return f"{orders} in less than a month as a customer"
    return f"{orders} in {months:.0f} month{'s' if round(months) != 1 else ''} as a customer"


def _trend(row: Mapping[str, object]) -> str:
    recent, ratio = _num(row, "orders_90d"), _num(row, "rate_ratio_90d")
    if math.isnan(ratio):
        return f"{recent:.0f} order{'s' if recent != 1 else ''} in the last 90 days"
    word = "fewer" if ratio < 0.8 else ("more" if ratio > 1.25 else "about as many")
    return f"{recent:.0f} order{'s' if recent != 1 else ''} in the last 90 days, {word} than before"


def _value(row: Mapping[str, object]) -> str:
    return f"spends {_num(row, 'monetary_mean'):.0f} per order on average"


def _returns(row: Mapping[str, object]) -> str:
    n, share = _num(row, "returns"), _num(row, "return_value_share")
    if not n or math.isnan(n):
        return "no returns"
    return f"{n:.0f} return{'s' if n != 1 else ''} ({0.0 if math.isnan(share) else share:.0%} of the value bought)"


def _breadth(row: Mapping[str, object]) -> str:
    return f"bought {_num(row, 'distinct_items'):.0f} different products"


def _season(row: Mapping[str, object]) -> str:
    concentration = _num(row, "month_concentration")
    return "buys in few months of the year" if concentration > 0.5 else "buys in many months of the year"


def _region(row: Mapping[str, object]) -> str:
    region = row.get("region")
    return f"region {region}" if isinstance(region, str) and region else "region unknown"


PHRASES: dict[str, Callable[[Mapping[str, object]], str]] = {
    "recency": _recency, "frequency": _frequency, "trend": _trend, "value": _value, "returns": _returns,
    "breadth": _breadth, "season": _season, "region": _region,
}


def group_contributions(contrib: pd.DataFrame) -> pd.DataFrame:
    """Sum of the SHAP contributions (log-odds) of each group's columns."""
    return pd.DataFrame({g: contrib.reindex(columns=list(cols)).fillna(0.0).sum(axis=1) for g, cols in GROUPS.items()},
                        index=contrib.index)


def top_factors(features: pd.DataFrame, contrib: pd.DataFrame, k: int = 3) -> dict[str, list[str]]:
    """Per customer, the `k` groups that move the churn odds most, in plain words with their direction."""
    grouped = group_contributions(contrib)
    values = grouped.to_numpy()
    order = np.argsort(-np.abs(values), axis=1)[:, :k]
    names = list(grouped.columns)
    records = features.to_dict(orient="index")
    typical = float(features["recency_days"].median()) if "recency_days" in features else float("nan")
    out: dict[str, list[str]] = {}
    for i, customer in enumerate(grouped.index):
        row = records[customer]
        reasons = []
        for j in order[i]:
            direction = "raises" if values[i, j] > 0 else "lowers"
            phrase = PHRASES[names[j]](row)
            if names[j] == "recency" and direction == "lowers":
                phrase += _why_a_silence_lowers(row, typical)
            reasons.append(f"{phrase} ({direction} the risk)")
        out[str(customer)] = reasons
    return out


def _why_a_silence_lowers(row: Mapping[str, object], typical: float) -> str:
    """Why a silence longer than the customer's usual gap can still lower the risk: SHAP compares
    with the average customer, who may have been silent longer, or the buying history (BG/NBD)
    still points to an active customer."""
    days, usual = _num(row, "recency_days"), _num(row, "gap_median_days")
    if not days > usual:
        return ""
    if days < typical:
        return f", a shorter silence than the typical {typical:.0f} days"
    return ", but the buying history still points to an active customer"
