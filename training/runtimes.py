"""The serving runtime of each model family, and loading a downloaded version into it.

Runtimes are imported lazily: a process that serves or promotes never imports the code that fits.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

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
