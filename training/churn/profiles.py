"""Every customer's precomputed answer (churn, reasons, RFM segment, lifecycle, value) and the at-risk list.

Written to `customers.json` in the model folder, so that the runtime only does dict lookups.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from training.churn.dataset import Snapshot
from training.churn.factors import top_factors
from training.churn.model import ChurnModel
from training.value.segments import lifecycle_stage, rfm_scores, rfm_segment

PROFILES_FILE = "customers.json"
RISK_MEDIUM, RISK_HIGH = 0.35, 0.65


def risk_level(probability: float) -> str:
    """'low' below RISK_MEDIUM, 'high' from RISK_HIGH, else 'medium'."""
    if probability >= RISK_HIGH:
        return "high"
    return "medium" if probability >= RISK_MEDIUM else "low"


def _clean(value: float) -> float | None:
    return None if value is None or not np.isfinite(value) else round(float(value), 6)


def build_profiles(snap: Snapshot, model: ChurnModel, *, horizon_days: int) -> dict[str, object]:
    """Per-customer answers at the snapshot date, and the win-back list: every customer with at least
    a medium churn risk, by expected value lost (churn probability x expected value over 12 months),
    whatever their stage (the runtime filters by stage)."""
    feats = snap.features
    as_of = str(snap.as_of.date())
    if feats.empty:
        return {"as_of": as_of, "horizon_days": horizon_days, "customers": {}, "at_risk": []}
    prob = model.predict_proba(feats)
    reasons = top_factors(feats, model.contributions(feats), horizon_days=horizon_days)
    segment = rfm_segment(rfm_scores(feats), feats["frequency"])
    stage = lifecycle_stage(feats, horizon_days=horizon_days)
    value = feats["expected_value_12m"].fillna(0.0).to_numpy()
    lost = prob * value
    customers: dict[str, dict[str, object]] = {}
    for i, cid in enumerate(feats.index):
        customers[str(cid)] = {
            "probability": round(float(prob[i]), 6), "risk": risk_level(float(prob[i])),
            "top_factors": reasons[str(cid)], "rfm_segment": str(segment.iloc[i]),
            "recency_days": _clean(feats["recency_days"].iloc[i]), "frequency": int(feats["frequency"].iloc[i]),
            "monetary": _clean(feats["monetary_total"].iloc[i]), "lifecycle_stage": str(stage.iloc[i]),
            "expected_value_12m": _clean(value[i]), "p_alive": _clean(feats["p_alive"].iloc[i]),
            "expected_purchases_12m": _clean(feats["expected_purchases_12m"].iloc[i]),
            "expected_value_lost": round(float(lost[i]), 6),
        }
    order = np.argsort(-lost, kind="stable")
    at_risk = [str(feats.index[i]) for i in order if prob[i] >= RISK_MEDIUM]
    return {"as_of": as_of, "horizon_days": horizon_days, "customers": customers, "at_risk": at_risk}


def write_profiles(folder: Path, profiles: dict[str, object]) -> Path:
    """Write the profiles JSON into the model folder."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / PROFILES_FILE
    path.write_text(json.dumps(profiles))
    return path


def profiles_frame(profiles: dict[str, object]) -> pd.DataFrame:
    """The per-customer answers as a table (for logging and notebooks)."""
    customers = profiles["customers"]
    assert isinstance(customers, dict)
    frame = pd.DataFrame.from_dict(customers, orient="index")
    frame.index.name = "customer_id"
    return frame
