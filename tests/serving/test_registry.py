"""The model holder: atomic swaps, refusals, and loading champions from a real MLflow registry."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from features.settings import Settings
from serving.registry import MlflowSource, ModelHolder
from tests.serving.fakes import FakeSource


def test_reload_builds_a_new_snapshot_and_keeps_the_old_one_intact() -> None:
    source = FakeSource()
    holder = ModelHolder(source)
    holder.reload()
    first = holder.snapshot
    source.champions["forecast"] = "2"
    report = {r.family: r.outcome for r in holder.reload()}
    assert report == {"recommender": "unchanged", "forecast": "loaded", "churn": "unchanged"}
    assert first.get("forecast").version == "1"  # a request holding the old snapshot is unaffected
    assert holder.snapshot.get("forecast").version == "2"
    assert holder.snapshot.get("recommender") is first.get("recommender")
    assert holder.snapshot.generation == first.generation + 1


def test_refused_model_leaves_the_snapshot_untouched() -> None:
    source = FakeSource()
    holder = ModelHolder(source)
    holder.reload()
    before = holder.snapshot
    source.champions["recommender"] = "2"
    source.broken.add(("recommender", "2"))
    (outcome,) = [r for r in holder.reload() if r.family == "recommender"]
    assert outcome.outcome == "refused" and "still serving v1" in outcome.detail
    assert holder.snapshot is before


def test_prepare_runs_before_the_smoke_check_and_a_failure_refuses() -> None:
    calls: list[str] = []

    def prepare(family: str, runtime: object) -> None:
        calls.append(family)
        if family == "churn":
            raise RuntimeError("store unreadable")

    holder = ModelHolder(FakeSource(), prepare=prepare)
    report = {r.family: r.outcome for r in holder.reload()}
    assert calls == ["recommender", "forecast", "churn"]
    assert report["churn"] == "refused"
    assert holder.snapshot.get("churn") is None and holder.snapshot.get("recommender") is not None


def test_registry_errors_keep_serving() -> None:
    source = FakeSource()
    holder = ModelHolder(source)
    holder.reload()

    def down(family: str) -> str:
        raise ConnectionError("registry down")

    source.champion_version = down  # type: ignore[method-assign]
    assert {r.outcome for r in holder.reload()} == {"kept"}
    assert holder.snapshot.get("recommender").version == "1"


def test_requests_during_reloads_always_see_a_complete_model() -> None:
    source = FakeSource()
    holder = ModelHolder(source)
    holder.reload()
    errors: list[BaseException] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            try:
                model = holder.snapshot.get("recommender")
                assert model.runtime.recommend("C1", 3).items
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)

    reader = threading.Thread(target=read)
    reader.start()
    for _ in range(30):
        holder.reload(force=True)
    stop.set()
    reader.join()
    assert not errors


class FolderRuntime:
    """A runtime that reads the model folder logged to MLflow."""

    def __init__(self, payload: dict) -> None:
        self.payload = payload

    @classmethod
    def load(cls, path: Path) -> FolderRuntime:
        return cls(json.loads((Path(path) / "model.json").read_text()))

    def smoke_check(self) -> None:
        if self.payload.get("broken"):
            raise ValueError("broken on purpose")


def _register(settings: Settings, tmp_path: Path, payload: dict, score: float, champion: float | None) -> str:
    from training.tracking import register_model, tracked_run

    folder = tmp_path / f"model-{score}"
    folder.mkdir()
    (folder / "model.json").write_text(json.dumps(payload))
    with tracked_run(settings, "recommender", "test") as run_id:
        reg = register_model(run_id, "recommender", folder, candidate_score=score, champion_score=champion,
                             metric="ndcg_at_10")
    return reg.version


def test_mlflow_source_loads_the_champion_by_alias(settings: Settings, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("serving.registry.runtime_class", lambda family: FolderRuntime)
    holder = ModelHolder(MlflowSource(settings))
    assert {r.outcome for r in holder.reload()} == {"absent"}
    v1 = _register(settings, tmp_path, {"name": "first"}, 0.3, None)
    holder.reload(families=["recommender"])
    model = holder.snapshot.get("recommender")
    assert model.version == v1 and model.runtime.payload == {"name": "first"}
    assert model.tags["holdout_metric"] == "ndcg_at_10" and model.tags["validation_status"] == "passed"
    _register(settings, tmp_path, {"name": "worse"}, 0.1, 0.3)  # not promoted: alias stays on v1
    assert holder.reload(families=["recommender"])[0].outcome == "unchanged"
    from training.tracking import promote

    v3 = _register(settings, tmp_path, {"broken": True}, 0.2, None)
    promote(settings, "recommender", v3)
    (outcome,) = holder.reload(families=["recommender"])
    assert outcome.outcome == "refused" and holder.snapshot.get("recommender").version == v1


def test_mlflow_source_leaves_no_download_behind_and_no_stale_champion_tag(
        settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tempfile

    monkeypatch.setattr("serving.registry.runtime_class", lambda family: FolderRuntime)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    v1 = _register(settings, tmp_path, {"name": "first"}, 0.3, None)
    model = MlflowSource(settings).fetch("recommender", v1)
    assert model.runtime.payload == {"name": "first"}
    assert not [p for p in (tmp_path / "tmp").iterdir() if p.name.startswith("shopml-model-")]
    assert "champion" not in model.tags  # true only when it was loaded; GET /v1/models would go stale


def test_a_champion_from_another_event_store_is_warned_about(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    from features.settings import Settings
    from serving.registry import warn_if_other_store
    from training.tracking import store_label

    settings = Settings(home=tmp_path)
    assert not warn_if_other_store("churn", "1", {"store": store_label(settings)}, settings)
    assert not warn_if_other_store("churn", "1", {}, settings)  # versions from before stores were recorded
    with caplog.at_level("WARNING", logger="serving.registry"):
        assert warn_if_other_store("churn", "2", {"store": "postgresql+psycopg://shop@db/other"}, settings)
    assert "churn v2 was trained on the event store postgresql+psycopg://shop@db/other" in caplog.text
