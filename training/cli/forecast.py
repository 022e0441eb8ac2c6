"""`shopml train forecast`, `shopml evaluate forecast` and `shopml forecast export`."""

from __future__ import annotations

import logging
import os
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import typer

from features.settings import Settings
from features.timestamps import as_utc
from training.cli.apps import TRAINERS, evaluate_app, forecast_app, run_trainer, train_app
from training.cli.dates import MAX_WINDOW_DAYS
from training.cli.sources import check_format_has_source, contract_errors
from training.inventory.policy import cost_problem

MAX_HORIZON_BUCKETS = MAX_WINDOW_DAYS  # weeks or days a backtest may forecast

if TYPE_CHECKING:
    from training.forecast.backtest import BacktestResult
    from training.forecast.config import ForecastConfig
    from training.forecast.runtime import ForecastRuntime

log = logging.getLogger(__name__)


def train_forecast(settings: Settings) -> dict[str, object]:
    """Train the forecast model from the event store, log it and register it (the TRAINERS entry)."""
    from training.evaluation.report import print_table
    from training.forecast.train import train_and_register

    summary = train_and_register(settings)
    validation: dict[str, dict[str, float]] = summary["validation"]  # type: ignore[assignment]
    series: dict[str, int] = summary["series"]  # type: ignore[assignment]
    origin: dict[str, str] = summary["origin"]  # type: ignore[assignment]
    holdout: dict[str, dict[str, object]] = summary["holdout"]  # type: ignore[assignment]
    table = pd.DataFrame.from_dict(validation, orient="index").rename(columns=lambda c: c.removeprefix("holdout_"))
    table.insert(0, "scored series", pd.Series({f: h["series"] for f, h in holdout.items()}))
    table.insert(1, "validation window", pd.Series({f: f"{str(h['first_origin'])[:10]} .. {str(h['end'])[:10]}"
                                                     for f, h in holdout.items()}))
    table["served series"] = pd.Series(series)
    table["forecasts from"] = pd.Series(origin)
    table.index.name = "freq"
    print_table(table, "forecast validation (the scores are on the scored series over the validation window; "
                       "the served forecasts start after the data)")
    typer.echo(f"shopml-forecast v{summary['version']}: {'promoted' if summary['promoted'] else 'not promoted'} "
               f"({summary['reason']}); {summary['seconds']:.1f}s")
    return summary


TRAINERS["forecast"] = train_forecast


@train_app.command("forecast")
def train_command() -> None:
    """Train weekly and daily demand forecasts on all history; register `shopml-forecast`."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    run_trainer("forecast", Settings())


def earliest_cutoff(events: pd.DataFrame, freqs: list[str], horizon: int | None,
                    config: ForecastConfig | None = None) -> tuple[pd.Timestamp, str]:
    """The first cutoff the forecaster can be fitted at, and what it needs: `min_buckets` counted from
    the bucket of the first purchase; `evaluate` fits at least the frequency's own horizon. Weekly
    cutoffs are Mondays."""
    from training.cli.dates import first_midnight
    from training.forecast.config import ForecastConfig
    from training.forecast.global_model import min_buckets

    cfg = config or ForecastConfig()
    purchases = events.loc[events["event_type"].eq("purchase"), "timestamp"] if "event_type" in events else events["timestamp"]
    first = as_utc(purchases.min()).normalize()
    earliest, needs = first, []
    for freq in freqs:
        spec = cfg.specs[freq]
        buckets = min_buckets(spec, cfg, max(horizon or spec.horizon, spec.horizon))
        weekly = freq == "W"
        bucket_start = first - pd.Timedelta(days=first.dayofweek if weekly else 0)
        earliest = max(earliest, bucket_start + pd.Timedelta(days=buckets * (7 if weekly else 1)))
        needs.append(f"{buckets} {'weeks' if weekly else 'days'} of purchases ({'weekly' if weekly else 'daily'} model)")
    return first_midnight(earliest, 0 if "W" in freqs else None), " and ".join(needs)


def _test_days(freqs: list[str], horizon: int | None) -> int:
    """Days of the test window: the longest frequency's horizon (its own default without --horizon)."""
    from training.forecast.config import SPECS

    return max((horizon or SPECS[f].horizon) * (7 if f == "W" else 1) for f in freqs)


def _check_horizon(events: pd.DataFrame, freqs: list[str], horizon: int) -> None:
    """An error naming --horizon when no cutoff has the history and the test window it needs."""
    from training.cli.dates import check_window, split_range

    def fits(h: int) -> bool:
        earliest, _ = earliest_cutoff(events, freqs, h)
        _, latest = split_range(events["timestamp"], test_days=_test_days(freqs, h), weekday=0 if "W" in freqs else None)
        return earliest <= latest

    unit = "weeks" if freqs == ["W"] else "days" if freqs == ["D"] else "buckets (weeks and days)"
    _, needs = earliest_cutoff(events, freqs, horizon)
    check_window(horizon, fits, param="--horizon", unit=unit, timestamps=events["timestamp"],
                 needs=f"a backtest needs {needs} before the cutoff and a complete test window of "
                       f"{_test_days(freqs, horizon)} days after it")


def scored_products(result: BacktestResult, top: int) -> str:
    """The products a backtest scored: 'top 200 products', or, when fewer than `top` products sold
    before the cutoff, how many there were."""
    n = result.forecasts["unique_id"].nunique()
    return f"top {n} products" if n >= top else f"all {n} products sold before it (fewer than --top {top})"


def empty_window_note(result: BacktestResult) -> str | None:
    """A note when the scored products sold nothing in the test window (WAPE and bias are then NaN and the
    scaled errors only measure how far each forecast is from zero)."""
    if result.forecasts["y"].sum() > 0:
        return None
    return ("note: the scored products sold nothing in the test window, so WAPE and bias are undefined (nan) "
            "and the scaled metrics only measure distance from zero; try another --cutoff")


class ForecastLayout(str, Enum):
    """The layouts `evaluate forecast --source` reads (CDNOW has no products to forecast)."""

    canonical = "canonical"
    online_retail = "online-retail"


def _load_events(source: Path | None, fmt: ForecastLayout) -> tuple[object, object, object]:
    if source is None:
        from training.cli.store import check_store
        from training.forecast.train import load_store

        settings = Settings()
        check_store(settings)
        events, items, promotions = load_store(settings)
        if events.empty:
            raise typer.BadParameter("the event store is empty: run `shopml ingest` or pass --source", param_hint="--source")
        return events, items, promotions
    from features.loaders import LOADERS

    with contract_errors(fmt):
        return LOADERS[fmt.value](source).events, None, None


@evaluate_app.command("forecast")
def evaluate_command(
    ctx: typer.Context,
    cutoff: str | None = typer.Option(None, help="first day of the test window, a Monday (default: the last "
                                       "Monday with 8 weeks of data after it, more for a longer --horizon; "
                                       "with --freq D the last day with the whole test window after it)"),
    freq: str = typer.Option("both", help="W, D or both"),
    horizon: int | None = typer.Option(None, min=1, max=MAX_HORIZON_BUCKETS,
                                       help="buckets to forecast (default 8 weeks / 28 days)"),
    top: int = typer.Option(200, min=1, help="products evaluated: the top N by units sold before the cutoff"),
    source: Path | None = typer.Option(None, exists=True, dir_okay=False, help="events file instead of the store"),
    fmt: ForecastLayout = typer.Option(ForecastLayout.online_retail, "--format", help="layout of --source"),
) -> None:
    """Backtest shopml against the peers at the cutoff; print one table per frequency and log to MLflow."""
    from features.calendar_file import CalendarFileError
    from training.cli.dates import check_split, parse_date, split_range
    from training.errors import NotEnoughData
    from training.evaluation.report import print_table
    from training.forecast.backtest import comparison
    from training.forecast.config import SPECS, forecast_config
    from training.forecast.evaluate import default_cutoff, evaluate, log_results
    from training.tracking import tracked_run

    logging.basicConfig(level=logging.WARNING)
    freqs = {"both": ["W", "D"], "W": ["W"], "D": ["D"]}.get(freq)
    if freqs is None:
        raise typer.BadParameter(f"must be W, D or both, got {freq!r}", param_hint="--freq")
    check_format_has_source(ctx, source)
    settings = Settings()
    try:
        cfg = forecast_config(settings)
    except CalendarFileError as exc:
        typer.echo(f"SHOPML_CALENDAR_FILE: {exc}", err=True)
        raise typer.Exit(code=2) from exc
    events, items, promotions = _load_events(source, fmt)
    if horizon is not None:
        _check_horizon(events, freqs, horizon)  # type: ignore[arg-type]
    test_days = _test_days(freqs, horizon)
    if cutoff is None and freqs == ["D"]:  # the latest day with the whole test window after it
        cutoff = str(split_range(events["timestamp"], test_days=test_days)[1].date())  # type: ignore[index]
    elif cutoff is None:  # a Monday with 8 weeks, or as many whole weeks as a longer --horizon needs
        cutoff = default_cutoff(events, weeks=max(8, -(-test_days // 7)))  # type: ignore[arg-type]
    when = parse_date(cutoff, "--cutoff")
    earliest, needs = earliest_cutoff(events, freqs, horizon)  # type: ignore[arg-type]
    weekday = 0 if "W" in freqs else None
    if weekday == 0 and when.dayofweek != 0:
        _, latest = split_range(events["timestamp"], test_days=test_days, weekday=0)  # type: ignore[index]
        monday = min(max(when - pd.Timedelta(days=when.dayofweek), earliest), latest)
        raise typer.BadParameter(f"{when.date()} is a {when.day_name()}; weekly buckets start on Mondays "
                                 f"(e.g. {monday.date()})", param_hint="--cutoff")
    check_split(when, events["timestamp"], param="--cutoff", test_days=test_days,  # type: ignore[index]
                weekday=weekday, earliest=earliest, needs=needs)
    cutoff = str(when.date())

    def show(f: str, res: object) -> None:
        h = res.forecasts["ds"].nunique()  # type: ignore[attr-defined]
        name = "weekly" if f == "W" else "daily"
        aligned = ", shopml's days add up to its weekly means (as served)" if f == "D" and "W" in freqs else ""
        print_table(res.table, f"forecast backtest, {name}, horizon {h}, cutoff {cutoff}, "  # type: ignore[attr-defined]
                    f"{scored_products(res, top)}{aligned}")  # type: ignore[arg-type]
        print_table(comparison(res.table, intervals=res.intervals),  # type: ignore[attr-defined]
                    f"shopml vs best peer ({name}); ratio intervals: paired bootstrap over products")
        if res.levels is not None:  # type: ignore[attr-defined]
            print_table(res.levels, f"categories and shop total of the scored products ({name}): shopml "  # type: ignore[attr-defined]
                        "reconciled from its item forecasts, the peers fitted on the summed series")
        note = empty_window_note(res)  # type: ignore[arg-type]
        if note:
            typer.echo(note)
        typer.echo(f"seconds: {res.seconds}")  # type: ignore[attr-defined]

    params: dict[str, object] = {"cutoff": cutoff, "freq": freq, "horizon": horizon or "default", "top": top,
                                 "source": str(source or "store")}
    with tracked_run(settings, "forecast", run_name=f"evaluate@{cutoff}", source=str(source) if source else None
                     ) as run_id:  # opened first: a failure or an interruption leaves a FAILED run
        try:
            results = evaluate(events, cutoff=cutoff, freqs=freqs, horizon=horizon, top=top, items=items,  # type: ignore[arg-type]
                               promotions=promotions, config=cfg, on_table=show)  # type: ignore[arg-type]
        except NotEnoughData as exc:
            raise typer.BadParameter(f"{cutoff}: {exc}", param_hint="--cutoff") from exc
        launches = show_launches(events, cutoff, cfg, horizon or SPECS["W"].horizon, items) if "W" in freqs else None  # type: ignore[arg-type]
        log_results(results, params, events=events, config=cfg, launches=launches)  # type: ignore[arg-type]
    typer.echo(f"logged to MLflow run {run_id}")


def show_launches(events: pd.DataFrame, cutoff: str, cfg: ForecastConfig, weeks: int,
                  items: pd.DataFrame | None) -> pd.DataFrame | None:
    """Print (and return) the new-product table of `launch_backtest` at the cutoff."""
    from training.evaluation.report import print_table
    from training.forecast.launch_backtest import launch_backtest

    launches = launch_backtest(events, cutoff=cutoff, spec=cfg.specs["W"], horizon=weeks, items=items)
    if launches is None:
        typer.echo("new products: no launch curves before the cutoff or no item launched after it")
    else:
        print_table(launches, f"new products: items first sold in the {weeks} weeks after {cutoff}, each forecast "
                    "from its launch week by the launch curves learned before the cutoff")
    return launches


@forecast_app.command("export")
def export_command(
    out: Path = typer.Option(..., help="output file: .csv or .parquet"),
    freq: str = typer.Option("W", help="W (weeks) or D (days)"),
    horizon: int = typer.Option(8, min=1, help="buckets per item"),
    service_level: float = typer.Option(0.95, help="service level of the reorder point, above 0.5 and below 1"),
    order_cost: float | None = typer.Option(None, help="cost of placing one order; with --holding-cost the "
                                            "suggested order is whole lots of the economic order quantity"),
    holding_cost: float | None = typer.Option(None, help="cost of holding one unit for a year, above 0"),
    model_ref: str = typer.Option("champion", "--model", help="registry alias or version"),
) -> None:
    """Write item, category, bucket, p10, p50, p90, reorder point and suggested order for planners.

    Stock on hand, lead times and categories come from the event store's items table as it is now
    (as a reload gives them to the service); without a store, from the table saved at training."""
    from training.forecast.export import export_table, write_atomically
    from training.forecast.runtime import ForecastRuntime
    from training.tracking import download_model, resolve_version

    _check_export_options(out, freq, service_level, order_cost, holding_cost)
    settings = Settings()
    version = resolve_version(settings, "forecast", model_ref)
    folder = download_model(settings, "forecast", model_ref) if version is not None else None
    if folder is None:
        hint = ("run `shopml train forecast` first" if model_ref == "champion"
                else f"no version or alias {model_ref!r}; `shopml models list` shows them")
        typer.echo(f"no shopml-forecast model to export: {hint}", err=True)
        raise typer.Exit(code=2)
    runtime = ForecastRuntime.load(folder)
    typer.echo(f"items table: {_take_current_items(runtime, settings)}")
    try:
        frame = export_table(runtime, freq=freq, horizon=horizon, service_level=service_level,
                             order_cost=order_cost, holding_cost=holding_cost)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--horizon/--freq") from exc
    try:
        write_atomically(frame, out)
    except OSError as exc:  # e.g. a read-only or special file system; nothing is left behind
        raise typer.BadParameter(f"cannot write {out}: {exc.strerror or exc}", param_hint="--out") from exc
    typer.echo(f"wrote {len(frame)} rows for {frame['item'].nunique()} items to {out} from shopml-forecast v{version}")


def _check_export_options(out: Path, freq: str, service_level: float, order_cost: float | None,
                          holding_cost: float | None) -> None:
    """Refuse bad export options before any work, naming the option."""
    if out.suffix.lower() not in (".csv", ".parquet"):
        raise typer.BadParameter("must end in .csv or .parquet", param_hint="--out")
    if out.is_dir():
        raise typer.BadParameter(f"{out} is a folder", param_hint="--out")
    if not out.parent.is_dir():
        raise typer.BadParameter(f"folder {out.parent} does not exist", param_hint="--out")
    if not os.access(out.parent, os.W_OK):
        raise typer.BadParameter(f"folder {out.parent} is not writable", param_hint="--out")
    if freq not in ("W", "D"):
        raise typer.BadParameter(f"must be W (weeks) or D (days), got {freq!r}", param_hint="--freq")
    if not 0.5 < service_level < 1.0:  # the API's bounds
        raise typer.BadParameter(f"must be above 0.5 and below 1, got {service_level}", param_hint="--service-level")
    problem = cost_problem(order_cost, holding_cost)
    if problem is not None:
        raise typer.BadParameter(problem[1], param_hint=f"--{problem[0].replace('_', '-')}")


def _take_current_items(runtime: ForecastRuntime, settings: Settings) -> str:
    """Give `runtime` the store's items table; says where the stock and lead times come from."""
    from features.store import EventStore

    try:
        store = EventStore.from_settings(settings)
        try:
            items = store.read_items()
        finally:
            store.close()
    except Exception as exc:  # noqa: BLE001 - the export still works from the trained table
        return f"the one saved at training (the event store cannot be read: {exc})"
    runtime.take_items_table(items)
    return f"the event store's, now ({len(items)} items)"
