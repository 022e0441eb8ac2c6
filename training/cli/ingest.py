"""`shopml ingest`: validate files and load them into the event store, all or nothing."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy.exc import DBAPIError

from features.errors import ContractError
from features.loaders import LOADERS, LoadResult, load_table
from features.schema import EVENT_COLUMNS
from features.settings import Settings
from features.store import EventStore, IngestStats
from training.cli.apps import app
from training.cli.sources import Layout
from training.cli.store import open_store, redact


def load_inputs(
    events: Path | None, layout: str, items: Path | None, customers: Path | None, promotions: Path | None
) -> tuple[LoadResult, dict]:
    """Read and validate every given file before anything is written (no events file: side tables only)."""
    result = LOADERS[layout](events) if events is not None else no_events()
    side = {
        "items": load_table(items, "items") if items else None,
        "customers": load_table(customers, "customers") if customers else None,
        "promotions": load_table(promotions, "promotions") if promotions else None,
    }
    return result, side


def no_events() -> LoadResult:
    """An empty load, for an ingest of side tables alone (stock, lead times, opt-outs)."""
    return LoadResult("(no events file)", pd.DataFrame({c: pd.Series(dtype=object) for c in EVENT_COLUMNS}))


def store_with_progress(store: EventStore, result: LoadResult, side: dict, console: Console) -> IngestStats:
    """Write a validated load to the store, showing a progress bar on large files."""
    with Progress(
        TextColumn("storing events"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=console, transient=True, disable=len(result.events) < 50_000,
    ) as bar:
        task = bar.add_task("store", total=len(result.events))
        return store.ingest(result, progress=lambda n: bar.advance(task, n), **side)


def print_report(result: LoadResult, stats: IngestStats, side: dict, store_url: str, console: Console) -> None:
    """Print what was read, kept, dropped and why, and what was added to the store."""
    if result.rows_read or result.rows_kept:
        dropped = sum(result.dropped.values())
        console.print(f"read    {result.rows_read:>10,} rows from {result.source}")
        console.print(f"kept    {result.rows_kept:>10,} events")
        console.print(f"dropped {dropped:>10,} rows")
        for reason, count in result.dropped.items():
            console.print(f"          {count:>10,}  {reason}")
        for note, count in result.notes.items():
            console.print(f"note    {count:>10,} {note}")
        console.print(f"added   {stats.added:>10,} new events ({stats.already_stored:,} were already stored)")
    if stats.erased:
        console.print(f"skipped {stats.erased:>10,} events of customers who asked to be erased")
    derived: dict[str, int | None] = {"items": None if result.items is None else len(result.items),
               "customers": None if result.customers is None else stats.derived_customers_kept}
    for name, derived_rows in derived.items():
        if derived_rows is not None:
            console.print(f"{name} {derived_rows:>{17 - len(name)},} rows derived from the events file")
    for name, frame in side.items():
        if frame is not None:
            count = stats.customers_kept if name == "customers" else len(frame)
            console.print(f"{name} {count:>{17 - len(name)},} rows loaded")
    if stats.customers_erased:
        console.print(f"skipped {stats.customers_erased:>10,} customers rows of customers who asked to be erased")
    console.print(f"store   {redact(store_url)}")


@app.command("ingest")
def ingest_command(
    events: Path = typer.Argument(None, exists=True, dir_okay=False, show_default=False,
                                  help="events file (CSV or Parquet; xlsx for online-retail); leave it out to "
                                       "load only --items, --customers or --promotions"),
    items: Path = typer.Option(None, "--items", exists=True, dir_okay=False, help="items table (CSV or Parquet)"),
    customers: Path = typer.Option(None, "--customers", exists=True, dir_okay=False, help="customers table"),
    promotions: Path = typer.Option(None, "--promotions", exists=True, dir_okay=False, help="promotions table"),
    layout: Layout = typer.Option(Layout.canonical, "--format", help="layout of the events file"),
) -> None:
    """Validate files and add their events to the store; a bad file is rejected whole."""
    if events is None and items is None and customers is None and promotions is None:
        raise typer.BadParameter("give an events file, or at least one of --items, --customers, --promotions",
                                 param_hint="EVENTS")
    console = Console(soft_wrap=True)
    settings = Settings()
    store = open_store(settings)  # first: a store that cannot open stops the command before the files are read
    try:
        try:
            with console.status(f"reading {events or 'the tables'}"):
                result, side = load_inputs(events, layout.value, items, customers, promotions)
        except ContractError as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(code=1) from exc
        try:
            stats = store_with_progress(store, result, side, console)
        except DBAPIError as exc:  # a value the loaders let through but the database refuses
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else type(exc).__name__
            typer.echo(f"{result.source}: rejected by the database, nothing was stored: {reason}", err=True)
            raise typer.Exit(code=1) from exc
    finally:
        store.close()
    print_report(result, stats, side, settings.store_url, console)
