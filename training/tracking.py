"""MLflow tracking and the model registry: runs, versions, the `champion` alias, promotion and rollback."""

from __future__ import annotations

import fcntl
import hashlib
import logging
import math
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from features.settings import Settings
from training.interrupts import interruption
from training.promotion import judge

log = logging.getLogger(__name__)

CHAMPION = "champion"
HISTORY_TAG = "champion_history"
STORE_TAG = "store"  # the event store a run trained on (run tag and version tag)
COMPARED_TAG = "compared_with_champion"  # the champion version a run downloaded to compare with ("none")
PROMOTED_BY_TAG = "promoted_by"  # how a version last became champion: training, hand or rollback
DATA_END_TAG = "data_end"  # the last event a version was trained on
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
    if not settings.mlflow_tracking_uri:
        # MLflow exports the URI; left there, the next Settings() would read the default store as
        # a user-given MLFLOW_TRACKING_URI (no artefact folder, and a moved store not followed)
        os.environ.pop("MLFLOW_TRACKING_URI", None)


def store_label(settings: Settings) -> str:
    """The event store's URL with any password hidden (recorded with every run and version)."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(settings.store_url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - an unparsable URL is still a label
        return settings.store_url


def _experiment(settings: Settings, name: str) -> str:
    import mlflow

    exp = mlflow.get_experiment_by_name(name)
    if exp is not None:
        _warn_if_moved(settings, exp.artifact_location)
        return exp.experiment_id
    location = None if settings.mlflow_tracking_uri else settings.artifact_root.as_uri()
    return mlflow.create_experiment(name, artifact_location=location)


def _warn_if_moved(settings: Settings, location: str) -> None:
    """Log where artefacts go when the default store was moved away from its artefact folder."""
    if settings.mlflow_tracking_uri or not location.startswith("file:"):
        return
    if _file_path(location) != settings.artifact_root:
        log.warning("the MLflow store %s was created elsewhere: new artefacts go to %s, not %s",
                    settings.tracking_uri, location, settings.artifact_root.as_uri())


@contextmanager
def tracked_run(settings: Settings, experiment: str, run_name: str | None = None,
                source: str | None = None) -> Iterator[str]:
    """Open an MLflow run in `shopml-<experiment>` and yield its run id; a failure marks it FAILED and
    tags it with the error (`error`, `error_type`).

    The run is tagged with what it read: the event store (`store`), or `source` when the data came
    from a file, and with its kind (`run_kind`: train or evaluate, from `run_name`). When it ends
    well it logs `run_seconds`.
    """
    import mlflow

    configure(settings)
    exp_id = _experiment(settings, f"shopml-{experiment}")
    started = time.perf_counter()
    kind = (run_name or "").split("@")[0].split("-")[0] or "other"
    with mlflow.start_run(experiment_id=exp_id, run_name=run_name) as run:
        mlflow.set_tags({"run_kind": kind, **({"data_source": source} if source else {STORE_TAG: store_label(settings)})})
        try:
            yield run.info.run_id
        except BaseException as exc:  # Ctrl-C and SIGTERM (training.interrupts) too: the run is FAILED
            mlflow.set_tags({"error_type": type(exc).__name__, "error": (interruption(exc) or str(exc))[:4000]})
            raise
        mlflow.log_metric("run_seconds", time.perf_counter() - started)


def log_data_window(events: Any) -> None:
    """Log the training data's size and time span (`events`, `data_start`, `data_end`) to the active run."""
    import mlflow

    stamps = events["timestamp"]
    mlflow.log_params({"events": len(events), "data_start": str(stamps.min()), "data_end": str(stamps.max())})


@contextmanager
def registry_lock() -> Iterator[None]:
    """Hold an exclusive lock on the registry of the current tracking URI (across processes)."""
    import mlflow

    uri = mlflow.get_tracking_uri()
    path = Path(tempfile.gettempdir()) / f"shopml-registry-{hashlib.sha1(uri.encode()).hexdigest()[:16]}.lock"
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@dataclass(frozen=True)
class Registration:
    """Outcome of registering a trained model."""

    name: str
    version: str
    promoted: bool
    reason: str


def _score_tag(score: float | None) -> str:
    if score is None:
        return "none"
    return f"{score:.6f}" if math.isfinite(score) else "not comparable"


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
    data_end: str | None = None,
) -> Registration:
    """Log `model_dir` as the run's `model` artefact, register it, and promote it only if it wins.

    `champion_score` is the current champion's score on the same holdout (None when it has none);
    `data_end` (the last event trained on) breaks a tie in favour of the newer data (`judge`).
    The version is created with all its tags at once; the alias moves last, under the registry lock.
    """
    import mlflow
    from mlflow import MlflowClient

    name = registered_name(family)
    mlflow.log_artifacts(str(model_dir), artifact_path="model")
    client = MlflowClient()
    _ensure_registered(client, name)
    run = client.get_run(run_id)
    run_tags = run.data.tags
    with registry_lock():
        champion = _alias_version(client, name)
        held = _version_tags(client, name, champion)
        verdict = judge(champion=champion, compared=run_tags.get(COMPARED_TAG), store=run_tags.get(STORE_TAG),
                        champion_store=held.get(STORE_TAG), candidate_score=candidate_score,
                        champion_score=champion_score, metric=metric, higher_is_better=higher_is_better,
                        data_end=data_end, champion_data_end=held.get(DATA_END_TAG),
                        champion_by=held.get(PROMOTED_BY_TAG))
        all_tags = {
            "holdout_metric": metric,
            "holdout_score": f"{candidate_score:.6f}",
            "champion_score_same_holdout": _score_tag(champion_score),
            "champion_at_registration": champion or "none",
            "validation_status": verdict.status,
            "validation_reason": verdict.reason,
            **({STORE_TAG: run_tags[STORE_TAG]} if STORE_TAG in run_tags else {}),
            **({DATA_END_TAG: data_end} if data_end else {}),
            **(tags or {}),
        }
        source = f"{run.info.artifact_uri}/model"
        version = str(client.create_model_version(name, source=source, run_id=run_id, tags=all_tags).version)
        if verdict.promote:
            _move_champion(client, name, version, "training")
    log.info("registered %s v%s: %s", name, version, verdict.reason)
    return Registration(name, version, verdict.promote, verdict.reason)


def _ensure_registered(client: Any, name: str) -> None:
    from mlflow.exceptions import MlflowException

    try:
        client.get_registered_model(name)
    except MlflowException:  # not registered yet
        try:
            client.create_registered_model(name)
        except MlflowException:  # another process registered it meanwhile
            client.get_registered_model(name)


def _alias_version(client: Any, name: str, alias: str = CHAMPION) -> str | None:
    """The version `alias` points at, or None (no model, or no such alias)."""
    from mlflow.exceptions import MlflowException

    try:
        return str(client.get_model_version_by_alias(name, alias).version)
    except MlflowException:
        return None


def _version_tags(client: Any, name: str, version: str | None) -> dict[str, str]:
    """A version's tags ({} for no version)."""
    if version is None:
        return {}
    return dict(client.get_model_version(name, version).tags or {})


def _history(client: Any, name: str) -> list[str]:
    model = client.get_registered_model(name)
    raw = (model.tags or {}).get(HISTORY_TAG, "")
    return [v for v in raw.split(",") if v]


def _move_champion(client: Any, name: str, version: str, by: str) -> None:
    """Point the alias at `version` first, then record it in the history (rollback tolerates a gap)."""
    client.set_registered_model_alias(name, CHAMPION, version)
    client.set_model_version_tag(name, version, PROMOTED_BY_TAG, by)
    history = _history(client, name)
    if not history or history[-1] != version:
        history.append(version)
    client.set_registered_model_tag(name, HISTORY_TAG, ",".join(history[-50:]))


def champion_version(settings: Settings, family: str) -> str | None:
    """The version the `champion` alias points at, or None."""
    from mlflow import MlflowClient

    configure(settings)
    return _alias_version(MlflowClient(), registered_name(family))


def resolve_version(settings: Settings, family: str, ref: str = CHAMPION) -> str | None:
    """The version `ref` (a version number or an alias) names, or None when there is none."""
    from mlflow import MlflowClient

    configure(settings)
    return ref if ref.isdigit() else _alias_version(MlflowClient(), registered_name(family), ref)


def download_model(settings: Settings, family: str, ref: str = CHAMPION) -> Path | None:
    """Download a version's artefacts (`ref` is an alias or a version number); None if absent.

    Inside a run, downloading the champion records which version it was (`compared_with_champion`),
    so that registration can tell whether the champion moved meanwhile. Artefacts of a registry
    folder that was moved are read from their new place.
    """
    import mlflow
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    client, name = MlflowClient(), registered_name(family)
    version = resolve_version(settings, family, ref)
    if ref == CHAMPION and mlflow.active_run() is not None:
        mlflow.set_tag(COMPARED_TAG, version or "none")
    if version is None:
        log.info("no %s version at %r", name, ref)
        return None
    dst = Path(tempfile.mkdtemp(prefix="shopml-model-"))
    try:
        source = _local_source(settings, client.get_model_version(name, version))
        path = Path(mlflow.artifacts.download_artifacts(artifact_uri=source, dst_path=str(dst)))
    except (MlflowException, OSError) as exc:
        log.warning("cannot download %s v%s: %s", name, version, exc)
        shutil.rmtree(dst, ignore_errors=True)
        return None
    if not any(p.is_file() for p in path.rglob("*")):
        log.warning("%s v%s has no artefacts at %s", name, version, source)
        shutil.rmtree(dst, ignore_errors=True)
        return None
    return path


def discard_download(path: Path | None) -> None:
    """Delete a folder that `download_model` returned, with its temporary parent."""
    if path is None:
        return
    root = path.parent if path.parent.name.startswith("shopml-model-") else path
    shutil.rmtree(root, ignore_errors=True)


def _file_path(uri: str) -> Path:
    return Path(unquote(urlparse(uri).path))


def _local_source(settings: Settings, mv: Any) -> str:
    """The version's artefact URI; for a moved default store, the same run folder under its new root."""
    source = str(mv.source)
    if settings.mlflow_tracking_uri or not source.startswith("file:") or _file_path(source).exists():
        return source
    parts = _file_path(source).parts
    if mv.run_id and mv.run_id in parts:
        moved = settings.artifact_root.joinpath(*parts[parts.index(mv.run_id):])
        if moved.exists():
            return moved.as_uri()
    return source


def promote(settings: Settings, family: str, version: str, check: Callable[[str], str | None] | None = None) -> None:
    """Point `champion` at `version` by hand. `check(version)` (e.g. `runtimes.load_problem`) says why a
    version would not serve; such a version is refused with ValueError and the champion stays."""
    from mlflow import MlflowClient

    configure(settings)
    client = MlflowClient()
    name = registered_name(family)
    client.get_model_version(name, version)  # raises for an unknown version
    problem = check(version) if check is not None else None
    if problem:
        raise ValueError(f"it would not serve ({problem}); the champion stays")
    with registry_lock():
        _move_champion(client, name, version, "hand")


def rollback(settings: Settings, family: str, check: Callable[[str], str | None] | None = None) -> str:
    """Move `champion` back to the version that held it before the current one; returns that version.

    Deleted versions in the history are passed over. `check(version)` says why a version would not
    serve (None when it would): such a version is refused (ValueError) and the champion stays."""
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    configure(settings)
    client = MlflowClient()
    name = registered_name(family)
    with registry_lock():
        history, current = _history(client, name), _alias_version(client, name)
        while history and history[-1] == current:
            history.pop()
        while history:
            try:
                client.get_model_version(name, history[-1])
                break
            except MlflowException:
                log.warning("%s v%s, an earlier champion, was deleted: passed over", name, history.pop())
        if not history:
            raise ValueError(f"{name} has no earlier champion to roll back to")
        previous = history[-1]
        problem = check(previous) if check is not None else None
        if problem:
            stays = f"v{current} stays champion" if current else "the champion is unchanged"
            raise ValueError(f"v{previous}, the champion before, would not serve ({problem}); {stays}. "
                             f"Promote a version that serves by hand (shopml models promote {family} <version>)")
        client.set_registered_model_alias(name, CHAMPION, previous)
        client.set_model_version_tag(name, previous, PROMOTED_BY_TAG, "rollback")
        client.set_registered_model_tag(name, HISTORY_TAG, ",".join(history))
    return previous


def list_versions(settings: Settings, family: str) -> list[dict[str, str]]:
    """Every version of a model with its tags and whether it is the champion."""
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    configure(settings)
    client = MlflowClient()
    name = registered_name(family)
    champion = _alias_version(client, name)
    try:
        versions = client.search_model_versions(f"name='{name}'")
    except MlflowException:  # nothing registered under that name
        return []
    rows = []
    for mv in sorted(versions, key=lambda v: int(v.version)):
        rows.append({"model": name, "version": str(mv.version), "champion": str(str(mv.version) == champion),
                     "run_id": mv.run_id or "", **(mv.tags or {})})
    return rows
