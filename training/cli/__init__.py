"""The `shopml` command line."""

from __future__ import annotations

import logging

from training.cli import churn, demo, forecast, ingest, models, recommender, serve  # noqa: F401  (registers commands)
from training.cli.apps import app


def main() -> None:
    """Entry point of the `shopml` console script."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    app()
