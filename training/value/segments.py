"""RFM scores (1-5), named RFM segments, and lifecycle stages (new, active, at risk, churned, won back)."""

from __future__ import annotations

import numpy as np
import pandas as pd

SEGMENTS: tuple[str, ...] = (
    "champions", "loyal", "potential loyalists", "new", "needs attention", "at risk", "hibernating",
)
STAGES: tuple[str, ...] = ("new", "active", "at risk", "churned", "won back")
NEW_DAYS = 60
# The shortest silence that makes a customer overdue, however often they buy: a frequent buyer is
# not at risk after a long weekend.
MIN_OVERDUE_DAYS = 14.0


def _score(values: pd.Series, higher_is_better: bool = True) -> pd.Series:
    """1..5 by quintile of rank (ties share the average rank)."""
    pct = values.rank(method="average", pct=True, ascending=higher_is_better)
    return np.ceil(pct * 5).clip(1, 5).astype(int)


def rfm_scores(features: pd.DataFrame) -> pd.DataFrame:
    """R, F and M scores 1..5 (5 = most recent, most frequent, highest value) from customer features."""
    return pd.DataFrame({
        "r_score": _score(features["recency_days"], higher_is_better=False),
        "f_score": _score(features["frequency"]),
        "m_score": _score(features["monetary_total"]),
    }, index=features.index)


def rfm_segment(scores: pd.DataFrame, frequency: pd.Series) -> pd.Series:
    """Named segment per customer from R/F/M scores and the number of orders."""
    r, f, m = scores["r_score"], scores["f_score"], scores["m_score"]
    conditions = [
        (r >= 4) & (f >= 4),
        (r >= 3) & (f >= 4),
        (r >= 4) & (frequency <= 1),
        (r >= 3) & ((f + m) >= 6),
        (r <= 2) & ((f >= 3) | (m >= 4)),
        (r <= 2),
    ]
    names = ["champions", "loyal", "new", "potential loyalists", "at risk", "hibernating"]
    return pd.Series(np.select(conditions, names, default="needs attention"), index=scores.index, name="rfm_segment")


def lifecycle_stage(features: pd.DataFrame, *, horizon_days: int = 90) -> pd.Series:
    """Stage per customer, the first that applies:

    - churned: no order for more than 2 x horizon_days;
    - new: first order within NEW_DAYS;
    - won back: came back after a gap longer than the horizon, and is not overdue again;
    - at risk (overdue): silent for more than twice the customer's usual gap (median days between
      their order days; twice, because gaps vary around a customer's rhythm), but at least
      MIN_OVERDUE_DAYS and at most the horizon. A customer with one order day has no rhythm yet:
      they are overdue once silent longer than the shop's usual gap (the median of the customers'
      usual gaps; the horizon when nobody has two order days), with the same floor and cap, since
      a customer who is coming back like the others would have done so by then;
    - active: everyone else.

    The stage reads only the customer's own rhythm (and the shop's, for one-order customers), not
    the churn model, so it can disagree with the churn probability: it says where the customer is
    in their life cycle, the probability what they will do next.
    """
    recency = features["recency_days"]
    gaps = features["gap_median_days"].dropna()
    shop_gap = float(gaps.median()) if len(gaps) else float(horizon_days)
    allowed = (2.0 * features["gap_median_days"]).fillna(shop_gap)
    overdue = recency > np.minimum(np.maximum(allowed, MIN_OVERDUE_DAYS), float(horizon_days))
    won_back = (features["gap_last_days"] > horizon_days) & ~overdue
    conditions = [recency > 2 * horizon_days, features["tenure_days"] <= NEW_DAYS, won_back, overdue]
    stage = np.select(conditions, ["churned", "new", "won back", "at risk"], default="active")
    return pd.Series(stage, index=features.index, name="lifecycle_stage")
