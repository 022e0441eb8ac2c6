"""Top churn factors in plain words, from LightGBM SHAP contributions grouped by what they describe."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

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


@dataclass(frozen=True)
class Context:
    """What a phrase needs besides the customer's row: the factor's direction, the horizon and the
    typical silence and gap of the scored customers (SHAP compares with the average customer)."""

    raises: bool
    horizon_days: int = 90
    typical_recency: float = float("nan")
    typical_gap: float = float("nan")


def _num(row: Mapping[str, object], key: str) -> float:
    value = row.get(key)
    try:
        out = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return float("nan")
    return out


def count(n: float, noun: str, plural: str | None = None) -> str:
    """`n` (rounded) with the noun in the singular or plural: "1 order", "3 orders"."""
    shown = round(n)
    return f"{shown} {noun if shown == 1 else (plural or noun + 's')}"


def _every(days: float) -> str:
    return "every day" if round(days) <= 1 else f"every {days:.0f} days"


def _recency(row: Mapping[str, object], ctx: Context) -> str:
    days, usual = _num(row, "recency_days"), _num(row, "gap_median_days")
    silence = "last order less than a day ago" if days < 0.5 else f"no order for {count(days, 'day')}"
    if math.isnan(usual):
        return f"{silence}, and only one order day so far"
    phrase = f"{silence}, usually {_every(usual)}"
    if ctx.raises and not days > usual:
        return phrase + _why_a_short_silence_raises(days, usual, ctx)
    if not ctx.raises and days > usual:
        return phrase + _why_a_silence_lowers(days, ctx)
    return phrase


def _why_a_short_silence_raises(days: float, usual: float, ctx: Context) -> str:
    """Why a silence within the customer's usual gap can still raise the risk: the next order is due
    after the horizon or late in it, the customer's orders are further apart than most, or the
    buying history (BG/NBD) points to a pause."""
    due = usual - days
    if due >= ctx.horizon_days:
        return f", so the next order is not due within the {ctx.horizon_days}-day horizon"
    if due >= ctx.horizon_days / 2:
        return f", so the next order is due only late in the {ctx.horizon_days}-day horizon"
    if usual > ctx.typical_gap:
        return f", longer between orders than the typical {ctx.typical_gap:.0f} days"
    return ", but the buying history points to a pause"


def _why_a_silence_lowers(days: float, ctx: Context) -> str:
    """Why a silence longer than the customer's usual gap can still lower the risk: SHAP compares
    with the average customer, who may have been silent longer, or the buying history (BG/NBD)
    still points to an active customer."""
    if days < ctx.typical_recency:
        return f", a shorter silence than the typical {ctx.typical_recency:.0f} days"
    return ", but the buying history still points to an active customer"


def _frequency(row: Mapping[str, object], ctx: Context) -> str:
    n, months = _num(row, "frequency"), _num(row, "tenure_days") / 30.4
    if not months >= 0.5:
        return f"{count(n, 'order')} in less than a month as a customer"
    return f"{count(n, 'order')} in {count(months, 'month')} as a customer"


def _trend(row: Mapping[str, object], ctx: Context) -> str:
    """Recent orders, with the first comparison that agrees with the factor's direction (the trend
    group also holds the recent value and the last order's size, so the order count alone can point
    the other way); just the count when none does."""
    recent, ratio = _num(row, "orders_90d"), _num(row, "rate_ratio_90d")
    value, last, month = _num(row, "value_ratio_90d"), _num(row, "last_value_ratio"), _num(row, "orders_30d")
    facts = [  # (holds, raises the risk, words)
        (ratio < 0.8, True, "fewer than before"), (ratio > 1.25, False, "more than before"),
        (0.8 <= ratio <= 1.25, ctx.raises, "about as many as before"),
        (value < 0.8, True, "with less spent than before"), (value > 1.25, False, "with more spent than before"),
        (last < 0.8, True, "the last one smaller than their average"),
        (last > 1.25, False, "the last one larger than their average"),
        (recent > 0 and month == 0, True, "none in the last 30 days"),
        (month > 0, False, f"{count(month, 'order') if month > 0 else 'some'} in the last 30 days"),
    ]
    phrase = f"{count(recent, 'order')} in the last 90 days"
    agreeing = [words for holds, raises, words in facts if holds and raises == ctx.raises]
    return f"{phrase}, {agreeing[0]}" if agreeing else phrase


def _value(row: Mapping[str, object], ctx: Context) -> str:
    return f"spends {_num(row, 'monetary_mean'):.0f} per order on average"


def _returns(row: Mapping[str, object], ctx: Context) -> str:
    """Cancelled or returned orders, and the returned value as a share of the value bought."""
    n, share = _num(row, "returns"), _num(row, "return_value_share")
    if not n or math.isnan(n):
        return "no returns"
    orders = count(n, "cancelled or returned order")
    return orders if math.isnan(share) else f"{orders} ({share:.1%} of the value bought)"


def _breadth(row: Mapping[str, object], ctx: Context) -> str:
    n = _num(row, "distinct_items")
    return "bought 1 product" if round(n) == 1 else f"bought {n:.0f} different products"


def _season(row: Mapping[str, object], ctx: Context) -> str:
    concentration = _num(row, "month_concentration")
    return "buys in few months of the year" if concentration > 0.5 else "buys in many months of the year"


def _region(row: Mapping[str, object], ctx: Context) -> str:
    region = row.get("region")
    return f"region {region}" if isinstance(region, str) and region else "region unknown"


PHRASES: dict[str, Callable[[Mapping[str, object], Context], str]] = {
    "recency": _recency, "frequency": _frequency, "trend": _trend, "value": _value, "returns": _returns,
    "breadth": _breadth, "season": _season, "region": _region,
}


def group_contributions(contrib: pd.DataFrame) -> pd.DataFrame:
    """Sum of the SHAP contributions (log-odds) of each group's columns."""
    return pd.DataFrame({g: contrib.reindex(columns=list(cols)).fillna(0.0).sum(axis=1) for g, cols in GROUPS.items()},
                        index=contrib.index)


def _median(features: pd.DataFrame, column: str) -> float:
    return float(features[column].median()) if column in features else float("nan")


def top_factors(features: pd.DataFrame, contrib: pd.DataFrame, k: int = 3, *,
                horizon_days: int = 90) -> dict[str, list[str]]:
    """Per customer, the `k` groups that move the churn odds most, in plain words that agree with
    their direction (`horizon_days` is the churn horizon the contributions are for)."""
    grouped = group_contributions(contrib)
    values = grouped.to_numpy()
    order = np.argsort(-np.abs(values), axis=1)[:, :k]
    names = list(grouped.columns)
    records = features.to_dict(orient="index")
    recency, gap = _median(features, "recency_days"), _median(features, "gap_median_days")
    out: dict[str, list[str]] = {}
    for i, customer in enumerate(grouped.index):
        row = records[customer]
        reasons = []
        for j in order[i]:
            raises = bool(values[i, j] > 0)
            phrase = PHRASES[names[j]](row, Context(raises, horizon_days, recency, gap))
            reasons.append(f"{phrase} ({'raises' if raises else 'lowers'} the risk)")
        out[str(customer)] = reasons
    return out
