"""The models being served: champions fetched by registry alias, smoke-checked, swapped atomically.

A `ModelHolder` keeps one immutable `Snapshot` (family -> `LoadedModel`). A request reads
`holder.snapshot` once and uses that snapshot to the end, so a reload never changes a model under a
request. `reload()` fetches each family's champion, prepares it (erased customers forgotten, stock
and opt-outs applied), runs its smoke check and only then replaces the one snapshot reference. A
model that fails any step is refused and the previous one keeps serving.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from features.settings import Settings
from serving.config import FAMILIES
from training.runtimes import model_folder, runtime_class

log = logging.getLogger(__name__)

Outcome = Literal["loaded", "unchanged", "refused", "absent", "kept"]


@dataclass(frozen=True)
class LoadedModel:
    """One family's runtime object and where it came from."""

    family: str
    version: str
    runtime: Any
    tags: Mapping[str, str] = field(default_factory=dict)
    loaded_at: float = field(default_factory=time.time)


@dataclass(frozen=True)
class Snapshot:
    """What is serving right now; never mutated, only replaced."""

    models: Mapping[str, LoadedModel] = field(default_factory=dict)
    generation: int = 0

    def get(self, family: str) -> LoadedModel | None:
        return self.models.get(family)


@dataclass(frozen=True)
class FamilyReload:
    """What a reload did for one family."""

    family: str
    outcome: Outcome
    version: str | None
    detail: str


class ModelSource(Protocol):
    """Where champions come from (the MLflow registry in production, fakes in tests)."""

    def champion_version(self, family: str) -> str | None:
        """The version the champion alias points at, or None when the family has none."""

    def fetch(self, family: str, version: str) -> LoadedModel:
        """Download and load one version into its runtime object; raises when it cannot."""


class ModelRefused(RuntimeError):
    """A candidate model failed to load, prepare or pass its smoke check."""


class MlflowSource:
    """Champions from the MLflow model registry, loaded into the families' runtime classes."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def champion_version(self, family: str) -> str | None:
        from training.tracking import champion_version

        return champion_version(self.settings, family)

    def fetch(self, family: str, version: str) -> LoadedModel:
        from training.tracking import discard_download, download_model, list_versions

        path = download_model(self.settings, family, ref=version)
        if path is None:
            raise ModelRefused(f"{family} v{version}: artefacts could not be downloaded")
        try:
            runtime = runtime_class(family).load(model_folder(path))
        finally:
            discard_download(path)  # the runtime holds everything in memory
        row = next((row for row in list_versions(self.settings, family) if row.get("version") == version), {})
        warn_if_other_store(family, version, row, self.settings)
        return LoadedModel(family, version, runtime, serving_tags(row))


def warn_if_other_store(family: str, version: str, tags: Mapping[str, str], settings: Settings) -> bool:
    """Log a warning (and return True) when a version was trained on another event store than the one
    this service reads: its customers and items may not be this shop's."""
    from training.tracking import store_label

    trained_on, serving = tags.get("store"), store_label(settings)
    if not trained_on or trained_on == serving:
        return False
    log.warning("%s v%s was trained on the event store %s; this service reads %s", family, version, trained_on, serving)
    return True


def serving_tags(row: Mapping[str, str]) -> dict[str, str]:
    """A version's registry tags without `champion`, which is only true at load time."""
    return {key: value for key, value in row.items() if key != "champion"}


Preparer = Callable[[str, Any], None]


def smoke_check(model: LoadedModel) -> None:
    """Run the runtime's own smoke check; raise ModelRefused if it fails or answers False."""
    try:
        ok = model.runtime.smoke_check()
    except Exception as exc:
        raise ModelRefused(f"{model.family} v{model.version}: smoke check failed: {exc}") from exc
    if ok is False:
        raise ModelRefused(f"{model.family} v{model.version}: smoke check answered False")


class ModelHolder:
    """Holds the serving snapshot and replaces it, whole, on reload."""

    def __init__(self, source: ModelSource, *, prepare: Preparer | None = None,
                 on_change: Callable[[Snapshot, list[FamilyReload]], None] | None = None) -> None:
        self.source = source
        self.prepare = prepare
        self.on_change = on_change
        self._snapshot = Snapshot()
        self._lock = threading.Lock()
        self.initial_load_done = False
        self.refused: dict[str, str] = {}  # family -> why its current champion was refused

    @property
    def snapshot(self) -> Snapshot:
        return self._snapshot

    def reload(self, families: Iterable[str] = FAMILIES, *, force: bool = False) -> list[FamilyReload]:
        """Fetch, prepare and smoke-check each family's champion, then swap the snapshot once."""
        with self._lock:
            current = self._snapshot
            models = dict(current.models)
            report = [self._reload_family(family, models, force=force) for family in families]
            for r in report:
                if r.outcome == "refused":
                    self.refused[r.family] = r.detail
                elif r.outcome != "kept":
                    self.refused.pop(r.family, None)
            if any(r.outcome == "loaded" for r in report):
                self._snapshot = Snapshot(models, current.generation + 1)
            self.initial_load_done = True
        if self.on_change is not None:
            self.on_change(self._snapshot, report)
        return report

    def _reload_family(self, family: str, models: dict[str, LoadedModel], *, force: bool) -> FamilyReload:
        old = models.get(family)
        try:
            version = self.source.champion_version(family)
        except Exception as exc:  # noqa: BLE001 - the registry being down must not stop serving
            log.warning("cannot read the %s champion: %s", family, exc)
            return FamilyReload(family, "kept" if old else "absent", old.version if old else None,
                                f"registry unavailable: {exc}")
        if version is None:
            if old is not None:
                return FamilyReload(family, "kept", old.version, "no champion in the registry; kept serving")
            return FamilyReload(family, "absent", None, f"no registered {family} model yet")
        if old is not None and old.version == version and not force:
            return FamilyReload(family, "unchanged", version, "already serving the champion")
        try:
            candidate = self._candidate(family, version)
        except Exception as exc:  # noqa: BLE001 - refuse and keep the old one
            log.error("refused %s v%s: %s", family, version, exc)
            kept = f"; still serving v{old.version}" if old else ""
            return FamilyReload(family, "refused", old.version if old else None, f"v{version} refused: {exc}{kept}")
        models[family] = candidate
        log.info("loaded %s v%s", family, version)
        return FamilyReload(family, "loaded", version, f"now serving v{version}")

    def _candidate(self, family: str, version: str) -> LoadedModel:
        candidate = self.source.fetch(family, version)
        if self.prepare is not None:
            self.prepare(family, candidate.runtime)
        smoke_check(candidate)
        return candidate
