"""`shopml train recommender` and `shopml evaluate recommender`."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from features.settings import Settings
from training.cli.apps import TRAINERS, evaluate_app, run_trainer, train_app
from training.cli.dates import MAX_WINDOW_DAYS
from training.cli.sources import Layout, check_format_has_source, contract_errors

if TYPE_CHECKING:
    import pandas as pd


def train(settings: Settings) -> object:
    """Train the recommender on the event store, log it, register it, promote it if it wins."""
    from training.evaluation.report import print_table
    from training.recommender.runs import run_training

    result, registration = run_training(settings)
    print_table(result.table, f"recommender holdout {result.holdout_start.date()} .. {result.data_end.date()}")
    champion = champion_text(result.champion_score)
    typer.echo(f"candidate NDCG@10 (all items) {result.candidate_score:.4f}, champion on the same holdout {champion}")
    typer.echo(f"{registration.name} v{registration.version}: "  # type: ignore[attr-defined]
               f"{'promoted to champion' if registration.promoted else 'not promoted'} "  # type: ignore[attr-defined]
               f"({registration.reason})")  # type: ignore[attr-defined]
    typer.echo("seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in result.seconds.items()))
    return registration


@train_app.command("recommender")
def train_command() -> None:
    """Train the two-stage recommender, compare it with the champion on the last 70 days, register it."""
    run_trainer("recommender", Settings())


def _check_window(timestamps: pd.Series, window_days: int) -> None:
    """An error naming --window-days when no cutoff has the history and the test window it needs."""
    from training.cli.dates import check_window, split_range

    def fits(days: int) -> bool:
        earliest, latest = split_range(timestamps, test_days=days, history_days=days + 1)
        return earliest <= latest

    check_window(window_days, fits, param="--window-days", unit="days", timestamps=timestamps,
                 needs=f"a backtest needs {window_days + 1} days of history before the cutoff (the rankers train "
                       f"on the window before it) and a complete {window_days}-day test window after it")


@evaluate_app.command("recommender")
def evaluate_command(
    ctx: typer.Context,
    cutoff: Annotated[str | None, typer.Option(help="Evaluation cutoff YYYY-MM-DD (default: the latest with a complete test window after it).")] = None,
    window_days: Annotated[int, typer.Option(min=1, max=MAX_WINDOW_DAYS, help="Test window length in days.")] = 70,
    source: Annotated[Path | None, typer.Option(exists=True, dir_okay=False,
                                                help="Read events from this file instead of the event store.")] = None,
    fmt: Annotated[Layout, typer.Option("--format", help="Layout of --source.")] = Layout.online_retail,
) -> None:
    """Backtest shopml against popularity, repeat purchases, ALS and item-kNN on one temporal split."""

    from training.cli.dates import check_split, parse_date, split_range
    from training.cli.store import check_store
    from training.errors import NotEnoughData
    from training.evaluation.report import print_table
    from training.recommender.model import RecommenderConfig
    from training.recommender.runs import load_inputs, run_evaluation, summary_rows

    check_format_has_source(ctx, source)
    settings = Settings()
    if source is None:
        check_store(settings)
    with contract_errors(fmt):
        inputs = load_inputs(settings, source, fmt.value)
    if inputs.events.empty:
        typer.echo("no purchases to evaluate on: run `shopml ingest` first or pass --source", err=True)
        raise typer.Exit(code=2)
    _check_window(inputs.events["timestamp"], window_days)
    if cutoff is None:  # the latest cutoff with a complete test window after it
        cutoff = str(split_range(inputs.events["timestamp"], test_days=window_days)[1].date())
    when = parse_date(cutoff, "--cutoff")
    # the rankers train on the window before the test window, so that one needs history before it
    check_split(when, inputs.events["timestamp"], param="--cutoff", test_days=window_days,
                history_days=window_days + 1)
    cutoff = str(when.date())
    products = products_bought_before(inputs.events, when)
    if products < 2:
        typer.echo(f"cannot evaluate the recommender at {cutoff}: the purchases before it are of {products} "
                   "product(s), so there is nothing to rank (a CDNOW file has one pseudo-product for every CD)", err=True)
        raise typer.Exit(code=2)
    config = dataclasses.replace(RecommenderConfig(), window_days=window_days)
    try:
        result = run_evaluation(settings, inputs, cutoff=cutoff, config=config)
    except NotEnoughData as exc:
        typer.echo(f"cannot evaluate the recommender at {cutoff}: {exc}", err=True)
        raise typer.Exit(code=2) from exc
    table, info = result.table, result.info
    print_table(table, f"recommender backtest: cutoff {cutoff}, test window {window_days} days, K=10")
    ratios = summary_rows(table)
    typer.echo(f"shopml / best peer NDCG@10 (all items): {ratios['shopml_over_best_peer_all']:.3f} "
               f"(95% CI {info['ratio_all_ci_low']:.3f}-{info['ratio_all_ci_high']:.3f}); "
               f"shopml / ALS NDCG@10 (new items): {ratios['shopml_over_als_new']:.3f} "
               f"(95% CI {info['ratio_new_ci_low']:.3f}-{info['ratio_new_ci_high']:.3f}); "
               "intervals: paired bootstrap over customers")
    if result.catalogue.empty:
        typer.echo("new products: none was first sold in the test window, so new-arrival picks are not scored")
    else:
        print_table(result.catalogue, "new products (first sold in the test window, played as the never-sold "
                                      "catalogue): customers' picks among them, and a new product's similar items")


def champion_text(score: float | None) -> str:
    """How the champion scored on the candidate's holdout, in words where it has no score."""
    if score is None:
        return "none"
    if math.isnan(score):
        return "not comparable (other candidate settings, and this version cannot refit its recipe)"
    if not math.isfinite(score):
        return "not comparable (its rankers learned from this holdout, and this version cannot refit its recipe)"
    return f"{score:.4f}"


def products_bought_before(events: pd.DataFrame, cutoff: pd.Timestamp) -> int:
    """How many distinct products customers bought before `cutoff`."""
    bought = events["customer_id"].notna() & (events["timestamp"] < cutoff)
    if "event_type" in events.columns:
        bought &= events["event_type"].eq("purchase")
    return int(events.loc[bought, "item_id"].nunique())


TRAINERS["recommender"] = train
