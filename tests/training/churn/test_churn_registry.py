"""`train`: logged to MLflow, registered as shopml-churn, champion moves only when the holdout score wins."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from features.settings import Settings
from tests.training.churn.shop import FAST, small_events
from training.churn.pipeline import ShopData, train
from training.churn.runtime import ChurnRuntime
from training.tracking import champion_version, download_model, list_versions


def test_train_registers_and_keeps_the_better_champion(settings: Settings) -> None:
    events, customers = small_events(n_customers=150, days=300)
    data = ShopData(events, customers, None)
    first = train(settings, FAST, data)
    assert first.promoted and champion_version(settings, "churn") == first.version
    path = download_model(settings, "churn")
    assert path is not None
    runtime = ChurnRuntime.load(Path(path))
    runtime.smoke_check()
    assert len(runtime.customer_ids()) == events["customer_id"].nunique()
    # the champion saw the holdout labels, so its recipe is refitted before the holdout: a rerun ties
    second = train(settings, FAST, data)
    versions = list_versions(settings, "churn")
    assert [v["version"] for v in versions] == [first.version, second.version]
    assert versions[1]["champion_score_same_holdout"] == versions[1]["holdout_score"]
    assert not second.promoted and champion_version(settings, "churn") == first.version
    # a different recipe: the champion's recipe is refitted and both are scored on the same customers
    third = train(settings, replace(FAST, n_estimators=5, num_leaves=3), data)
    scores = list_versions(settings, "churn")[2]
    assert float(scores["champion_score_same_holdout"]) == pytest.approx(float(versions[1]["holdout_score"]), abs=1e-6)
    assert third.promoted == (float(scores["holdout_score"]) > float(scores["champion_score_same_holdout"]))


def test_newer_data_with_the_same_settings_refreshes_the_champion(settings: Settings) -> None:
    events, customers = small_events(n_customers=150, days=300)
    older = events[events["timestamp"] <= events["timestamp"].max() - pd.Timedelta(days=7)]
    first = train(settings, FAST, ShopData(older, customers, None))
    assert first.promoted
    newer = train(settings, FAST, ShopData(events, customers, None))
    assert newer.promoted and "refreshed" in newer.reason
    assert champion_version(settings, "churn") == newer.version


def test_train_refuses_an_empty_store(settings: Settings) -> None:
    import pandas as pd

    empty = pd.DataFrame(columns=["customer_id", "item_id", "timestamp", "event_type", "quantity", "price", "order_id"])
    with pytest.raises(ValueError, match="no events"):
        train(settings, FAST, ShopData(empty, None, None))


def test_another_horizon_is_registered_not_compared_and_does_not_block_training(settings: Settings) -> None:
    events, customers = small_events(n_customers=150, days=300)
    data = ShopData(events, customers, None)
    assert train(settings, FAST, data).promoted
    shorter = train(settings, replace(FAST, horizon_days=FAST.horizon_days - 30), data)
    assert not shorter.promoted and "could not be scored" in shorter.reason  # another target, not a contest
    again = train(settings, FAST, data)  # the nightly run with the champion's horizon still trains
    assert again.version == "3" and not again.promoted  # it ties the champion: same recipe, same data


def test_training_leaves_no_temporary_folder(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tempfile

    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    events, customers = small_events(n_customers=150, days=300)
    train(settings, FAST, ShopData(events, customers, None))
    assert [p.name for p in scratch.iterdir() if p.is_dir()] == []
