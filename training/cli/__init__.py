"""The `shopml` command line."""

from __future__ import annotations

import logging
import os
import sys

from pydantic import ValidationError

from features.settings import settings_errors
from training.cli import churn, demo, forecast, ingest, models, recommender, serve  # noqa: F401  (registers commands)
from training.cli.apps import SETTINGS_TITLES, app, exit_invalid_settings
from training.interrupts import SIGTERM_EXIT, sigterm_as_exit


def main() -> None:
    """Entry point of the `shopml` console script."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    os.environ.setdefault("MLFLOW_LOGGING_LEVEL", "WARNING")  # its INFO lines (database migrations) are noise here
    try:
        with sigterm_as_exit():  # a stopped command unwinds: runs marked failed, temporary files removed
            app()
    except SystemExit as exc:
        if exc.code == SIGTERM_EXIT:
            print("stopped (SIGTERM): nothing half-done was kept; a training run is marked FAILED", file=sys.stderr)
        raise
    except ValidationError as exc:
        if exc.title not in SETTINGS_TITLES:
            raise
        exit_invalid_settings(settings_errors(exc))
