"""Input files on the command line: the layouts `--format` names, and a file that breaks the contract."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path

import typer

from features.errors import ContractError


class Layout(str, Enum):
    """The layouts `features.loaders.LOADERS` reads."""

    canonical = "canonical"
    online_retail = "online-retail"
    cdnow = "cdnow"


@contextmanager
def contract_errors(layout: Enum) -> Iterator[None]:
    """Inside: a ContractError from reading `--source` as `layout` (a `--format` choice) is printed with
    the other choices, and the command exits with code 2."""
    try:
        yield
    except ContractError as exc:
        others = " or ".join(f"--format {choice.value}" for choice in type(layout) if choice is not layout)
        typer.echo(str(exc), err=True)
        typer.echo(f"(read as --format {layout.value}; if the file has another layout, pass {others})", err=True)
        raise typer.Exit(code=2) from exc


def check_format_has_source(ctx: typer.Context, source: Path | None) -> None:
    """Refuse a `--format` given without `--source`: it names the layout of that file, and the event
    store has none."""
    given = ctx.get_parameter_source("fmt")  # typer's own click: compare the enum member by name
    if source is None and given is not None and given.name != "DEFAULT":
        raise typer.BadParameter("applies to a --source file only; without --source the event store is read",
                                 param_hint="--format")
