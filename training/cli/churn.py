"""`shopml train churn` and `shopml evaluate churn` (placeholder until the churn model lands)."""

from __future__ import annotations

import typer

from training.cli.apps import evaluate_app, train_app


@train_app.command("churn")
def train_command() -> None:
    """Train the churn model."""
    typer.echo("the churn model is not built yet", err=True)
    raise typer.Exit(code=2)


@evaluate_app.command("churn")
def evaluate_command() -> None:
    """Backtest the churn model against its peers."""
    typer.echo("the churn model is not built yet", err=True)
    raise typer.Exit(code=2)
