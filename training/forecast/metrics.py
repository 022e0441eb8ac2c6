"""Forecast accuracy: WAPE, RMSSE, MASE, bias, scaled pinball loss and interval coverage.

Scale of every scaled metric: each series' in-sample mean absolute one-step change (from its first
sale), as in DESIGN.md ("as for MASE and RMSSE"): RMSSE = sqrt(MSE of the mean) / scale.
Series-scaled metrics are averaged over series; WAPE and bias are pooled over all points.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from training.forecast.config import QUANTILES

METRICS = ("wape_p50", "rmsse_mean", "mase_p50", "bias_mean", "pinball_scaled", "coverage_p10_p90")


def pinball(y: np.ndarray, pred: np.ndarray, q: float) -> np.ndarray:
    """Pinball (quantile) loss per point."""
    err = y - pred
    return np.maximum(q * err, (q - 1.0) * err)


def per_series(y: np.ndarray, forecast: Mapping[str, np.ndarray | None], scale: np.ndarray) -> dict[str, np.ndarray]:
    """Per series: absolute error of p50 summed over the horizon (WAPE's numerator), RMSSE of the mean,
    MASE of p50 and the scaled pinball loss averaged over p10, p50 and p90 (NaN without p10/p90)."""
    mean, p50 = forecast["mean"], forecast["p50"]
    assert mean is not None and p50 is not None
    out = {
        "abs_error_p50": np.abs(y - p50).sum(axis=1),
        "rmsse_mean": np.sqrt(((y - mean) ** 2).mean(axis=1)) / scale,
        "mase_p50": np.abs(y - p50).mean(axis=1) / scale,
        "pinball_scaled": np.full(y.shape[0], np.nan),
    }
    if forecast.get("p10") is not None and forecast.get("p90") is not None:
        losses = [pinball(y, forecast[f"p{int(q * 100)}"], q).mean(axis=1) / scale for q in QUANTILES]  # type: ignore[arg-type]
        out["pinball_scaled"] = np.mean(losses, axis=0)
    return out


def score(y: np.ndarray, forecast: Mapping[str, np.ndarray], scale: np.ndarray) -> dict[str, float]:
    """All metrics for truth `y` [n, H] and forecast arrays `mean`, `p50` (and `p10`, `p90`)."""
    if y.ndim != 2 or scale.shape != (y.shape[0],):
        raise ValueError(f"y must be [n, H] and scale [n]; got {y.shape} and {scale.shape}")
    for key in ("mean", "p50"):
        if forecast[key].shape != y.shape:
            raise ValueError(f"forecast[{key!r}] has shape {forecast[key].shape}, truth has {y.shape}")
    series = per_series(y, forecast, scale)
    total = y.sum()
    out = {
        "wape_p50": float(series["abs_error_p50"].sum() / total) if total > 0 else float("nan"),
        "rmsse_mean": float(np.mean(series["rmsse_mean"])),
        "mase_p50": float(np.mean(series["mase_p50"])),
        "bias_mean": float((forecast["mean"].sum() - total) / total) if total > 0 else float("nan"),
        "pinball_scaled": float(np.mean(series["pinball_scaled"])),
        "coverage_p10_p90": float("nan"),
    }
    if forecast.get("p10") is not None and forecast.get("p90") is not None:
        out["coverage_p10_p90"] = float(np.mean((y >= forecast["p10"]) & (y <= forecast["p90"])))
    return out
