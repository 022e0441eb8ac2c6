"""An MLflow run says what it read and what kind it is; a failed run says why it failed."""

from __future__ import annotations

import pytest

from features.settings import Settings
from training.errors import NotEnoughData
from training.tracking import STORE_TAG, tracked_run


def run_tags(settings: Settings, run_id: str) -> dict[str, str]:
    from mlflow import MlflowClient

    return dict(MlflowClient(tracking_uri=settings.tracking_uri).get_run(run_id).data.tags)


def test_a_failed_run_is_tagged_with_its_error(settings: Settings) -> None:
    ids: list[str] = []
    with pytest.raises(NotEnoughData), tracked_run(settings, "test", run_name="train") as run_id:
        ids.append(run_id)
        raise NotEnoughData("need at least 140 days of purchases")
    tags = run_tags(settings, ids[0])
    assert tags["error_type"] == "NotEnoughData" and tags["error"] == "need at least 140 days of purchases"
    assert tags["run_kind"] == "train"


def test_a_run_on_a_file_names_the_file_not_the_store(settings: Settings) -> None:
    with tracked_run(settings, "test", run_name="evaluate@2025-01-01", source="early.csv") as on_file:
        pass
    with tracked_run(settings, "test", run_name="evaluate@2025-01-01") as on_store:
        pass
    file_tags, store_tags = run_tags(settings, on_file), run_tags(settings, on_store)
    assert file_tags["data_source"] == "early.csv" and STORE_TAG not in file_tags
    assert STORE_TAG in store_tags and store_tags["run_kind"] == file_tags["run_kind"] == "evaluate"
