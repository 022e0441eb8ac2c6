"""Aggregate forecasts moved to a new mean: the quantiles follow it, so category and shop levels add up."""

from __future__ import annotations

import numpy as np


def rescaled(agg: dict[str, np.ndarray], mean: np.ndarray) -> dict[str, np.ndarray]:
    """Aggregate forecasts (arrays [n, H] of mean, p10, p50, p90) whose mean becomes `mean`.

    The quantiles are scaled by the ratio of the new mean to the old one, so the distribution keeps its
    shape, then kept non-negative, ordered, and with the mean inside p10..p90 (the mean of a sum of many
    items lies inside its 80% interval)."""
    own = agg["mean"]
    positive = own > 0
    ratio = np.divide(mean, own, out=np.ones_like(mean, dtype=float), where=positive)
    out = {"mean": mean}
    for key in ("p10", "p50", "p90"):
        # where there was no demand at all, the quantiles move up with the mean
        out[key] = np.maximum(np.where(positive, agg[key] * ratio, agg[key] + mean - own), 0.0)
    out["p10"] = np.minimum(out["p10"], mean)
    out["p90"] = np.maximum(out["p90"], mean)
    out["p50"] = np.clip(out["p50"], out["p10"], out["p90"])
    return out
