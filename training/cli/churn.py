"""`shopml train churn` and `shopml evaluate churn`."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from features.settings import Settings
from training.churn.labels import DEFAULT_HORIZON_DAYS
from training.cli.apps import TRAINERS, evaluate_app, train_app
from training.cli.dates import MAX_WINDOW_DAYS
from training.cli.sources import Layout, check_format_has_source, contract_errors

# The longest churn horizon the commands accept: ten years, far beyond any shop's history, and well
# inside pandas' timestamp range (a horizon of 100000 days overflows it).
MAX_HORIZON_DAYS = MAX_WINDOW_DAYS
HORIZON_HELP = f"Churn = no purchase within this many days (1..{MAX_HORIZON_DAYS})."


def train_churn(settings: Settings, horizon_days: int = DEFAULT_HORIZON_DAYS) -> object:
    """Train, log and register the churn model from the event store (the `TRAINERS` entry)."""
    from training.churn.model import ChurnConfig
    from training.churn.pipeline import train
    from training.evaluation.report import print_table

    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    result = train(settings, ChurnConfig(horizon_days=horizon_days))
    print_table(result.table, f"churn holdout as of {result.holdout_as_of.date()} (horizon {result.horizon_days} days)")
    typer.echo(f"shopml-churn v{result.version}: {'promoted to champion' if result.promoted else 'not promoted'} "
               f"({result.reason}); answers as of {result.serving_as_of.date()}")
    return result


@train_app.command("churn")
def train_command(
    horizon_days: Annotated[int, typer.Option("--horizon-days", min=1, max=MAX_HORIZON_DAYS, help=HORIZON_HELP
                                              + " The served answers are for this horizon.")] = DEFAULT_HORIZON_DAYS,
) -> None:
    """Train the churn model on the ingested events, log to MLflow, register, promote if better."""
    from training.cli.store import check_store
    from training.errors import NotEnoughData

    settings = Settings()
    check_store(settings)
    try:
        train_churn(settings, horizon_days)
    except NotEnoughData as exc:
        typer.echo(f"cannot train churn: {exc} (the serving model is unchanged)", err=True)
        raise typer.Exit(code=2) from exc


def check_horizon(timestamps: pd.Series, horizon_days: int) -> None:
    """An error naming --horizon-days when no as-of date has the history and the complete label
    window that a backtest with this horizon needs; it gives the longest horizon the events allow."""
    from training.churn.model import ChurnConfig, required_history_days
    from training.cli.dates import check_window, split_range

    def fits(days: int) -> bool:
        earliest, latest = split_range(timestamps, test_days=days,
                                       history_days=required_history_days(ChurnConfig(horizon_days=days)))
        return earliest <= latest

    history = required_history_days(ChurnConfig(horizon_days=horizon_days))
    check_window(horizon_days, fits, param="--horizon-days", unit="days", timestamps=timestamps,
                 window=f"a {horizon_days}-day horizon",
                 needs=f"an evaluation needs {history} days of history before the as-of date and a complete "
                       f"{horizon_days}-day label window after it")


@evaluate_app.command("churn")
def evaluate_command(
    ctx: typer.Context,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Evaluation date: labels are purchases in the next "
                                              "horizon (default: the last date with a full horizon after it).")] = None,
    horizon_days: Annotated[int, typer.Option("--horizon-days", min=1, max=MAX_HORIZON_DAYS,
                                              help=HORIZON_HELP)] = DEFAULT_HORIZON_DAYS,
    source: Annotated[Path | None, typer.Option("--source", exists=True, dir_okay=False,
                                                help="Read events from this file instead of the store.")] = None,
    fmt: Annotated[Layout, typer.Option("--format", help="Layout of --source.")] = Layout.online_retail,
) -> None:
    """Backtest shopml against recency, BG/NBD and LightGBM on RFM, fitted in one run; one table."""
    from training.churn.labels import latest_as_of
    from training.churn.model import ChurnConfig, required_history_days
    from training.churn.pipeline import evaluate, read_source, read_store
    from training.cli.dates import check_split, parse_date
    from training.cli.store import check_store
    from training.evaluation.report import print_table

    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    check_format_has_source(ctx, source)
    settings = Settings()
    if source is None:
        check_store(settings)
    with contract_errors(fmt):
        data = read_source(source, fmt.value) if source is not None else read_store(settings)
    if data.events.empty:
        typer.echo("no events: pass --source FILE or run `shopml ingest` first", err=True)
        raise typer.Exit(code=2)
    when = parse_date(as_of, "--as-of") if as_of is not None else None
    check_horizon(data.events["timestamp"], horizon_days)
    if when is None:
        when = latest_as_of(data.events, horizon_days)
    config = ChurnConfig(horizon_days=horizon_days)
    check_split(when, data.events["timestamp"], param="--as-of", test_days=horizon_days,
                history_days=required_history_days(config), window="label")
    as_of = str(when.date())
    try:
        result = evaluate(data, as_of=as_of, config=config, settings=settings)
    except ValueError as exc:
        typer.echo(f"cannot evaluate churn: {exc}", err=True)
        raise typer.Exit(code=2) from exc
    dates = result.training_dates
    title = (f"churn as of {result.as_of.date()}, horizon {horizon_days} days: {len(result.test)} customers, "
             f"churn rate {result.test['churned'].mean():.3f}; trained on {len(dates)} as-of dates "
             f"{dates[0].date()}..{dates[-1].date()}")
    print_table(result.table, title)
    print_table(result.targets(), "issue targets")
    if result.auc_gap is not None:
        peer, gap, low, high = result.auc_gap
        typer.echo(f"shopml - {peer} ROC-AUC: {gap:+.3f} (95% CI {low:+.3f} to {high:+.3f}; "
                   "paired bootstrap over customers)")


TRAINERS["churn"] = train_churn
