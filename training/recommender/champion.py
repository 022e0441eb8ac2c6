"""The current champion's NDCG@K on a training run's holdout, so that promotion compares like with like."""

from __future__ import annotations

import dataclasses
import logging
import zipfile
from dataclasses import asdict
from pathlib import Path

import lightgbm
import numpy as np
import pandas as pd

from features.timestamps import as_utc
from training.errors import NotEnoughData
from training.promotion import recipe
from training.recommender import artifacts
from training.recommender.backtest import Holdout, model_lists
from training.recommender.candidates import FEATURES
from training.recommender.metrics import ranking_metrics
from training.recommender.model import Context, Rankers, RecommenderConfig, fit_at, train_rankers
from training.recommender.ranker import Ranker

log = logging.getLogger(__name__)


def champion_holdout_score(champion_dir: Path | None, holdout: Holdout, config: RecommenderConfig, *,
                           events: pd.DataFrame, context: Context, candidate: float | None = None) -> float | None:
    """NDCG@K (all items) of the champion on this holdout; None without a champion.

    A champion whose rankers stopped learning before the holdout and read this run's candidates is
    scored as it is. Otherwise its rankers cannot be scored fairly here (they read other candidates,
    or saw the holdout's labels), so its recipe is refitted before the holdout and scored instead:
    with this run's very settings that refit is this run, so it scores `candidate` (a tie, which
    newer data wins). A champion this version cannot read or serve scores 0; one whose recipe cannot
    be refitted is not comparable (NaN, or +inf when it saw the labels: registered, not promoted)."""
    if champion_dir is None:
        return None
    try:
        folder = model_folder(champion_dir)
        meta, _ = artifacts.load_folder(folder)
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:  # it could not serve either
        log.warning("champion's folder cannot be read (%s); scoring it as 0 on this holdout", exc)
        return 0.0
    features = meta.get("features", [])
    if not isinstance(features, list) or features != list(FEATURES):
        log.warning("champion uses other features; scoring it as 0 on this holdout")
        return 0.0
    if "rankers_trained_until" not in meta:
        log.warning("champion has no rankers_trained_until (older layout); scoring it as 0 on this holdout")
        return 0.0
    if candidate is not None and meta.get("recipe") == recipe(config):
        log.info("champion has this run's settings: refitted before this holdout it is this run")
        return candidate
    trained_until = as_utc(str(meta["rankers_trained_until"]))
    saved = meta.get("config")
    same_candidates = (isinstance(saved, dict) and saved.get("candidates") == asdict(config.candidates)
                       and saved.get("k") == config.k)
    if same_candidates and trained_until <= holdout.cutoff:
        return _score_as_is(folder, holdout, config, trained_until)
    why = "saw labels after the holdout start" if same_candidates else "read other candidates"
    unscored = float("inf") if same_candidates else float("nan")
    try:
        champion = RecommenderConfig.from_recipe(str(meta["recipe"]))
    except (KeyError, ValueError) as exc:
        log.warning("champion's rankers %s and its recipe cannot be refitted (%s): not compared", why, exc)
        return unscored
    log.info("champion's rankers %s: refitting its recipe before %s", why, holdout.cutoff.date())
    try:
        return refitted_score(events, holdout, dataclasses.replace(champion, k=config.k), context)
    except (NotEnoughData, ValueError) as exc:
        log.warning("champion's recipe does not fit before this holdout (%s): not compared", exc)
        return unscored


def refitted_score(events: pd.DataFrame, holdout: Holdout, config: RecommenderConfig, context: Context) -> float:
    """NDCG@K (all items) on `holdout` of the recommender `config` fits on the events before it."""
    rankers, _ = train_rankers(events, until=holdout.cutoff, context=context, config=config)
    refit = Holdout(holdout.cutoff, fit_at(events, holdout.cutoff, context, config), holdout.truth, holdout.new_truth)
    return _ndcg(refit, rankers, config)


def _score_as_is(folder: Path, holdout: Holdout, config: RecommenderConfig, trained_until: pd.Timestamp) -> float:
    try:
        rankers = Rankers(Ranker.load(folder, "ranker_all"), Ranker.load(folder, "ranker_new"), trained_until)
    except (FileNotFoundError, lightgbm.basic.LightGBMError) as exc:
        log.warning("champion's rankers cannot be read (%s); scoring it as 0 on this holdout", exc)
        return 0.0
    return _ndcg(holdout, rankers, config)


def _ndcg(holdout: Holdout, rankers: Rankers, config: RecommenderConfig) -> float:
    rows = np.flatnonzero(holdout.truth.total > 0)
    lists = model_lists(holdout, rankers, rows, config, new_only=False)
    n_items = len(holdout.fitted.history.items)
    return float(ranking_metrics(lists, holdout.truth.matrix, holdout.truth.total, rows, n_items=n_items)["ndcg"])


def model_folder(path: Path) -> Path:
    """The folder holding meta.json (download_model may return its parent)."""
    if (path / artifacts.META).exists():
        return path
    found = sorted(path.rglob(artifacts.META))
    if not found:
        raise FileNotFoundError(f"no {artifacts.META} under {path}")
    return found[0].parent
