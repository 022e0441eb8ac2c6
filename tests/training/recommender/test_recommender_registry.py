"""Training runs register shopml-recommender; the champion moves only when the candidate wins."""

from __future__ import annotations

import json
import math

import pandas as pd

from features.settings import Settings
from tests.training.recommender.shop import FAST, WEAK, small_shop
from training.recommender.pipeline import train_recommender
from training.recommender.runs import Inputs, run_training
from training.recommender.runtime import RecommenderRuntime
from training.tracking import champion_version, download_model, rollback


def test_promotion_only_when_better_and_rollback(settings: Settings) -> None:
    shop = small_shop()
    inputs = Inputs(shop.events, shop.items, shop.customers, "synthetic")

    weak, first = run_training(settings, inputs, WEAK)
    assert first.promoted and champion_version(settings, "recommender") == first.version  # type: ignore[attr-defined]
    assert weak.champion_score is None

    good, second = run_training(settings, inputs, FAST)
    assert good.champion_score is not None and good.candidate_score > good.champion_score
    assert second.promoted and champion_version(settings, "recommender") == second.version  # type: ignore[attr-defined]

    again, third = run_training(settings, inputs, WEAK)
    assert again.champion_score is not None and again.candidate_score < again.champion_score
    assert not third.promoted  # type: ignore[attr-defined]
    assert champion_version(settings, "recommender") == second.version  # type: ignore[attr-defined]

    assert rollback(settings, "recommender") == first.version  # type: ignore[attr-defined]
    assert champion_version(settings, "recommender") == first.version  # type: ignore[attr-defined]
    folder = download_model(settings, "recommender")
    assert folder is not None
    RecommenderRuntime.load(folder).smoke_check()


def test_newer_data_with_other_settings_is_compared_with_the_champion_as_it_is(settings: Settings) -> None:
    shop = small_shop()
    cut = shop.events["timestamp"].max() - pd.Timedelta(days=7)
    older = Inputs(shop.events[shop.events["timestamp"] <= cut], shop.items, shop.customers, "synthetic")
    _, first = run_training(settings, older, WEAK)
    assert first.promoted  # type: ignore[attr-defined]
    newer, second = run_training(settings, Inputs(shop.events, shop.items, shop.customers, "synthetic"), FAST)
    # the champion's rankers stopped learning before this later holdout: it is scored as it is
    assert newer.champion_score is not None and 0.0 < newer.champion_score < 1.0
    assert newer.champion_score != newer.candidate_score
    assert second.promoted == (newer.candidate_score > newer.champion_score)  # type: ignore[attr-defined]


def test_newer_data_with_the_same_settings_refreshes_the_champion(settings: Settings) -> None:
    """The champion's settings refitted on the newer data are this run: a tie, which the newer data wins."""
    shop = small_shop()
    cut = shop.events["timestamp"].max() - pd.Timedelta(days=7)
    older = Inputs(shop.events[shop.events["timestamp"] <= cut], shop.items, shop.customers, "synthetic")
    run_training(settings, older, FAST)
    newer, second = run_training(settings, Inputs(shop.events, shop.items, shop.customers, "synthetic"), FAST)
    assert newer.champion_score == newer.candidate_score
    assert second.promoted and "refreshed" in second.reason  # type: ignore[attr-defined]


def test_a_champion_with_other_candidate_settings_is_refitted_on_the_same_holdout(settings: Settings) -> None:
    """Its rankers read features of other candidates, so its recipe is refitted before this holdout:
    it scores what a run with its settings scores on the same data, and the better one is champion."""
    from dataclasses import replace

    shop = small_shop()
    inputs = Inputs(shop.events, shop.items, shop.customers, "synthetic")
    first, _ = run_training(settings, inputs, FAST)
    other = replace(FAST, candidates=replace(FAST.candidates, repeat_n=20, als_factors=8))
    result, registration = run_training(settings, inputs, other)
    assert result.champion_score == first.candidate_score
    assert result.candidate_score != first.candidate_score
    assert registration.promoted == (result.candidate_score > first.candidate_score)  # type: ignore[attr-defined]
    assert "could not be scored" not in registration.reason  # type: ignore[attr-defined]


def test_a_champion_whose_recipe_this_version_cannot_rebuild_is_not_compared(settings: Settings) -> None:
    from dataclasses import replace

    shop = small_shop()
    inputs = Inputs(shop.events, shop.items, shop.customers, "synthetic")
    run_training(settings, inputs, FAST)
    folder = download_model(settings, "recommender")
    assert folder is not None
    meta_path = next(folder.rglob("meta.json"))
    meta = json.loads(meta_path.read_text())
    meta["recipe"] = json.dumps({**json.loads(meta["recipe"]), "retired_setting": 1})
    meta_path.write_text(json.dumps(meta))
    other = replace(FAST, candidates=replace(FAST.candidates, repeat_n=20))
    result = train_recommender(inputs.events, context=inputs.context(), items=inputs.items,
                               customers=inputs.customers, config=other, out_dir=folder.parent / "new",
                               champion_dir=folder)
    assert result.champion_score is not None and math.isnan(result.champion_score)


def test_the_version_records_the_last_event_it_trained_on_as_the_run_does(settings: Settings) -> None:
    import mlflow
    from mlflow import MlflowClient

    shop = small_shop()
    _, registration = run_training(settings, Inputs(shop.events, shop.items, shop.customers, "synthetic"), FAST)
    version = MlflowClient().get_model_version("shopml-recommender", registration.version)  # type: ignore[attr-defined]
    run = mlflow.get_run(version.run_id)
    assert version.tags["data_end"] == run.data.params["data_end"] == str(shop.events["timestamp"].max())
