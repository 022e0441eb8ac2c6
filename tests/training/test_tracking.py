"""The registry: a version is promoted only when it beats the champion on the same holdout; rollback works."""

from __future__ import annotations

from pathlib import Path

import pytest

from features.settings import Settings
from training import tracking


def train_fake(settings: Settings, tmp_path: Path, score: float, champion: float | None) -> tracking.Registration:
    folder = tmp_path / f"model-{score}"
    folder.mkdir()
    (folder / "weights.json").write_text(f'{{"score": {score}}}')
    with tracking.tracked_run(settings, "unit") as run_id:
        return tracking.register_model(
            run_id, "recommender", folder, candidate_score=score, champion_score=champion, metric="ndcg@10"
        )


def test_promotion_only_when_better_and_rollback(settings: Settings, tmp_path: Path) -> None:
    first = train_fake(settings, tmp_path, 0.30, None)
    assert first.promoted and tracking.champion_version(settings, "recommender") == first.version
    worse = train_fake(settings, tmp_path, 0.25, 0.30)
    assert not worse.promoted
    assert tracking.champion_version(settings, "recommender") == first.version
    better = train_fake(settings, tmp_path, 0.35, 0.30)
    assert better.promoted and tracking.champion_version(settings, "recommender") == better.version

    path = tracking.download_model(settings, "recommender")
    assert path is not None and '"score": 0.35' in (path / "weights.json").read_text()

    assert tracking.rollback(settings, "recommender") == first.version
    assert tracking.champion_version(settings, "recommender") == first.version
    with pytest.raises(ValueError, match="no earlier champion"):
        tracking.rollback(settings, "recommender")

    tracking.promote(settings, "recommender", worse.version)
    assert tracking.champion_version(settings, "recommender") == worse.version
    rows = {r["version"]: r for r in tracking.list_versions(settings, "recommender")}
    assert rows[worse.version]["validation_status"] == "not_better_than_champion"
    assert rows[worse.version]["champion"] == "True"


def test_unknown_model_family_is_named(settings: Settings) -> None:
    with pytest.raises(ValueError, match="unknown model 'ranker'; allowed: recommender, churn, forecast"):
        tracking.registered_name("ranker")


def test_no_champion_yet(settings: Settings) -> None:
    assert tracking.champion_version(settings, "churn") is None
    assert tracking.download_model(settings, "churn") is None


def test_a_failed_training_run_never_replaces_the_champion(settings: Settings, tmp_path: Path) -> None:
    first = train_fake(settings, tmp_path, 0.30, None)
    with pytest.raises(RuntimeError, match="out of memory"), tracking.tracked_run(settings, "unit") as run_id:
        raise RuntimeError("out of memory")  # a training job dying before it registers anything

    import mlflow

    assert mlflow.get_run(run_id).info.status == "FAILED"
    assert tracking.champion_version(settings, "recommender") == first.version
    assert [r["version"] for r in tracking.list_versions(settings, "recommender")] == [first.version]


def test_a_rolled_back_champion_is_held_until_a_version_is_promoted_by_hand(settings: Settings, tmp_path: Path) -> None:
    first = train_fake(settings, tmp_path, 0.30, None)
    bad = train_fake(settings, tmp_path, 0.35, 0.30)
    assert bad.promoted
    assert tracking.rollback(settings, "recommender") == first.version
    better = train_fake(settings, tmp_path, 0.40, 0.30)  # wins on the holdout, but the rollback holds
    assert not better.promoted
    assert f"not promoted: champion v{first.version} was restored by a rollback" in better.reason
    assert tracking.champion_version(settings, "recommender") == first.version
    rows = {r["version"]: r for r in tracking.list_versions(settings, "recommender")}
    assert rows[better.version]["validation_status"] == "held_after_rollback"
    worse = train_fake(settings, tmp_path, 0.20, 0.30)  # a loser keeps its own reason
    assert not worse.promoted
    assert "does not beat champion" in worse.reason and "rollback" not in worse.reason

    tracking.promote(settings, "recommender", first.version)  # by hand: automatic promotion resumes
    again = train_fake(settings, tmp_path, 0.41, 0.30)
    assert again.promoted and tracking.champion_version(settings, "recommender") == again.version


def test_promote_by_hand_refuses_a_version_its_check_says_would_not_serve(settings: Settings, tmp_path: Path) -> None:
    first = train_fake(settings, tmp_path, 0.30, None)
    second = train_fake(settings, tmp_path, 0.20, 0.30)
    asked: list[str] = []

    def broken(version: str) -> str | None:
        asked.append(version)
        return "ValueError: no weights"

    with pytest.raises(ValueError, match=r"would not serve \(ValueError: no weights\); the champion stays"):
        tracking.promote(settings, "recommender", second.version, check=broken)
    assert asked == [second.version] and tracking.champion_version(settings, "recommender") == first.version
    tracking.promote(settings, "recommender", second.version, check=lambda v: None)
    assert tracking.champion_version(settings, "recommender") == second.version


@pytest.mark.parametrize(("stop", "why"), [(SystemExit(143), "interrupted (SIGTERM)"),
                                           (KeyboardInterrupt(), "interrupted (Ctrl-C)")])
def test_an_interrupted_training_run_is_failed_and_tagged(settings: Settings, tmp_path: Path, stop: BaseException,
                                                          why: str) -> None:
    import mlflow

    first = train_fake(settings, tmp_path, 0.30, None)
    with pytest.raises(type(stop)), tracking.tracked_run(settings, "unit") as run_id:
        raise stop
    run = mlflow.get_run(run_id)
    assert run.info.status == "FAILED" and run.data.tags["error"] == why
    assert tracking.champion_version(settings, "recommender") == first.version


def test_sigterm_unwinds_the_block() -> None:
    import os
    import signal

    from training.interrupts import sigterm_as_exit

    before = signal.getsignal(signal.SIGTERM)
    cleaned = []
    with pytest.raises(SystemExit) as stopped, sigterm_as_exit():
        try:
            os.kill(os.getpid(), signal.SIGTERM)  # the handler runs in this (the main) thread at once
        finally:
            cleaned.append(True)
    assert stopped.value.code == 143 and cleaned == [True]
    assert signal.getsignal(signal.SIGTERM) is before


def test_rollback_passes_over_deleted_versions_and_refuses_one_that_would_not_serve(settings: Settings,
                                                                                    tmp_path: Path) -> None:
    from mlflow import MlflowClient

    v1 = train_fake(settings, tmp_path, 0.30, None).version
    v2 = train_fake(settings, tmp_path, 0.35, 0.30).version
    v3 = train_fake(settings, tmp_path, 0.40, 0.35).version
    assert tracking.champion_version(settings, "recommender") == v3
    MlflowClient().delete_model_version("shopml-recommender", v2)
    with pytest.raises(ValueError, match=f"v{v1}, the champion before, would not serve \\(broken\\); v{v3} stays"):
        tracking.rollback(settings, "recommender", check=lambda v: "broken" if v == v1 else None)
    assert tracking.champion_version(settings, "recommender") == v3
    assert tracking.rollback(settings, "recommender", check=lambda v: None) == v1  # past the deleted v2
    assert tracking.champion_version(settings, "recommender") == v1
