"""Churn training frames: customer features plus BG/NBD outputs at an as-of date, stacked over many dates."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from features.customers import FEATURE_COLUMNS, customer_features
from features.timestamps import as_utc
from training.churn.labels import DEFAULT_HORIZON_DAYS, churn_labels
from training.sampling import at_most
from training.value.bgnbd import FitError
from training.value.summary import ValueModels, customer_value, fit_value_models, rfm_summary

log = logging.getLogger(__name__)

VALUE_COLUMNS: tuple[str, ...] = (
    "p_alive", "p_no_purchase_h", "expected_purchases_h", "expected_purchases_12m", "expected_order_value", "expected_value_12m",
)
NUMERIC_COLUMNS: tuple[str, ...] = tuple(c for c in FEATURE_COLUMNS if c != "region") + VALUE_COLUMNS


@dataclass
class Snapshot:
    """Everything known about the customers at one as-of date."""

    as_of: pd.Timestamp
    features: pd.DataFrame  # FEATURE_COLUMNS + VALUE_COLUMNS, indexed by customer_id
    summary: pd.DataFrame  # BG/NBD summary (frequency, recency, T, monetary, total_value)
    value_models: ValueModels | None


def snapshot(events: pd.DataFrame, *, as_of: pd.Timestamp | str, horizon_days: int = DEFAULT_HORIZON_DAYS,
             customers: pd.DataFrame | None = None, items: pd.DataFrame | None = None) -> Snapshot:
    """Customer features and BG/NBD/Gamma-Gamma outputs (fitted on history before `as_of`)."""
    as_of = as_utc(as_of)
    feats = customer_features(events, as_of=as_of, customers=customers, items=items)
    summary = rfm_summary(events, as_of=as_of).reindex(feats.index)
    models: ValueModels | None
    try:
        models = fit_value_models(summary)
        value = customer_value(summary, models, horizon_days=horizon_days)
    except (FitError, ValueError) as exc:
        log.warning("BG/NBD not fitted at %s: %s", as_of.date(), exc)
        models = None
        value = pd.DataFrame(np.nan, index=feats.index, columns=list(VALUE_COLUMNS))
    return Snapshot(as_of, feats.join(value[list(VALUE_COLUMNS)]), summary, models)


def labelled_frame(events: pd.DataFrame, *, as_of: pd.Timestamp | str, horizon_days: int = DEFAULT_HORIZON_DAYS,
                   customers: pd.DataFrame | None = None, items: pd.DataFrame | None = None) -> pd.DataFrame:
    """The snapshot at `as_of` with columns as_of and churned (label) added."""
    snap = snapshot(events, as_of=as_of, horizon_days=horizon_days, customers=customers, items=items)
    frame = snap.features.copy()
    frame["churned"] = churn_labels(events, frame.index, as_of=snap.as_of, horizon_days=horizon_days)
    frame["as_of"] = snap.as_of
    return frame


def training_dates(events: pd.DataFrame, *, before: pd.Timestamp | str, horizon_days: int = DEFAULT_HORIZON_DAYS,
                   step_days: int = 14, min_history_days: int = 60) -> list[pd.Timestamp]:
    """As-of dates every `step_days` whose label window ends by `before` and that have enough history.

    The latest date is `before - horizon_days`; earlier ones step back until less than
    `min_history_days` of events precede them. Oldest first.
    """
    cutoff = as_utc(before)
    start = events["timestamp"].min()
    latest = cutoff - pd.Timedelta(days=horizon_days)
    dates = []
    current = latest
    while current - start >= pd.Timedelta(days=min_history_days):
        dates.append(current)
        current = current - pd.Timedelta(days=step_days)
    return sorted(dates)


def stacked_frame(events: pd.DataFrame, dates: list[pd.Timestamp], *, horizon_days: int = DEFAULT_HORIZON_DAYS,
                  customers: pd.DataFrame | None = None, items: pd.DataFrame | None = None) -> pd.DataFrame:
    """Labelled frames at every date, one under the other (index: customer_id, not unique)."""
    frames = [labelled_frame(events, as_of=d, horizon_days=horizon_days, customers=customers, items=items) for d in dates]
    return pd.concat(frames, axis=0)


def customer_sample(events: pd.DataFrame, limit: int, *, seed: int = 0) -> pd.DataFrame:
    """The events of at most `limit` customers, drawn uniformly (seeded); every event when fewer
    customers bought. Training frames and the BG/NBD fits behind them scale with the sample."""
    known = events["customer_id"].notna().to_numpy()
    customer = events.loc[known, "customer_id"].astype(str)
    ids = np.sort(customer.unique())
    keep = at_most(ids, limit, seed=seed)
    if len(keep) == len(ids):
        return events
    return events.loc[known].loc[customer.isin(keep).to_numpy()]
