"""MLflow tracking and the model registry: runs, versions, the `champion` alias, promotion and rollback."""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from features.settings import Settings

log = logging.getLogger(__name__)

CHAMPION = "champion"
HISTORY_TAG = "champion_history"
MODEL_NAMES = {"recommender": "shopml-recommender", "churn": "shopml-churn", "forecast": "shopml-forecast"}


def registered_name(family: str) -> str:
    """The registry name of a model family ('recommender' -> 'shopml-recommender')."""
    if family in MODEL_NAMES.values():
        return family
    if family not in MODEL_NAMES:
        raise ValueError(f"unknown model {family!r}; allowed: {', '.join(MODEL_NAMES)}")
    return MODEL_NAMES[family]


def configure(settings: Settings) -> None:
    """Point MLflow at the configured tracking store (a SQLite file under mlruns/ by default)."""
    import mlflow

    if not settings.mlflow_tracking_uri:
        settings.mlruns_dir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    mlflow.set_tracking_uri(settings.tracking_uri)


def _experiment(settings: Settings, name: str) -> str:
    import mlflow

    exp = mlflow.get_experiment_by_name(name)
    if exp is not None:
        return exp.experiment_id
    location = None if settings.mlflow_tracking_uri else settings.artifact_root.as_uri()
    return mlflow.create_experiment(name, artifact_location=location)


@contextmanager
def tracked_run(settings: Settings, experiment: str, run_name: str | None = None) -> Iterator[str]:
    """Open an MLflow run in `shopml-<experiment>` and yield its run id; a failure marks it FAILED."""
    import mlflow

    configure(settings)
    exp_id = _experiment(settings, f"shopml-{experiment}")
    with mlflow.start_run(experiment_id=exp_id, run_name=run_name) as run:
        yield run.info.run_id


@dataclass(frozen=True)
class Registration:
    """Outcome of registering a trained model."""

    name: str
    version: str
    promoted: bool
    reason: str


def register_model(
    run_id: str,
    family: str,
    model_dir: Path,
    *,
    candidate_score: float,
    champion_score: float | None,
    metric: str,
    higher_is_better: bool = True,
    tags: dict[str, str] | None = None,
) -> Registration:
    """Log `model_dir` as the run's `model` artefact, register it, and promote it only if it wins.

    `champion_score` is the current champion's score on the same holdout (None when there is none).
    """
    import mlflow
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    name = registered_name(family)
    mlflow.log_artifacts(str(model_dir), artifact_path="model")
    client = MlflowClient()
    try:
        client.get_registered_model(name)
    except MlflowException:  # not registered yet
        client.create_registered_model(name)
    source = f"{mlflow.get_run(run_id).info.artifact_uri}/model"
    version = client.create_model_version(name, source=source, run_id=run_id).version
    wins = champion_score is None or (
        candidate_score > champion_score if higher_is_better else candidate_score < champion_score
    )
    all_tags = {
        "holdout_metric": metric,
        "holdout_score": f"{candidate_score:.6f}",
        "champion_score_same_holdout": "none" if champion_score is None else f"{champion_score:.6f}",
        "validation_status": "passed" if wins else "not_better_than_champion",
        **(tags or {}),
    }
    for key, value in all_tags.items():
        client.set_model_version_tag(name, version, key, value)
    if wins:
        _move_champion(client, name, str(version))
        reason = "no champion yet" if champion_score is None else (
            f"{metric} {candidate_score:.4f} beats champion {champion_score:.4f}"
        )
    else:
        reason = f"{metric} {candidate_score:.4f} does not beat champion {champion_score:.4f}"
    log.info("registered %s v%s: %s", name, version, reason)
    return Registration(name, str(version), wins, reason)


def _history(client: object, name: str) -> list[str]:
    model = client.get_registered_model(name)  # type: ignore[attr-defined]
    raw = (model.tags or {}).get(HISTORY_TAG, "")
    return [v for v in raw.split(",") if v]


def _move_champion(client: object, name: str, version: str) -> None:
    history = _history(client, name)
    if not history or history[-1] != version:
        history.append(version)
    client.set_registered_model_tag(name, HISTORY_TAG, ",".join(history[-50:]))  # type: ignore[attr-defined]
    client.set_registered_model_alias(name, CHAMPION, version)  # type: ignore[attr-defined]


def champion_version(settings: Settings, family: str) -> str | None:
    """The version the `champion` alias points at, or None."""
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    configure(settings)
    try:
        return str(MlflowClient().get_model_version_by_alias(registered_name(family), CHAMPION).version)
    except MlflowException:  # no champion alias yet
        return None


def download_model(settings: Settings, family: str, ref: str = CHAMPION) -> Path | None:
    """Download a version's artefacts (`ref` is an alias or a version number); None if absent."""
    import mlflow
    from mlflow.exceptions import MlflowException

    configure(settings)
    name = registered_name(family)
    uri = f"models:/{name}/{ref}" if ref.isdigit() else f"models:/{name}@{ref}"
    try:
        return Path(mlflow.artifacts.download_artifacts(artifact_uri=uri, dst_path=tempfile.mkdtemp(prefix="shopml-model-")))
    except (MlflowException, OSError) as exc:
        log.info("no model at %s: %s", uri, exc)
        return None


def promote(settings: Settings, family: str, version: str) -> None:
    """Point `champion` at `version` by hand."""
    from mlflow import MlflowClient

    configure(settings)
    client = MlflowClient()
    name = registered_name(family)
    client.get_model_version(name, version)  # raises for an unknown version
    _move_champion(client, name, version)


def rollback(settings: Settings, family: str) -> str:
    """Move `champion` back to the version that held it before; returns that version."""
    from mlflow import MlflowClient

    configure(settings)
    client = MlflowClient()
    name = registered_name(family)
    history = _history(client, name)
    if len(history) < 2:
        raise ValueError(f"{name} has no earlier champion to roll back to")
    history.pop()
    previous = history[-1]
    client.set_registered_model_tag(name, HISTORY_TAG, ",".join(history))
    client.set_registered_model_alias(name, CHAMPION, previous)
    return previous


def list_versions(settings: Settings, family: str) -> list[dict[str, str]]:
    """Every version of a model with its tags and whether it is the champion."""
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    configure(settings)
    client = MlflowClient()
    name = registered_name(family)
    champion = champion_version(settings, family)
    try:
        versions = client.search_model_versions(f"name='{name}'")
    except MlflowException:  # nothing registered under that name
        return []
    rows = []
    for mv in sorted(versions, key=lambda v: int(v.version)):
        rows.append({"model": name, "version": str(mv.version), "champion": str(str(mv.version) == champion),
                     "run_id": mv.run_id or "", **(mv.tags or {})})
    return rows
