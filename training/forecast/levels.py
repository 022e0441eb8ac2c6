"""The spread of category and shop-total forecasts, and aggregates moved to a new mean.

A category's (or the shop's) mean is the sum of its items' means. Its p10/p50/p90 are that mean times
the 10%/50%/90% quantiles of actual / forecast-mean that sums of the training items showed on the
validation origins (`level_spread`): one set for categories, one for the shop total. The item model's
own quantiles are not used for sums: they carry the skew of single intermittent items (p50 far below
the mean), which a sum of hundreds of items does not have.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from training.forecast.config import QUANTILES

Ratios = tuple[float, float, float]
NO_SPREAD: Ratios = (1.0, 1.0, 1.0)


def ratio_quantiles(ratios: np.ndarray) -> Ratios:
    """The p10, p50 and p90 of actual / mean, with the mean kept inside p10..p90."""
    if ratios.size == 0:
        return NO_SPREAD
    q10, q50, q90 = (float(v) for v in np.quantile(ratios, QUANTILES))
    return min(q10, 1.0), q50, max(q90, 1.0)


def sum_ratios(keys: pd.DataFrame, y: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """actual / forecast mean of the sum of the rows that share every column of `keys`."""
    sums = pd.DataFrame({"y": y, "mean": mean}).groupby([keys[c].to_numpy() for c in keys.columns]).sum()
    kept = sums[sums["mean"] > 0]
    return (kept["y"] / kept["mean"]).to_numpy(dtype=float)


def level_spread(rows: pd.DataFrame, y: np.ndarray, mean: np.ndarray, category_code: np.ndarray
                 ) -> tuple[Ratios, Ratios]:
    """Ratio quantiles of the categories and of the total, from item rows (`_series`, `_origin`, `_step`)
    with their actual demand `y` and forecast `mean`."""
    code = category_code[rows["_series"].to_numpy()]
    when = rows[["_origin", "_step"]].reset_index(drop=True)
    known = code >= 0
    by_category = when[known].assign(_category=code[known])
    return (ratio_quantiles(sum_ratios(by_category, y[known], mean[known])),
            ratio_quantiles(sum_ratios(when, y, mean)))


def spread(mean: np.ndarray, ratios: Ratios) -> dict[str, np.ndarray]:
    """mean, p10, p50 and p90 of sums whose mean is `mean`."""
    return {"mean": mean, **{key: mean * r for key, r in zip(("p10", "p50", "p90"), ratios, strict=True)}}


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
