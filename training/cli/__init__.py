"""The `shopml` command line."""

from __future__ import annotations

import logging
import os
import sys

from pydantic import ValidationError

from features.settings import settings_errors
from training.cli import churn, demo, forecast, ingest, models, recommender, serve  # noqa: F401  (registers commands)
from training.cli.apps import app


def main() -> None:
    """Entry point of the `shopml` console script."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    os.environ.setdefault("MLFLOW_LOGGING_LEVEL", "WARNING")  # its INFO lines (database migrations) are noise here
    try:
        app()
    except ValidationError as exc:
        if exc.title != "Settings":
            raise
        print("invalid settings:\n" + "\n".join(f"  {line}" for line in settings_errors(exc)), file=sys.stderr)
        sys.exit(2)
