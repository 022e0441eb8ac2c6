"""Choosing forecaster settings on validation cutoffs that end before the test cutoff.

`validation_cutoffs` lists Mondays whose whole horizon ends on or before the test cutoff, so the test
window is never read. `score_configs` runs the same fit as the backtest at each of them for several
`ForecastConfig`s and reports shopml's WAPE(p50), RMSSE(mean), scaled pinball and coverage as a ratio
to the best peer at that cutoff (the peers are computed once per cutoff). Used by hand, from a
notebook or a script, to pick the defaults in `config.py`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping

import numpy as np
import pandas as pd

from training.forecast.backtest import forecast_matrix
from training.forecast.config import ForecastConfig
from training.forecast.global_model import GlobalForecaster
from training.forecast.history import prepare, top_items, truth_matrix
from training.forecast.metrics import score
from training.forecast.peers import all_peers
from training.forecast.windows import scale

log = logging.getLogger(__name__)


def validation_cutoffs(test_cutoff: pd.Timestamp | str, *, horizon_weeks: int, count: int) -> list[pd.Timestamp]:
    """The `count` latest Mondays whose `horizon_weeks` targets end on or before `test_cutoff`, oldest first."""
    cut = pd.Timestamp(test_cutoff)
    cut = cut.tz_convert("UTC").tz_localize(None) if cut.tzinfo else cut
    if cut.dayofweek != 0:
        raise ValueError(f"test cutoff must be a Monday, got {cut.date()}")
    last = cut - pd.Timedelta(weeks=horizon_weeks)
    return [last - pd.Timedelta(weeks=k) for k in range(count - 1, -1, -1)]


def _relative(row: dict[str, float], peers: Mapping[str, dict[str, float]]) -> dict[str, float]:
    def best(metric: str) -> float:
        vals = [p[metric] for p in peers.values() if np.isfinite(p[metric])]
        return min(vals)

    return {"wape_x": row["wape_p50"] / best("wape_p50"), "rmsse_x": row["rmsse_mean"] / best("rmsse_mean"),
            "pinball_x": row["pinball_scaled"] / best("pinball_scaled"), "coverage": row["coverage_p10_p90"],
            "wape": row["wape_p50"]}


def score_configs(events: pd.DataFrame, cutoffs: list[pd.Timestamp], configs: Mapping[str, ForecastConfig], *,
                  top: int = 200, items: pd.DataFrame | None = None, promotions: pd.DataFrame | None = None,
                  statsforecast_peers: bool = True) -> pd.DataFrame:
    """One row per (config, cutoff): shopml's weekly metrics relative to the best peer at that cutoff."""
    rows = []
    for given in cutoffs:
        cut = pd.Timestamp(given)
        cut = cut.tz_convert("UTC").tz_localize(None) if cut.tzinfo else cut
        first = next(iter(configs.values()))
        spec = first.specs["W"]
        n_train = max(c.specs["W"].train_items or c.train_items for c in configs.values())
        ids = top_items(events, as_of=cut, n=max(n_train, top))
        prep = prepare(events, as_of=cut, freq="W", ids=ids, items=items, promotions=promotions,
                       bulk_factor=first.bulk_factor, future_buckets=spec.horizon)
        n = min(top, len(ids))
        truth = truth_matrix(events, ids=ids[:n], start=cut, buckets=spec.horizon, freq="W")
        scl = scale(prep.uncapped[:n])
        if statsforecast_peers:
            peer_fc = all_peers(prep.uncapped[:n], prep.history.dates, spec, spec.horizon)
        else:
            from training.forecast.peers import empirical_quantiles, window_mean, window_median

            y = prep.uncapped[:n]
            peer_fc = {"mean_4w": window_mean(y, spec.horizon, 4), "median_8w": window_median(y, spec.horizon, 8),
                       "empirical_13w": empirical_quantiles(y, spec.horizon, 13)}
        peers = {name: score(truth, fc, scl) for name, fc in peer_fc.items()}  # type: ignore[arg-type]
        uncapped = prep.uncapped
        preps = {first.bulk_factor: prep}
        for name, cfg in configs.items():
            t0 = time.perf_counter()
            if cfg.bulk_factor not in preps:
                preps[cfg.bulk_factor] = prepare(events, as_of=cut, freq="W", ids=ids, items=items,
                                                 promotions=promotions, bulk_factor=cfg.bulk_factor,
                                                 future_buckets=spec.horizon)
            prep = preps[cfg.bulk_factor]
            hist = prep.history.head(min(cfg.specs["W"].train_items or cfg.train_items, len(ids)))
            model = GlobalForecaster(cfg.specs["W"], cfg).fit(hist, hist.y.shape[1], truth=uncapped[:len(hist.ids)])
            pred = model.predict(prep.history, hist.y.shape[1], spec.horizon)
            mine = score(truth, forecast_matrix(pred, n, spec.horizon), scl)
            rows.append({"config": name, "cutoff": cut.date(), **_relative(mine, peers),
                         "seconds": time.perf_counter() - t0, "calibration": str(model.calibration_)})
            log.info("%s %s %s", name, cut.date(), rows[-1])
    return pd.DataFrame(rows)


def summary(scores: pd.DataFrame) -> pd.DataFrame:
    """Mean over cutoffs of each relative metric, per config."""
    cols = ["wape_x", "rmsse_x", "pinball_x", "coverage", "wape", "seconds"]
    return scores.groupby("config", sort=False)[cols].mean()
