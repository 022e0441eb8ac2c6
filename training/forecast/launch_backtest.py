"""How well launch curves forecast new products: the items first sold in the weeks after a cutoff.

The curves (`launch`) are learned from the weekly sales before the cutoff. Each item launched in the
test window is forecast from its launch week on by its group's curve, in the price tercile of its
first sale's unit price (the planner knows when an item goes on sale and at what list price; the
weeks before it are not scored). Two flat peers get the same weeks: the mean and
the median weekly units of the same launches' first weeks. Scores are pooled over the scored weeks.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from features.schema import UNKNOWN_CATEGORY
from training.forecast.config import FreqSpec
from training.forecast.history import prepare, top_items, truth_matrix
from training.forecast.launch import LaunchCurves, launch_curves

MODELS = ("shopml launch curve", "flat mean of launches", "flat median of launches")


def launch_backtest(events: pd.DataFrame, *, cutoff: pd.Timestamp | str, spec: FreqSpec, horizon: int,
                    items: pd.DataFrame | None = None) -> pd.DataFrame | None:
    """One row per model: items and weeks scored, WAPE of p50, bias of the mean, p10-p90 coverage.

    None when the history before the cutoff holds too few launches or no item launched after it."""
    cut = pd.Timestamp(cutoff).tz_localize(None) if pd.Timestamp(cutoff).tzinfo else pd.Timestamp(cutoff)
    purchases = events[events["event_type"].eq("purchase")]
    first = purchases.groupby(purchases["item_id"].astype(str))["timestamp"].min().dt.tz_convert("UTC").dt.tz_localize(None)
    new = first[(first >= cut) & (first < cut + pd.Timedelta(weeks=horizon))]
    old = top_items(events, as_of=cut, n=10**9)
    if new.empty or not old:
        return None
    prep = prepare(events, as_of=cut, freq="W", ids=old, items=items)
    curves = launch_curves(prep.uncapped, prep.categories, horizon, min_start=spec.min_history,
                           revenue=prep.uncapped_revenue)
    if curves is None:
        return None
    ids = list(new.index)
    truth = truth_matrix(events, ids=ids, start=cut, buckets=horizon, freq="W")
    week = ((new - cut).dt.days // 7).to_numpy()
    price = _launch_price(purchases, ids)
    groups = [curves.row_of(c, p) for c, p in zip(_categories(ids, items), price, strict=True)]
    return _table(truth, week, groups, curves)


def _launch_price(purchases: pd.DataFrame, ids: list[str]) -> list[float | None]:
    """Each item's unit price on its first sale: its list price, which a catalogue knows before launch."""
    firsts = purchases.assign(item=purchases["item_id"].astype(str)).sort_values("timestamp", kind="mergesort")
    firsts = firsts.drop_duplicates("item").set_index("item")["price"]
    return [float(firsts[i]) if i in firsts.index and pd.notna(firsts[i]) else None for i in ids]


def _categories(ids: list[str], items: pd.DataFrame | None) -> list[str]:
    if items is None or items.empty or "category" not in items:
        return [UNKNOWN_CATEGORY] * len(ids)
    known = items.dropna(subset=["category"])
    cat = dict(zip(known["item_id"].astype(str), known["category"].astype(str), strict=False))
    return [cat.get(i, UNKNOWN_CATEGORY) for i in ids]


def _table(truth: np.ndarray, week: np.ndarray, groups: list[int | None], curves: LaunchCurves) -> pd.DataFrame:
    horizon = truth.shape[1]
    scored = np.arange(horizon)[None, :] >= week[:, None]  # from the launch week on
    forecasts = {m: {k: np.zeros_like(truth) for k in ("mean", "p10", "p50", "p90")} for m in MODELS}
    for i, g in enumerate(groups):
        g = 0 if g is None else g
        steps = horizon - week[i]
        for key in ("mean", "p10", "p50", "p90"):
            forecasts[MODELS[0]][key][i, week[i]:] = curves.values[key][g, :steps]
        for model, flat in ((MODELS[1], curves.values["mean"][g].mean()), (MODELS[2], curves.values["p50"][g].mean())):
            for key in ("mean", "p50"):
                forecasts[model][key][i, week[i]:] = flat
    y = truth[scored]
    rows = []
    for model, fc in forecasts.items():
        p50, mean = fc["p50"][scored], fc["mean"][scored]
        row = {"model": model, "items": len(groups), "weeks": int(scored.sum()),
               "wape_p50": float(np.abs(y - p50).sum() / y.sum()) if y.sum() > 0 else float("nan"),
               "bias_mean": float((mean.sum() - y.sum()) / y.sum()) if y.sum() > 0 else float("nan"),
               "coverage_p10_p90": float("nan")}
        if model == MODELS[0]:
            row["coverage_p10_p90"] = float(np.mean((y >= fc["p10"][scored]) & (y <= fc["p90"][scored])))
        rows.append(row)
    return pd.DataFrame(rows).set_index("model")
