"""The forecast champion's weekly holdout WAPE on a training run's holdout, so promotion compares like with like."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from features.settings import Settings
from training.errors import NotEnoughData
from training.forecast.config import ForecastConfig, saved_config
from training.forecast.global_model import GlobalForecaster
from training.forecast.pipeline import training_inputs
from training.promotion import recipe

log = logging.getLogger(__name__)
HOLDOUT_METRIC = "holdout_wape_p50"


@dataclass
class RunData:
    """What a training run fitted on: its events, side tables and served items (biggest first)."""

    events: pd.DataFrame
    items: pd.DataFrame | None
    promotions: pd.DataFrame | None
    ids: list[str]


def champion_score(settings: Settings, data: RunData, holdout: dict[str, object], cfg: ForecastConfig,
                   candidate: float) -> tuple[float | None, str]:
    """The registered champion's weekly holdout WAPE on this run's holdout (None when it cannot be
    had), and why (`folder_score`)."""
    from training.tracking import discard_download, download_model

    folder = download_model(settings, "forecast")
    if folder is None:
        return None, "no champion"
    try:
        return folder_score(folder, data, holdout, cfg, candidate)
    finally:
        discard_download(folder)


def folder_score(folder: Path, data: RunData, holdout: dict[str, object], cfg: ForecastConfig,
                 candidate: float) -> tuple[float | None, str]:
    """The weekly holdout WAPE, on this run's holdout, of the model trained into `folder`, and why.

    A model with this run's very settings would, refitted on this run's data, be this run: it
    scores `candidate` (a tie, which newer data wins), whether or not the holdout moved. The stored
    score of a model validated on the same holdout would not do: the series it chose from its
    older data may differ. A model with other settings is refitted on this run's data and scored
    on the same weeks and series (a weekly first stage and its calibration, not a whole training)."""
    meta_path = next(folder.rglob("meta.json"), None)
    try:
        meta = json.loads(meta_path.read_text()) if meta_path else {}
        saved = saved_settings(meta_path.parent)  # type: ignore[union-attr]
        if recipe(saved) == run_recipe(cfg, list(meta["freqs"])):
            return candidate, "champion has this run's settings: refitted on this run's data it is this run"
    except (KeyError, TypeError, ValueError, OSError) as exc:
        return None, f"champion folder unreadable: {exc}"
    return _refitted(saved, data, holdout)


def saved_settings(folder: Path) -> dict[str, dict[str, Any]]:
    """The settings a trained folder was fitted with, per frequency (its boosters' model.json)."""
    saved = {freq: json.loads((folder / freq / "model.json").read_text())
             for freq in sorted(p.name for p in folder.iterdir() if (p / "model.json").exists())}
    return {freq: {"config": m["config"], "spec": m["spec"]} for freq, m in saved.items()}


def run_recipe(cfg: ForecastConfig, freqs: list[str]) -> str:
    """This run's settings, in the form `saved_settings` reads back."""
    config = {k: v for k, v in asdict(cfg).items() if k != "specs"}
    return recipe({freq: {"config": config, "spec": asdict(cfg.specs[freq])} for freq in sorted(freqs)})


def refitted_holdout(data: RunData, cfg: ForecastConfig) -> tuple[dict[str, float], dict[str, object]]:
    """The weekly holdout scores and window that the settings `cfg` reach on the run's data."""
    spec = cfg.specs["W"]
    prep, n_train = training_inputs(data.events, spec, cfg, items=data.items, promotions=data.promotions, ids=data.ids)
    model = GlobalForecaster(spec, cfg).validate(prep.history.head(n_train), prep.history.y.shape[1],
                                                 truth=prep.uncapped[:n_train])
    return model.validation_, model.holdout_


def _refitted(saved: dict[str, dict[str, Any]], data: RunData, holdout: dict[str, object]
              ) -> tuple[float | None, str]:
    try:
        weekly = saved["W"]
        cfg = saved_config(weekly["config"], {"W": weekly["spec"]})
    except (KeyError, ValueError) as exc:
        return None, f"champion's settings differ and this version cannot rebuild them ({exc})"
    try:
        scores, window = refitted_holdout(data, cfg)
    except (NotEnoughData, ValueError) as exc:
        return None, f"champion's settings differ and do not fit this run's data ({exc})"
    if window != holdout:
        return None, f"champion's settings hold out {window}, not this run's {holdout}"
    log.info("champion's settings refitted on this run's data: WAPE %.4f", scores[HOLDOUT_METRIC])
    return float(scores[HOLDOUT_METRIC]), "champion's settings refitted on this run's data, same holdout"
