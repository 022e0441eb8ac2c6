"""The typer command groups of `shopml`, the registry of trainers that `train all` runs, and how a
command stops on invalid settings."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import NoReturn

import typer

from features.settings import Settings

log = logging.getLogger(__name__)

app = typer.Typer(help="shopml: recommendations, demand forecasts and churn for online shops.", no_args_is_help=True)
train_app = typer.Typer(help="Train models on the ingested data, log to MLflow, register, promote if better.")
evaluate_app = typer.Typer(help="Temporal backtests side by side with the peer baselines.", no_args_is_help=True)
models_app = typer.Typer(help="The MLflow model registry: list, promote, roll back.", no_args_is_help=True)
forecast_app = typer.Typer(help="Forecast exports for planners.", no_args_is_help=True)

app.add_typer(train_app, name="train")
app.add_typer(evaluate_app, name="evaluate")
app.add_typer(models_app, name="models")
app.add_typer(forecast_app, name="forecast")

# family -> function(settings) that trains, logs, registers; filled in by each family's CLI module.
TRAINERS: dict[str, Callable[[Settings], object]] = {}
TRAIN_ORDER = ("recommender", "churn", "forecast")
# the settings classes whose validation errors are bad `SHOPML_*` values (pydantic titles them by class)
SETTINGS_TITLES = ("Settings", "ServingSettings")


def exit_invalid_settings(lines: list[str]) -> NoReturn:
    """Print one line per invalid setting under `invalid settings:` and exit with code 2."""
    print("invalid settings:\n" + "\n".join(f"  {line}" for line in lines), file=sys.stderr)
    sys.exit(2)


@train_app.callback(invoke_without_command=True)
def train_all(ctx: typer.Context) -> None:
    """Train every model (`shopml train` or `shopml train all`)."""
    if ctx.invoked_subcommand is None:
        run_all_trainers(Settings())


@train_app.command("all")
def train_all_command() -> None:
    """Train every model."""
    run_all_trainers(Settings())


def run_all_trainers(settings: Settings) -> None:
    """Run every registered trainer in order; one that lacks data, or fails, is reported and the others
    still run. Exit code 2 when one lacked data, 1 when one failed."""
    from training.cli.store import check_store

    check_store(settings)
    check_calendar(settings)
    all_trained, crashed = True, False
    for family in TRAIN_ORDER:
        if family not in TRAINERS:
            continue
        try:
            all_trained = _trained(family, settings) and all_trained
        except Exception:  # one family's failure must not stop the others
            log.exception("training %s failed (its serving model is unchanged)", family)
            typer.echo(f"training {family} failed (the serving model is unchanged); the others still train", err=True)
            crashed = True
    if crashed:
        raise typer.Exit(code=1)
    if not all_trained:
        raise typer.Exit(code=2)


def check_calendar(settings: Settings) -> None:
    """Exit with code 2, before any training, when SHOPML_CALENDAR_FILE cannot be read."""
    from features.calendar_file import CalendarFileError
    from training.forecast.config import forecast_config

    try:
        forecast_config(settings)
    except CalendarFileError as exc:
        typer.echo(f"SHOPML_CALENDAR_FILE: {exc} (nothing was trained)", err=True)
        raise typer.Exit(code=2) from exc


def run_trainer(family: str, settings: Settings) -> None:
    """Run one trainer; exit with code 2 and the reason when the data cannot train it."""
    from training.cli.store import check_store

    check_store(settings)
    if not _trained(family, settings):
        raise typer.Exit(code=2)


def _trained(family: str, settings: Settings) -> bool:
    from features.calendar_file import CalendarFileError
    from training.errors import NotEnoughData

    try:
        TRAINERS[family](settings)
    except (NotEnoughData, CalendarFileError) as exc:
        typer.echo(f"cannot train {family}: {exc} (the serving model is unchanged)", err=True)
        return False
    return True
