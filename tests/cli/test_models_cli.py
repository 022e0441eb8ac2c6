"""`shopml models`: an unknown model name is refused up front; `list` says which version is champion and why."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from features.settings import Settings
from tests.cli.test_evaluate_dates import flat
from training.cli.apps import app

runner = CliRunner()


@pytest.mark.parametrize("args", [["list", "bogus"], ["promote", "bogus", "1"], ["rollback", "bogus"]])
def test_unknown_model_is_refused(settings: Settings, args: list[str]) -> None:
    result = runner.invoke(app, ["models", *args])
    assert result.exit_code == 2, result.output
    assert "unknown model 'bogus'; allowed: recommender, churn, forecast" in flat(result.output)


@pytest.mark.parametrize("model", ["forecast", "shopml-forecast"])
def test_list_accepts_a_family_or_its_registered_name(settings: Settings, model: str) -> None:
    result = runner.invoke(app, ["models", "list", model])
    assert result.exit_code == 0, result.output
    assert "no models registered yet" in result.output


def _register(settings: Settings, tmp_path: Path, scores: list[tuple[float, float | None]],
              tags: dict[str, str] | None = None) -> None:
    """Register one fake recommender version per (score, champion's score on the same holdout)."""
    from training import tracking

    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "weights.json").write_text("{}")
    for score, champion in scores:
        with tracking.tracked_run(settings, "recommender") as run_id:
            tracking.register_model(run_id, "recommender", folder, candidate_score=score, champion_score=champion,
                                    metric="ndcg@10", tags=tags)


def test_list_shows_the_champion_its_holdout_window_and_why(settings: Settings, tmp_path: Path) -> None:
    _register(settings, tmp_path, [(0.3, None), (0.2, 0.3)],
              tags={"holdout_start": "2025-04-14", "data_end": "2025-06-23 12:44:41+00:00"})
    result = runner.invoke(app, ["models", "list", "recommender"])
    assert result.exit_code == 0, result.output
    text = flat(result.output)
    assert "2025-04-14 .. 2025-06-23" in text and "events.db" in text
    assert "shopml-recommender v1: no champion yet" in text
    assert "shopml-recommender v2: ndcg@10 0.2000 does not beat champion v1 0.3000" in text
    champion_rows = [line for line in result.output.splitlines() if " yes " in line]
    assert len(champion_rows) == 1 and " 1 " in champion_rows[0]
    assert "last_promoted_by" in text  # how a version last became champion, not that it still is


def _register_dummy(settings: Settings, tmp_path: Path) -> None:
    from training import tracking

    folder = tmp_path / "model"
    folder.mkdir(exist_ok=True)
    (folder / "weights.json").write_text("{}")  # no recommender would load from this
    with tracking.tracked_run(settings, "recommender") as run_id:
        tracking.register_model(run_id, "recommender", folder, candidate_score=0.3, champion_score=None, metric="ndcg@10")


@pytest.mark.parametrize("version", ["abc", "99"])
def test_promoting_a_version_that_does_not_exist_is_bad_input(settings: Settings, tmp_path: Path, version: str) -> None:
    _register_dummy(settings, tmp_path)
    result = runner.invoke(app, ["models", "promote", "recommender", version])
    assert result.exit_code == 2, result.output
    assert f"shopml-recommender has no version '{version}'" in flat(result.output)


def test_a_version_that_would_not_serve_is_not_promoted(settings: Settings, tmp_path: Path) -> None:
    from training import tracking

    _register_dummy(settings, tmp_path)
    _register_dummy(settings, tmp_path)
    result = runner.invoke(app, ["models", "promote", "recommender", "2"])
    assert result.exit_code == 1, result.output
    assert "cannot promote recommender version 2: it would not serve" in flat(result.output)
    assert tracking.champion_version(settings, "recommender") == "1"


def test_rollback_to_a_version_that_would_not_serve_is_refused(settings: Settings, tmp_path: Path) -> None:
    from training import tracking

    _register(settings, tmp_path, [(0.3, None), (0.4, 0.3)])  # fake folders: no recommender loads from them
    result = runner.invoke(app, ["models", "rollback", "recommender"])
    assert result.exit_code == 1, result.output
    assert "cannot roll back recommender: v1, the champion before, would not serve" in flat(result.output)
    assert "v2 stays champion" in flat(result.output)
    assert tracking.champion_version(settings, "recommender") == "2"


def test_rollback_says_the_champion_is_held(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from training.cli import models

    monkeypatch.setattr(models, "load_problem", lambda *args: None)  # as if version 1 loads and serves
    _register(settings, tmp_path, [(0.3, None), (0.4, 0.3)])
    result = runner.invoke(app, ["models", "rollback", "recommender"])
    assert result.exit_code == 0, result.output
    assert ("shopml-recommender@champion -> version 1 (held: trainings register but do not promote until "
            "`shopml models promote recommender <version>`)") in flat(result.output)
