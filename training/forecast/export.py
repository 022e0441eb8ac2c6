"""The planners' export: per item and bucket, p10/p50/p90 with the item's reorder point and order."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
from rich.progress import Progress

from features.demand import CATEGORY_PREFIX, TOTAL_ID
from training.forecast.runtime import ForecastRuntime
from training.interrupts import sigterm_as_exit

COLUMNS = ["item", "category", "week", "p10", "p50", "p90", "mean", "reorder_point", "suggested_order",
           "eoq", "abc", "xyz", "missing"]


def export_table(runtime: ForecastRuntime, *, freq: str = "W", horizon: int = 8, service_level: float = 0.95,
                 order_cost: float | None = None, holding_cost: float | None = None,
                 show_progress: bool = True) -> pd.DataFrame:
    """One row per item and bucket; reorder point and suggested order are empty where lead time or stock is unknown.

    The bucket column is called `week` for weekly exports and `day` for daily ones. With both costs the
    suggested order is whole lots of the economic order quantity (`eoq`), as the API answers.
    """
    if horizon > runtime.max_horizon(freq):
        raise ValueError(f"horizon must be at most {runtime.max_horizon(freq)} for freq={freq}, got {horizon}")
    items = [s for s in runtime.series_ids() if s != TOTAL_ID and not s.startswith(CATEGORY_PREFIX)]
    rows: list[dict[str, object]] = []
    with Progress(disable=not show_progress, transient=True) as progress:
        task = progress.add_task("exporting forecasts", total=len(items))
        for item in items:
            plan = runtime.replenishment(item, service_level=service_level, order_cost=order_cost,
                                         holding_cost=holding_cost)
            missing = ",".join(plan["missing"])  # type: ignore[arg-type]
            for point in runtime.forecast(item, horizon, freq):
                rows.append({"item": item, "category": plan["category"], "week": point["date"],
                             "p10": point["p10"], "p50": point["p50"], "p90": point["p90"], "mean": point["mean"],
                             "reorder_point": plan["reorder_point"], "suggested_order": plan["suggested_order_quantity"],
                             "eoq": plan["eoq"], "abc": plan["abc"], "xyz": plan["xyz"], "missing": missing})
            progress.advance(task)
    frame = pd.DataFrame(rows, columns=COLUMNS)
    return frame.rename(columns={"week": "day"}) if freq == "D" else frame


def write_atomically(frame: pd.DataFrame, out: Path) -> None:
    """Write `frame` as CSV or Parquet (by `out`'s suffix) to a temporary file beside `out`, then
    move it into place: an interrupted export (Ctrl-C or SIGTERM) never leaves a half-written file,
    neither at `out` nor beside it."""
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    with sigterm_as_exit():
        try:
            if out.suffix.lower() == ".parquet":
                frame.to_parquet(tmp, index=False)
            else:
                frame.to_csv(tmp, index=False)
            os.replace(tmp, out)
        finally:
            tmp.unlink(missing_ok=True)
