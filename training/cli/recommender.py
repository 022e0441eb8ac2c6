"""`shopml train recommender` and `shopml evaluate recommender` (placeholder until the recommender model lands)."""

from __future__ import annotations

import typer

from training.cli.apps import evaluate_app, train_app


@train_app.command("recommender")
def train_command() -> None:
    """Train the recommender model."""
    typer.echo("the recommender model is not built yet", err=True)
    raise typer.Exit(code=2)


@evaluate_app.command("recommender")
def evaluate_command() -> None:
    """Backtest the recommender model against its peers."""
    typer.echo("the recommender model is not built yet", err=True)
    raise typer.Exit(code=2)
