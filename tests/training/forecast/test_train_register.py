"""Training logs to MLflow, registers shopml-forecast, and promotes only a better model."""

from __future__ import annotations

import json
from dataclasses import replace

import pandas as pd
import pytest

from features.settings import Settings
from tests.training.forecast.shop import small_events, small_items, tiny_config
from training.forecast.champion import RunData, folder_score
from training.forecast.pipeline import train_forecast_folder
from training.forecast.runtime import ForecastRuntime
from training.forecast.train import train_and_register
from training.tracking import download_model


def test_register_then_same_holdout_is_not_promoted(settings: Settings) -> None:
    events, items, cfg = small_events(n_items=8, days=230), small_items(8), tiny_config()
    first = train_and_register(settings, events=events, items=items, config=cfg)
    assert first["version"] == "1" and first["promoted"] is True
    second = train_and_register(settings, events=events, items=items, config=cfg)
    assert second["version"] == "2" and second["promoted"] is False  # identical score does not win
    assert "does not beat" in str(second["reason"])
    folder = download_model(settings, "forecast")
    assert folder is not None
    runtime = ForecastRuntime.load(folder)
    runtime.smoke_check()
    assert "_total" in runtime.series_ids()


def test_a_retrain_on_newer_data_with_the_same_settings_is_promoted(settings: Settings) -> None:
    events, items, cfg = small_events(n_items=8, days=237), small_items(8), tiny_config()
    older = events[events["timestamp"] < events["timestamp"].min().normalize() + pd.Timedelta(days=230)]
    assert train_and_register(settings, events=older, items=items, config=cfg)["promoted"] is True
    newer = train_and_register(settings, events=events, items=items, config=cfg)
    assert newer["promoted"] is True and "refreshed" in str(newer["reason"]), newer["reason"]


def test_a_few_newer_purchases_inside_the_same_holdout_refresh_the_champion(settings: Settings) -> None:
    """The holdout does not move, but the newer data may change the series chosen; the champion's own
    recipe refitted on this data is this run, so the tie goes to the newer data."""
    events, items, cfg = small_events(n_items=8, days=230), small_items(8), tiny_config()
    assert train_and_register(settings, events=events, items=items, config=cfg)["promoted"] is True
    top = events.groupby("item_id")["quantity"].sum().idxmax()
    burst = events[events["item_id"] != top].tail(40).assign(  # another item sells a lot in the last hour
        item_id=events.loc[events["item_id"] != top, "item_id"].iloc[-1], quantity=500,
        timestamp=events["timestamp"].max() + pd.Timedelta(hours=1))
    newer = pd.concat([events, burst], ignore_index=True)
    again = train_and_register(settings, events=newer, items=items, config=cfg)
    assert again["promoted"] is True and "refreshed" in str(again["reason"]), again["reason"]


def test_a_failed_fit_leaves_a_failed_run_and_runs_log_their_data_window(settings: Settings) -> None:
    import mlflow

    events, items, cfg = small_events(n_items=8, days=230), small_items(8), tiny_config()
    short = events[events["timestamp"] < events["timestamp"].min() + pd.Timedelta(days=20)]
    with pytest.raises(Exception):  # noqa: B017 - whichever error the too-short history raises
        train_and_register(settings, events=short, items=items, config=cfg)
    ok = train_and_register(settings, events=events, items=items, config=cfg)
    runs = mlflow.search_runs(experiment_names=["shopml-forecast"])
    assert "FAILED" in set(runs["status"])
    done = runs[runs["run_id"] == ok["run_id"]].iloc[0]
    assert done["params.events"] == str(len(events)) and done["params.data_end"] == str(events["timestamp"].max())
    peers = {k for k in runs.columns if k.startswith("metrics.W.holdout_wape_peer_")}
    assert peers == {f"metrics.W.holdout_wape_peer_{p}" for p in ("median_8w", "mean_4w", "tsb")}
    scores = done[sorted(peers) + ["metrics.W.holdout_wape_p50"]].astype(float)
    assert scores.between(0.0, 5.0).all() and scores.nunique() > 1  # real, different figures on the same rows


def test_training_leaves_no_temporary_folder_even_when_it_fails(settings: Settings, tmp_path, monkeypatch) -> None:
    import tempfile

    from training.errors import NotEnoughData

    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    events, items, cfg = small_events(n_items=8, days=230), small_items(8), tiny_config()
    train_and_register(settings, events=events, items=items, config=cfg)
    with pytest.raises(NotEnoughData):
        train_and_register(settings, events=events[events["timestamp"] < events["timestamp"].min() + pd.Timedelta(days=10)],
                           items=items, config=cfg)
    assert [p.name for p in scratch.iterdir() if p.is_dir()] == []


def test_a_champion_with_other_settings_is_refitted_on_the_new_data_and_compared(settings: Settings) -> None:
    """On a later holdout, the champion's own settings are refitted on this run's data: it scores what
    a training with its settings scores there, and the better of the two is champion."""
    events, items, cfg = small_events(n_items=8, days=244), small_items(8), tiny_config()
    older = events[events["timestamp"] < events["timestamp"].min().normalize() + pd.Timedelta(days=230)]
    assert train_and_register(settings, events=older, items=items, config=cfg)["promoted"] is True
    other = replace(cfg, n_estimators=cfg.n_estimators + 15, num_leaves=7)
    second = train_and_register(settings, events=events, items=items, config=other)
    own = train_forecast_folder(events, items=items, config=cfg).forecasts["W"].validation["holdout_wape_p50"]
    mine = second["validation"]["W"]["holdout_wape_p50"]  # type: ignore[index]
    assert mine != own
    assert f"champion v1 {own:.4f}" in str(second["reason"]), second["reason"]
    assert second["promoted"] is (mine < own)


def test_a_champion_whose_settings_this_version_cannot_rebuild_is_not_compared(settings: Settings) -> None:
    events, items, cfg = small_events(n_items=8, days=244), small_items(8), tiny_config()
    older = events[events["timestamp"] < events["timestamp"].min().normalize() + pd.Timedelta(days=230)]
    train_and_register(settings, events=older, items=items, config=cfg)
    folder = download_model(settings, "forecast")
    assert folder is not None
    saved = next(folder.rglob("W/model.json"))
    model = json.loads(saved.read_text())
    model["config"]["retired_setting"] = 1
    saved.write_text(json.dumps(model))
    data = RunData(events, items, None, sorted(events["item_id"].astype(str).unique()))
    score, why = folder_score(folder, data, {}, replace(cfg, num_leaves=7), candidate=0.5)
    assert score is None and "cannot rebuild" in why and "retired_setting" in why
