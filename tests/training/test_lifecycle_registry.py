"""Registry lifecycle edges: the champion moves only after a fair win on the same holdout, rollback
follows the alias, a half-done registration is invisible, a moved registry still serves."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from features.settings import Settings
from training import tracking
from training.promotion import judge


def _folder(tmp_path: Path, label: str) -> Path:
    folder = tmp_path / f"model-{label}"
    folder.mkdir()
    (folder / "weights.json").write_text(f'{{"label": "{label}"}}')
    return folder


def train_like_a_pipeline(settings: Settings, tmp_path: Path, label: str, score: float,
                          champion: float | None, between: object = None) -> tracking.Registration:
    """Download the champion inside the run (as the pipelines do), optionally let something happen, register."""
    with tracking.tracked_run(settings, "recommender") as run_id:
        tracking.discard_download(tracking.download_model(settings, "recommender"))
        if callable(between):
            between()
        return tracking.register_model(run_id, "recommender", _folder(tmp_path, label), candidate_score=score,
                                       champion_score=champion, metric="ndcg@10")


def test_a_champion_that_could_not_be_scored_is_not_replaced(settings: Settings, tmp_path: Path) -> None:
    first = train_like_a_pipeline(settings, tmp_path, "a", 0.30, None)
    second = train_like_a_pipeline(settings, tmp_path, "b", 0.90, None)  # champion exists, pipeline had no score
    assert not second.promoted and "could not be scored on this holdout" in second.reason
    assert "no champion yet" not in second.reason
    unfair = train_like_a_pipeline(settings, tmp_path, "c", 0.90, float("inf"))  # recommender: saw later data
    assert not unfair.promoted
    assert tracking.champion_version(settings, "recommender") == first.version
    rows = {r["version"]: r for r in tracking.list_versions(settings, "recommender")}
    assert rows[second.version]["validation_status"] == "not_compared"
    assert rows[unfair.version]["champion_score_same_holdout"] == "not comparable"


def test_a_champion_that_moved_during_training_is_not_overwritten(settings: Settings, tmp_path: Path) -> None:
    first = train_like_a_pipeline(settings, tmp_path, "a", 0.30, None)
    other = train_like_a_pipeline(settings, tmp_path, "b", 0.20, 0.30)  # kept, not promoted

    def someone_promotes() -> None:  # a second `shopml train` or `models promote` finishing first
        tracking.promote(settings, "recommender", other.version)

    late = train_like_a_pipeline(settings, tmp_path, "c", 0.40, 0.30, between=someone_promotes)
    assert not late.promoted and "moved to v2" in late.reason
    assert tracking.champion_version(settings, "recommender") == other.version
    assert first.promoted


def test_a_champion_trained_on_another_store_is_not_replaced(settings: Settings, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    first = train_like_a_pipeline(settings, tmp_path, "a", 0.30, None)
    monkeypatch.setenv("SHOPML_HOME", str(tmp_path / "other-shop"))
    other = Settings()
    second = train_like_a_pipeline(other, tmp_path, "b", 0.50, 0.30)
    assert not second.promoted and "another event store" in second.reason
    assert tracking.champion_version(settings, "recommender") == first.version
    row = tracking.list_versions(settings, "recommender")[-1]
    assert row["store"].endswith("other-shop/events.db")


def test_rollback_follows_the_alias_even_if_the_history_missed_a_move(settings: Settings, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    v1 = train_like_a_pipeline(settings, tmp_path, "a", 0.30, None).version
    v2 = train_like_a_pipeline(settings, tmp_path, "b", 0.40, 0.30).version
    from mlflow import MlflowClient

    # a process killed after moving the alias but before writing the history (or a move in the MLflow UI)
    v3 = train_like_a_pipeline(settings, tmp_path, "c", 0.10, 0.40).version
    MlflowClient().set_registered_model_alias("shopml-recommender", tracking.CHAMPION, v3)
    assert tracking.rollback(settings, "recommender") == v2  # back to the one before v3, not past it
    assert tracking.rollback(settings, "recommender") == v1
    with pytest.raises(ValueError, match="no earlier champion"):
        tracking.rollback(settings, "recommender")
    tracking.promote(settings, "recommender", v1)  # by hand: the rollback's hold ends
    v4 = train_like_a_pipeline(settings, tmp_path, "d", 0.50, 0.30)
    assert v4.promoted and tracking.rollback(settings, "recommender") == v1


def test_a_registration_that_dies_leaves_no_untagged_version(settings: Settings, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from mlflow import MlflowClient

    first = train_like_a_pipeline(settings, tmp_path, "a", 0.30, None)

    def dies(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(MlflowClient, "set_model_version_tag", dies)
    monkeypatch.setattr(MlflowClient, "set_registered_model_alias", dies)
    with pytest.raises(OSError, match="disk full"):
        train_like_a_pipeline(settings, tmp_path, "b", 0.90, 0.30)
    monkeypatch.undo()
    rows = tracking.list_versions(settings, "recommender")
    assert tracking.champion_version(settings, "recommender") == first.version
    assert all(r.get("validation_status") for r in rows)  # every version says how it was judged


def test_a_moved_registry_still_downloads_its_models(settings: Settings, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    train_like_a_pipeline(settings, tmp_path, "a", 0.30, None)
    moved = tmp_path / "moved-mlruns"
    shutil.move(str(settings.mlruns_dir), moved)
    monkeypatch.setenv("SHOPML_MLRUNS_DIR", str(moved))
    path = tracking.download_model(Settings(), "recommender")
    assert path is not None and '"label": "a"' in (path / "weights.json").read_text()


def test_missing_artefacts_download_as_none_not_as_an_empty_folder(settings: Settings, tmp_path: Path) -> None:
    train_like_a_pipeline(settings, tmp_path, "a", 0.30, None)
    shutil.rmtree(settings.artifact_root)
    assert tracking.download_model(settings, "recommender") is None


def test_runs_record_their_store_and_duration(settings: Settings, tmp_path: Path) -> None:
    import mlflow

    with tracking.tracked_run(settings, "unit") as run_id:
        pass
    run = mlflow.get_run(run_id)
    assert run.data.tags[tracking.STORE_TAG] == settings.store_url
    assert "run_seconds" in run.data.metrics


def test_configuring_mlflow_does_not_turn_the_default_store_into_a_setting(settings: Settings) -> None:
    tracking.configure(settings)
    assert Settings().mlflow_tracking_uri is None


@pytest.mark.parametrize(("data_end", "champion_end", "promote"), [
    ("2026-11-02 10:00:00+00:00", "2026-11-01 10:00:00+00:00", True),  # a tie on newer data: refreshed
    ("2026-11-01 10:00:00+00:00", "2026-11-01 10:00:00+00:00", False),  # the same data again
    ("2026-10-30 10:00:00+00:00", "2026-11-01 10:00:00+00:00", False),  # older data
    ("2026-11-02 10:00:00+00:00", None, False),  # a champion that does not say what it saw
])
def test_a_tie_wins_only_with_newer_data(data_end: str, champion_end: str | None, promote: bool) -> None:
    verdict = judge(champion="3", compared="3", champion_store=None, store=None, candidate_score=0.41,
                             champion_score=0.41, metric="ndcg@10", higher_is_better=True, data_end=data_end,
                             champion_data_end=champion_end)
    assert verdict.promote is promote
    assert ("refreshed" in verdict.reason) is promote


def test_a_loss_on_newer_data_is_still_a_loss() -> None:
    verdict = judge(champion="3", compared="3", champion_store=None, store=None, candidate_score=0.40,
                             champion_score=0.41, metric="ndcg@10", higher_is_better=True,
                             data_end="2026-11-02", champion_data_end="2026-11-01")
    assert not verdict.promote and verdict.status == "not_better_than_champion"


def test_the_store_label_recorded_with_runs_hides_the_password(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, database_url="postgresql+psycopg://shop:s3cret@db:5432/orders")
    label = tracking.store_label(settings)
    assert "s3cret" not in label and label.startswith("postgresql+psycopg://shop:***@db:5432/orders")
