"""Serving-side forecasts and replenishment from a trained `shopml-forecast` folder (numpy and dicts only).

Public API (stable; the serving package codes against it):
- `ForecastRuntime.load(path) -> ForecastRuntime`
- `.series_ids() -> list[str]`: item ids, `category:NAME` and `_total`
- `.max_horizon(freq) -> int`: buckets stored for 'W' (weeks) or 'D' (days)
- `.forecast(series_id, horizon, freq) -> list[dict]`: `{date, mean, p10, p50, p90}` per bucket, `date`
  the bucket's first day (a Monday for weeks); KeyError for an unknown series, ValueError for a horizon
  above `max_horizon(freq)` or an unknown freq
- `.replenishment(item_id, *, service_level, lead_time_days, on_hand, order_cost, holding_cost) -> dict`:
  safety_stock, reorder_point, suggested_order_quantity, stockout_probability, order_up_to, eoq,
  order_policy ("order_up_to", or "eoq" when both costs are given), days_of_cover,
  abc, xyz, `demand_from` (the first day the lead time covers: the day after the last sale) and
  `missing` (what was unknown, e.g. ["stock_on_hand"]); lead time and stock on hand fall
  back to the items table; KeyError for an unknown item
- `.basis(series_id) -> dict`: `{"basis": "history"}`, or for a catalogue item without sales served its
  category's launch curve `{"basis": "launches", "launch_group", "launches"}` (`take_items_table`)
- `.smoke_check() -> None`: raises if the folder is inconsistent
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from features.schema import CATEGORY_PREFIX, TOTAL_ID, UNKNOWN_CATEGORY
from training.forecast.launch import LaunchCurves
from training.forecast.levels import rescaled
from training.inventory.policy import LeadTimeTooLong, replenishment

KEYS = ("mean", "p10", "p50", "p90")
BUCKET_DAYS = {"W": 7, "D": 1}


@dataclass(frozen=True)
class _Table:
    index: dict[str, int]
    dates: list[str]
    values: dict[str, np.ndarray]


def _load_table(path: Path) -> _Table:
    with np.load(path, allow_pickle=False) as data:
        ids = [str(i) for i in data["ids"]]
        return _Table({sid: i for i, sid in enumerate(ids)}, [str(d) for d in data["dates"]],
                      {k: np.asarray(data[k], dtype=float) for k in KEYS})


class ForecastRuntime:
    """Forecast lookups and replenishment answers from memory."""

    def __init__(self, tables: dict[str, _Table], items: dict[str, dict[str, object]], meta: dict[str, object],
                 launches: dict[str, LaunchCurves] | None = None):
        self._tables = tables
        self._base_tables = tables
        self._items = items
        self.meta = meta
        self._launches = launches or {}
        self._launched: dict[str, dict[str, object]] = {}  # catalogue items served a launch curve

    @classmethod
    def load(cls, path: Path) -> ForecastRuntime:
        """Load a model folder written by `training.forecast.pipeline.write_folder` (or its parent)."""
        root = Path(path)
        if not (root / "meta.json").exists() and (root / "model" / "meta.json").exists():
            root = root / "model"
        meta = json.loads((root / "meta.json").read_text())
        tables = {freq: _load_table(root / f"forecast_{freq}.npz") for freq in meta["freqs"]}
        items = json.loads((root / "items.json").read_text())
        launches = {freq: LaunchCurves.load(root / f"launch_{freq}.npz") for freq in meta["freqs"]
                    if (root / f"launch_{freq}.npz").exists()}
        return cls(tables, items, meta, launches)

    def set_items(self, items: dict[str, dict[str, object]]) -> None:
        """Take the items table's current category, stock on hand and lead time (unknown items and
        empty values are ignored), so replenishment answers follow the table without re-training."""
        for item_id, row in items.items():
            known = self._items.get(str(item_id))
            if known is None:
                continue
            for key in ("category", "stock_on_hand", "lead_time_days"):
                if row.get(key) is not None:
                    known[key] = row[key]

    def take_items_table(self, items: Any) -> None:
        """`set_items` from an items table as the store reads it (a DataFrame; empty or infinite cells
        are ignored); its items without a forecast series get their category's launch curve
        (`add_launches`), which their category and the shop total then include."""
        if not len(items):
            return
        import pandas as pd  # only here: answering requests needs no pandas

        columns = [c for c in ("category", "stock_on_hand", "lead_time_days", "price") if c in items]
        frame = items.set_index(items["item_id"].astype(str))[columns]
        rows = {item: {k: (None if pd.isna(v) or v in (np.inf, -np.inf) else v) for k, v in row.items()}
                for item, row in frame.to_dict("index").items()}
        self.set_items({item: {k: v for k, v in row.items() if k != "price"} for item, row in rows.items()})
        self.add_launches(rows)

    def add_launches(self, items: dict[str, dict[str, object]]) -> None:
        """Serve the `items` (id -> category, stock_on_hand, lead_time_days) that have no forecast series
        and never sold (`retired_items` sold before the last year) the launch curve of their category, or
        of the shop; replaces the items an earlier call added."""
        for item in self._launched:
            self._items.pop(item, None)
        self._launched, self._tables = {}, self._base_tables
        curves = self._launches.get("W")
        known = next(iter(self._base_tables.values())).index
        retired = set(self.meta.get("retired_items") or [])  # type: ignore[call-overload]
        new = {item: row for item, row in items.items() if item not in known and item not in retired}
        if curves is None or not new:
            return
        added: dict[str, list[tuple[str, int]]] = {freq: [] for freq in self._tables}
        for item, row in new.items():
            category, price = _maybe_str(row.get("category")), _maybe_float(row.get("price"))
            rows = {freq: self._launches[freq].row_of(category, price) if freq in self._launches else None
                    for freq in self._tables}
            weekly = rows.get("W")
            if weekly is None or any(r is None for r in rows.values()):
                continue
            for freq, r in rows.items():
                added[freq].append((item, int(r)))  # type: ignore[arg-type]
            self._launched[item] = {"basis": "launches", "launch_group": curves.label(weekly),
                                    "launches": int(curves.launches[weekly])}
            self._items[item] = {"category": row.get("category"), "abc": None, "xyz": None,
                                 "stock_on_hand": row.get("stock_on_hand"), "lead_time_days": row.get("lead_time_days")}
        categories = {item: _maybe_str(row.get("category")) for item, row in new.items()}
        self._tables = {freq: _with_launches(table, self._launches.get(freq), added[freq], categories)
                        for freq, table in self._base_tables.items()}

    def basis(self, series_id: str) -> dict[str, object]:
        """What a series' forecast rests on: its own sales (`history`), or, for a catalogue item without
        sales, the launches of its category or of the shop (`launches`, with their group and count)."""
        return dict(self._launched.get(series_id, {"basis": "history"}))

    def series_ids(self) -> list[str]:
        """Every series with a forecast (items, categories, total)."""
        table = self._tables.get("W") or next(iter(self._tables.values()))
        return list(table.index)

    def max_horizon(self, freq: str) -> int:
        """Buckets stored for `freq`."""
        return len(self._table(freq).dates)

    def _table(self, freq: str) -> _Table:
        if freq not in self._tables:
            raise ValueError(f"freq must be one of {sorted(self._tables)}, got {freq!r}")
        return self._tables[freq]

    def forecast(self, series_id: str, horizon: int, freq: str) -> list[dict[str, object]]:
        """The next `horizon` buckets of `series_id`."""
        table = self._table(freq)
        if series_id not in table.index:
            raise KeyError(series_id)
        if not 1 <= horizon <= len(table.dates):
            raise ValueError(f"horizon must be between 1 and {len(table.dates)} for freq={freq}, got {horizon}")
        row = table.index[series_id]
        return [{"date": table.dates[k], **{key: float(table.values[key][row, k]) for key in KEYS}}
                for k in range(horizon)]

    def replenishment(self, item_id: str, *, service_level: float = 0.95, lead_time_days: int | None = None,
                      on_hand: float | None = None, order_cost: float | None = None,
                      holding_cost: float | None = None) -> dict[str, object]:
        """Safety stock, reorder point, order quantity and stockout risk for one item; with both costs
        (per order; per unit and year) the order follows the economic order quantity.

        Raises LeadTimeTooLong when a given lead time reaches past the stored forecast. When the items
        table's lead time does, the answer leaves what needs it empty and says
        `lead_time_beyond_forecast` in `missing`."""
        if item_id not in self._items:
            raise KeyError(item_id)
        info = self._items[item_id]
        lead = lead_time_days if lead_time_days is not None else _maybe_int(info.get("lead_time_days"))
        stock = on_hand if on_hand is not None else _maybe_float(info.get("stock_on_hand"))
        costs = (order_cost, holding_cost)
        try:
            answer = self._plan(item_id, service_level, lead, stock, costs)
        except LeadTimeTooLong:
            if lead_time_days is not None:
                raise
            answer = self._plan(item_id, service_level, None, stock, costs)
            answer["lead_time_days"] = lead
            answer["missing"] = sorted({*answer["missing"], "lead_time_beyond_forecast"} - {"lead_time_days"})  # type: ignore[misc]
        answer.update(item_id=item_id, abc=info.get("abc"), xyz=info.get("xyz"), category=info.get("category"),
                      lead_time_source=_source(lead_time_days, lead), on_hand_source=_source(on_hand, stock))
        if item_id in self._launched:  # no sales yet: the demand is its category's launches'
            answer["missing"] = sorted({*answer["missing"], "sales_history"})  # type: ignore[misc]
        return answer

    def _plan(self, item_id: str, service_level: float, lead: int | None, stock: float | None,
              costs: tuple[float | None, float | None]) -> dict[str, object]:
        table = self._table("W")
        row = table.index[item_id]
        v = table.values
        elapsed = self.elapsed_days()
        answer = replenishment(v["mean"][row], v["p10"][row], v["p90"][row], bucket_days=BUCKET_DAYS["W"],
                               service_level=service_level, lead_time_days=lead, on_hand=stock, elapsed_days=elapsed,
                               order_cost=costs[0], holding_cost=costs[1])
        answer["demand_from"] = (dt.date.fromisoformat(table.dates[0]) + dt.timedelta(days=elapsed)).isoformat()
        return answer

    def elapsed_days(self) -> int:
        """Days of the first weekly bucket already observed: the lead time starts after them (0 for
        folders written before the forecast start was recorded)."""
        start = self.meta.get("forecast_start")
        if start is None:
            return 0
        first = dt.date.fromisoformat(self._table("W").dates[0])
        return min(max((dt.date.fromisoformat(str(start)) - first).days, 0), BUCKET_DAYS["W"] - 1)

    def smoke_check(self) -> None:
        """Raise if a table is empty, inconsistent, or holds non-finite or disordered quantiles."""
        if not self._tables:
            raise RuntimeError("forecast model folder holds no forecast tables")
        for freq, table in self._tables.items():
            shape = table.values["mean"].shape
            if shape != (len(table.index), len(table.dates)) or shape[0] == 0:
                raise RuntimeError(f"forecast table {freq} has shape {shape}")
            for key in KEYS:
                if not np.isfinite(table.values[key]).all():
                    raise RuntimeError(f"forecast table {freq} holds non-finite {key}")
            if (table.values["p10"] > table.values["p50"] + 1e-9).any() or (
                    table.values["p50"] > table.values["p90"] + 1e-9).any():
                raise RuntimeError(f"forecast table {freq} has p10 > p50 or p50 > p90")
        some_item = next(iter(self._items), None)
        if some_item is not None:
            self.forecast(some_item, 1, next(iter(self._tables)))
            self.replenishment(some_item, service_level=0.95, lead_time_days=7, on_hand=0.0)


def _with_launches(table: _Table, curves: LaunchCurves | None, added: list[tuple[str, int]],
                   categories: dict[str, str | None]) -> _Table:
    """`table` with one row per added item, its group's launch curve over the table's dates, and
    those means added to the item's category and to the shop total, so the levels still add up."""
    if curves is None or not added:
        return table
    width = len(table.dates)
    index = dict(table.index)
    launched = {key: curves.values[key][[g for _, g in added], :width] for key in KEYS}
    extra = np.zeros_like(table.values["mean"])
    for k, (item, _) in enumerate(added):
        index[item] = len(table.index) + k
        for level in (f"{CATEGORY_PREFIX}{categories.get(item) or UNKNOWN_CATEGORY}", TOTAL_ID):
            if level in table.index:
                extra[table.index[level]] += launched["mean"][k]
    rows = np.flatnonzero(extra.any(axis=1))
    base = {key: table.values[key].copy() for key in KEYS}
    moved = rescaled({key: base[key][rows] for key in KEYS}, base["mean"][rows] + extra[rows])
    for key in KEYS:
        base[key][rows] = moved[key]
    values = {key: np.vstack([base[key], launched[key]]) for key in KEYS}
    return _Table(index, table.dates, values)


def _maybe_str(value: object) -> str | None:
    return None if value is None else str(value)


def _maybe_int(value: object) -> int | None:
    return None if value is None else int(value)  # type: ignore[call-overload]


def _maybe_float(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]


def _source(given: object, used: object) -> str:
    if given is not None:
        return "request"
    return "items_table" if used is not None else "missing"
