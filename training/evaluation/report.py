"""Printing a backtest table on the terminal and logging it to the active MLflow run."""

from __future__ import annotations

import pandas as pd
from rich.console import Console
from rich.measure import Measurement
from rich.table import Table


def format_table(frame: pd.DataFrame, title: str, digits: int = 3) -> Table:
    """A rich table of `frame` (index becomes the first column)."""
    table = Table(title=title, title_justify="left")
    reset = frame.reset_index()
    for col in reset.columns:
        table.add_column(str(col), justify="left" if reset[col].dtype == object else "right")
    for row in reset.itertuples(index=False):
        table.add_row(*[f"{v:.{digits}f}" if isinstance(v, float) else str(v) for v in row])
    return table


def print_table(frame: pd.DataFrame, title: str, digits: int = 3, console: Console | None = None) -> None:
    """Print `frame` as a table under `title`."""
    table = format_table(frame, title, digits)
    if console is None:
        console = Console()
        if not console.is_terminal:  # a pipe or a log file: as wide as the table needs, so no cell is cut
            console.width = max(console.width, Measurement.get(console, console.options.update(max_width=10_000), table).maximum)
    console.print(table)


def log_table(frame: pd.DataFrame, name: str) -> None:
    """Log `frame` to the active MLflow run as CSV and markdown artefacts, and each cell as a metric."""
    import mlflow

    mlflow.log_text(frame.to_csv(), f"tables/{name}.csv")
    mlflow.log_text(frame.to_markdown() if _has_tabulate() else frame.to_string(), f"tables/{name}.md")
    metrics = {}
    for row, values in frame.iterrows():
        label = ".".join(map(str, row)) if isinstance(row, tuple) else str(row)  # a MultiIndex row: its levels
        for col, value in values.items():
            if isinstance(value, (int, float)) and pd.notna(value):
                metrics[_key(f"{name}.{label}.{col}")] = float(value)
    if metrics:
        mlflow.log_metrics(metrics)


def _has_tabulate() -> bool:
    try:
        import tabulate  # noqa: F401
    except ImportError:
        return False
    return True


def _key(raw: str) -> str:
    return "".join(c if c.isalnum() or c in "._-/ " else "_" for c in raw).replace(" ", "_")
