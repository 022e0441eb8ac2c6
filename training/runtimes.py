"""The serving runtime of each model family, and loading a downloaded version into it.

Runtimes are imported lazily: a process that serves or promotes never imports the code that fits.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from features.settings import Settings

FAMILIES: tuple[str, ...] = ("recommender", "forecast", "churn")


def runtime_class(family: str) -> Any:
    """The runtime class of a family."""
    if family == "recommender":
        from training.recommender.runtime import RecommenderRuntime

        return RecommenderRuntime
    if family == "forecast":
        from training.forecast.runtime import ForecastRuntime

        return ForecastRuntime
    if family == "churn":
        from training.churn.runtime import ChurnRuntime

        return ChurnRuntime
    raise ValueError(f"unknown model family {family!r}; allowed: {', '.join(FAMILIES)}")


def model_folder(path: Path) -> Path:
    """The folder holding the model files (tolerates an extra `model/` level)."""
    nested = path / "model"
    if nested.is_dir() and not any(p.is_file() for p in path.iterdir()):
        return nested
    return path


def load_problem(settings: Settings, family: str, version: str) -> str | None:
    """Why VERSION would be refused by serving (download, load, smoke check), or None when it loads;
    the `check` that `tracking.promote` and `tracking.rollback` take."""
    from training import tracking

    path = tracking.download_model(settings, family, version)
    if path is None:
        return "its artefacts cannot be downloaded"
    try:
        runtime_class(family).load(model_folder(path)).smoke_check()
    except Exception as exc:  # noqa: BLE001 - whatever a broken artefact raises
        return f"{type(exc).__name__}: {exc}"
    finally:
        tracking.discard_download(path)
    return None
