"""`shopml train forecast` and `shopml evaluate forecast` (placeholder until the forecast model lands)."""

from __future__ import annotations

import typer

from training.cli.apps import evaluate_app, train_app


@train_app.command("forecast")
def train_command() -> None:
    """Train the forecast model."""
    typer.echo("the forecast model is not built yet", err=True)
    raise typer.Exit(code=2)


@evaluate_app.command("forecast")
def evaluate_command() -> None:
    """Backtest the forecast model against its peers."""
    typer.echo("the forecast model is not built yet", err=True)
    raise typer.Exit(code=2)
