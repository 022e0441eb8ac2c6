"""`shopml models list|promote|rollback`."""

from __future__ import annotations

import json

import pandas as pd
import typer

from features.settings import Settings
from training import tracking
from training.cli.apps import models_app
from training.evaluation.report import print_table
from training.runtimes import load_problem

SHOWN_TAGS = ["promoted_by", "holdout_metric", "holdout_score", "champion_score_same_holdout", "validation_status",
              "holdout", "store"]


def holdout_window(row: dict[str, str]) -> str:
    """The holdout a version was judged on, from its family's tags ('' when they are missing)."""
    if "holdout_start" in row:  # recommender: the last window before the data end
        return f"{row['holdout_start']} .. {row.get('data_end', '?')[:10]}"
    if "holdout_as_of" in row:  # churn: as-of date, labels up to the serving date
        return f"as of {row['holdout_as_of']}, labels to {row.get('serving_as_of', '?')}"
    if "holdout_W" in row:  # forecast: the weekly validation origins
        try:
            weekly = json.loads(row["holdout_W"])
            return f"W {str(weekly['first_origin'])[:10]} .. {str(weekly['end'])[:10]}"
        except (ValueError, KeyError, TypeError):
            return row["holdout_W"]
    return ""


def version_rows(families: list[str]) -> list[dict[str, str]]:
    """One row per registered version of `families`, with its holdout window."""
    settings = Settings()
    rows = [r for fam in families for r in tracking.list_versions(settings, fam)]
    return [{**r, "holdout": holdout_window(r), "champion": "yes" if r["champion"] == "True" else ""} for r in rows]


def known_model(model: str | None) -> str | None:
    """The MODEL argument unchanged, or an error naming it when it is no model family (exit code 2)."""
    if model is None or model in tracking.MODEL_NAMES or model in tracking.MODEL_NAMES.values():
        return model
    raise typer.BadParameter(f"unknown model {model!r}; allowed: {', '.join(tracking.MODEL_NAMES)}")


MODEL_HELP = "recommender, churn or forecast"


@models_app.command("list")
def list_command(model: str = typer.Argument(None, callback=known_model, help=f"{MODEL_HELP}; all when omitted")) -> None:
    """List registered versions, their holdout scores and which one is champion."""
    rows = version_rows([model] if model else list(tracking.MODEL_NAMES))
    if not rows:
        typer.echo("no models registered yet: run `shopml train`")
        return
    frame = pd.DataFrame(rows)
    cols = ["model", "version", "champion"] + [c for c in SHOWN_TAGS if c in frame.columns]
    # how a version last became champion, kept after it stops being one: the history, not the state
    shown = frame[cols].fillna("").rename(columns={"promoted_by": "last_promoted_by"})
    print_table(shown.set_index("model"), "registered models")
    for row in rows:
        if row.get("validation_reason"):
            typer.echo(f"{row['model']} v{row['version']}: {row['validation_reason']}")


@models_app.command("promote")
def promote_command(model: str = typer.Argument(..., callback=known_model, help=MODEL_HELP),
                    version: str = typer.Argument(..., help="a registered version number")) -> None:
    """Make VERSION of MODEL the champion, once it loads and passes the smoke check serving runs."""
    settings = Settings()
    if not version.isdigit() or not any(r["version"] == version for r in tracking.list_versions(settings, model)):
        raise typer.BadParameter(f"{tracking.registered_name(model)} has no version {version!r}; "
                                 "`shopml models list` shows them", param_hint="VERSION")
    try:
        tracking.promote(settings, model, version, check=lambda v: load_problem(settings, model, v))
    except Exception as exc:
        typer.echo(f"cannot promote {model} version {version}: {exc}", err=True)
        raise typer.Exit(code=1) from exc
    typer.echo(f"{tracking.registered_name(model)}@champion -> version {version}")


@models_app.command("rollback")
def rollback_command(model: str = typer.Argument(..., callback=known_model, help=MODEL_HELP)) -> None:
    """Move MODEL's champion back to the version that held it before, once it loads and passes the
    smoke check serving runs, and hold it there: trainings register without promoting until a
    version is promoted by hand. Deleted versions are passed over."""
    try:
        settings = Settings()
        version = tracking.rollback(settings, model, check=lambda v: load_problem(settings, model, v))
    except Exception as exc:
        typer.echo(f"cannot roll back {model}: {exc}", err=True)
        raise typer.Exit(code=1) from exc
    typer.echo(f"{tracking.registered_name(model)}@champion -> version {version} (held: trainings register "
               f"but do not promote until `shopml models promote {model} <version>`)")
