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

from training.forecast.config import FreqSpec
from training.forecast.history import item_categories, prepare, top_items, truth_matrix
from training.forecast.launch import LaunchCurves, launch_curves

MODELS = ("shopml launch curve", "flat mean of launches", "flat median of launches")


def launch_backtest(events: pd.DataFrame, *, cutoff: pd.Timestamp | str, spec: FreqSpec, horizon: int,
                    items: pd.DataFrame | None = None) -> pd.DataFrame | None:
    """One row per model: items and weeks scored, WAPE of p50, bias of the mean, p10-p90 coverage.

    None when the history before the cutoff holds too few launches or no item launched after it."""
    cut = pd.Timestamp(cutoff).tz_localize(None) if pd.Timestamp(cutoff).tzinfo else pd.Timestamp(cutoff)
    first = _first_sales(events)
    new = first[(first["when"] >= cut) & (first["when"] < cut + pd.Timedelta(weeks=horizon))]
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
    week = ((new["when"] - cut).dt.days // 7).to_numpy()
    prices = [None if pd.isna(p) else float(p) for p in new["price"]]
    groups = [curves.row_of(c, p) for c, p in zip(item_categories(items, ids), prices, strict=True)]
    return _table(truth, week, groups, curves)


def _first_sales(events: pd.DataFrame) -> pd.DataFrame:
    """Per item, its first purchase: `when` (naive UTC) and its unit `price`, the list price a catalogue
    knows before launch."""
    purchases = events[events["event_type"].eq("purchase")]
    ordered = purchases.assign(item=purchases["item_id"].astype(str)).sort_values("timestamp", kind="mergesort")
    first = ordered.drop_duplicates("item").set_index("item")
    return pd.DataFrame({"when": first["timestamp"].dt.tz_convert("UTC").dt.tz_localize(None),
                         "price": first["price"]})


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
