"""The event store: events, items, customers and promotions behind SQLAlchemy (SQLite or PostgreSQL)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Engine, create_engine, delete, event, func, or_, select, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

from features.loaders.result import LoadResult
from features.settings import Settings
from features.store import tables as t
from features.store.keys import event_keys, row_keys, to_micros
from features.store.writers import bulk_insert_events, upsert_rows

log = logging.getLogger(__name__)

CHUNK_ROWS = 50_000
ProgressFn = Callable[[int], None]

ITEM_COLUMNS = ["item_id", "name", "category", "price", "in_stock", "stock_on_hand", "lead_time_days"]
CUSTOMER_COLUMNS = ["customer_id", "region", "signup_date", "personalization_opt_out"]
PROMOTION_COLUMNS = ["start_date", "end_date", "item_id", "category", "discount"]


@dataclass(frozen=True)
class IngestStats:
    """What one ingest did: rows offered, rows added, rows of erased customers skipped, rows already
    stored; and the customers-table rows (side table, derived from events) kept and skipped as erased."""

    rows: int
    added: int
    erased: int = 0
    customers_kept: int = 0  # rows of the customers table given
    derived_customers_kept: int = 0  # rows of the customers derived from the events file
    customers_erased: int = 0  # rows of either skipped: their customer was erased

    @property
    def already_stored(self) -> int:
        return self.rows - self.added - self.erased


def _sqlite_pragmas(dbapi_conn: object, _record: object) -> None:
    cur = dbapi_conn.cursor()  # type: ignore[attr-defined]
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets WAL mode, full fsync and a busy timeout."""
    if url.startswith("sqlite"):
        path = url.split("sqlite:///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _create_tables(engine: Engine, attempts: int = 5) -> None:
    """Create the contract tables that are missing; tolerate another process creating them at the same time."""
    for attempt in range(attempts):
        try:
            t.metadata.create_all(engine)
            return
        except (OperationalError, ProgrammingError, IntegrityError):  # lost the race: the tables now exist
            if attempt == attempts - 1:
                raise
            time.sleep(0.1 * (attempt + 1))


class EventStore:
    """Durable, idempotent storage of the contract tables; one writer and many readers at once."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        _create_tables(self.engine)

    @classmethod
    def from_settings(cls, settings: Settings) -> EventStore:
        """The store the settings point at (SQLite under SHOPML_HOME unless a database URL is set)."""
        return cls(settings.store_url)

    def close(self) -> None:
        self.engine.dispose()

    # ---- writing -------------------------------------------------------------------------
    def append_events(self, events: pd.DataFrame, *, source: str = "api", progress: ProgressFn | None = None) -> int:
        """Store canonical events atomically; identical re-sent rows and rows of erased customers are
        skipped. Returns rows added."""
        with self.engine.begin() as conn:
            _order_with_erasures(conn, exclusive=False)
            return self._append(conn, _without(_erased(conn), events), source, progress)

    def ingest(
        self,
        result: LoadResult,
        *,
        items: pd.DataFrame | None = None,
        customers: pd.DataFrame | None = None,
        promotions: pd.DataFrame | None = None,
        progress: ProgressFn | None = None,
    ) -> IngestStats:
        """Store a loaded file and its side tables in one transaction: all of it or nothing.

        Rows of customers who were erased are not stored again (the file may still hold them)."""
        with self.engine.begin() as conn:
            _order_with_erasures(conn, exclusive=False)
            erased = _erased(conn)
            events = _without(erased, result.events)
            erased_rows = len(result.events) - len(events)
            offered = sum(len(f) for f in (customers, result.customers) if f is not None)
            customers = _without(erased, customers) if customers is not None else None
            derived_customers = _without(erased, result.customers) if result.customers is not None else None
            added = self._append(conn, events, result.source, progress)
            # rows derived from the events file only fill gaps; the side tables' values win
            for frame, fill_only in ((result.items, True), (items, False)):
                if frame is not None and len(frame):
                    upsert_rows(conn, t.items, _items_rows(frame), "item_id", fill_only=fill_only)
            for frame, fill_only in ((derived_customers, True), (customers, False)):
                if frame is not None and len(frame):
                    upsert_rows(conn, t.customers, _customer_rows(frame), "customer_id", fill_only=fill_only)
            if promotions is not None and len(promotions):
                upsert_rows(conn, t.promotions, _promotion_rows(promotions), "promo_key")
        kept, kept_derived = (len(f) if f is not None else 0 for f in (customers, derived_customers))
        return IngestStats(rows=len(result.events), added=added, erased=erased_rows, customers_kept=kept,
                           derived_customers_kept=kept_derived, customers_erased=offered - kept - kept_derived)

    def _append(self, conn: Connection, events: pd.DataFrame, source: str, progress: ProgressFn | None) -> int:
        if events.empty:
            return 0
        rows = _event_frame(events)
        key = conn.execute(
            t.ingests.insert().values(source=source[:1024], rows=len(rows), added=0, at=time.time_ns() // 1000)
        ).inserted_primary_key
        if key is None:
            raise RuntimeError("the database returned no id for the new ingest row")
        ingest_id = key[0]
        rows["ingest_id"] = ingest_id
        added = bulk_insert_events(conn, rows, CHUNK_ROWS, progress)
        conn.execute(t.ingests.update().where(t.ingests.c.id == ingest_id).values(added=added))
        return added

    def upsert_items(self, items: pd.DataFrame) -> None:
        """Insert or update items (given values win; missing ones keep what was stored)."""
        with self.engine.begin() as conn:
            upsert_rows(conn, t.items, _items_rows(items), "item_id")

    def upsert_customers(self, customers: pd.DataFrame) -> None:
        """Insert or update customers."""
        with self.engine.begin() as conn:
            upsert_rows(conn, t.customers, _customer_rows(customers), "customer_id")

    def erase_customer(self, customer_id: str) -> int:
        """Delete a customer's events and profile and remember the id; returns events deleted.

        An opt-out of personalisation is kept (the row keeps the id and the flag only): it is a wish,
        not a history, and it must hold after the erasure too."""
        row = t.customers.c
        with self.engine.begin() as conn:
            _order_with_erasures(conn, exclusive=True)
            removed = conn.execute(delete(t.events).where(t.events.c.customer_id == customer_id)).rowcount
            conn.execute(delete(t.customers).where((row.customer_id == customer_id)
                                                   & ~func.coalesce(row.personalization_opt_out, False)))
            conn.execute(update(t.customers).where(row.customer_id == customer_id).values(region=None, signup_date=None))
            upsert_rows(conn, t.erased_customers,
                        [{"customer_id": customer_id, "erased_at": time.time_ns() // 1000}], "customer_id")
        return int(removed or 0)

    # ---- reading -------------------------------------------------------------------------
    def count_events(self) -> int:
        """Number of stored events."""
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(t.events)).scalar_one())

    def erased_customers(self) -> set[str]:
        """Customers who asked to be deleted: excluded from training."""
        with self.engine.connect() as conn:
            return _erased(conn)

    def read_events(
        self,
        *,
        start: pd.Timestamp | str | None = None,
        end: pd.Timestamp | str | None = None,
        event_types: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """Canonical events with start <= timestamp < end, ordered by time, erased customers excluded."""
        e = t.events.c
        conditions = []
        if start is not None:
            conditions.append(e.ts >= _micros(start))
        if end is not None:
            conditions.append(e.ts < _micros(end))
        return self._select_events(conditions, event_types)

    def read_unseen(
        self, *, start: pd.Timestamp | str, stored_after: int | None, event_types: Sequence[str] | None = None
    ) -> pd.DataFrame:
        """Events a model trained on this store did not see: timestamped at or after `start` (its data
        end), or stored after event id `stored_after` (the last one its training read), so a back-dated
        event posted since training counts too. Ordered by time, erased customers excluded."""
        e = t.events.c
        unseen = e.ts >= _micros(start)
        if stored_after is not None:
            unseen = or_(unseen, e.id > int(stored_after))
        return self._select_events([unseen], event_types)

    def last_event_id(self) -> int:
        """The id of the most recently stored event (0 for an empty store); read it before the events
        a model trains on, and events stored later are the ones it has not seen."""
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.coalesce(func.max(t.events.c.id), 0))).scalar_one())

    def _select_events(self, conditions: list[Any], event_types: Sequence[str] | None) -> pd.DataFrame:
        e = t.events.c
        query = select(e.customer_id, e.item_id, e.ts, e.event_type, e.quantity, e.price, e.order_id)
        for condition in conditions:
            query = query.where(condition)
        if event_types is not None:
            query = query.where(e.event_type.in_(list(event_types)))
        erased = select(t.erased_customers.c.customer_id)
        query = query.where((e.customer_id.is_(None)) | (e.customer_id.not_in(erased))).order_by(e.ts, e.id)
        with self.engine.connect() as conn:
            rows = conn.execute(query).fetchall()
        return _events_from_rows(rows)

    def read_items(self) -> pd.DataFrame:
        """The items table in the contract layout (empty with its columns when none were loaded)."""
        frame = self._read_table(t.items, ITEM_COLUMNS)
        frame["in_stock"] = frame["in_stock"].astype("boolean")
        for col in ("price", "stock_on_hand", "lead_time_days"):
            frame[col] = pd.to_numeric(frame[col]).astype("float64")
        return frame

    def read_customers(self) -> pd.DataFrame:
        """The customers table in the contract layout; of an erased customer only an opt-out is left."""
        frame = self._read_table(t.customers, CUSTOMER_COLUMNS)
        frame["signup_date"] = _from_micros(frame["signup_date"])
        frame["personalization_opt_out"] = frame["personalization_opt_out"].astype("boolean").fillna(False)
        return frame

    def read_promotions(self) -> pd.DataFrame:
        """The promotions table in the contract layout."""
        frame = self._read_table(t.promotions, PROMOTION_COLUMNS)
        frame["start_date"] = _from_micros(frame["start_date"])
        frame["end_date"] = _from_micros(frame["end_date"])
        return frame

    def _read_table(self, table: t.Table, columns: list[str]) -> pd.DataFrame:
        with self.engine.connect() as conn:
            rows = conn.execute(select(*[table.c[c] for c in columns])).fetchall()
        return pd.DataFrame.from_records(rows, columns=columns)


ERASURE_LOCK = 0x73686F70  # PostgreSQL advisory lock: appends hold it shared, an erasure exclusively


def _order_with_erasures(conn: Connection, *, exclusive: bool) -> None:
    """Serialise an erasure with the appends running beside it: an append reads the erased ids only
    once an erasure in progress has committed, and an erasure waits for the appends in progress, so
    none of them stores the erased customer's events after the erasure deleted theirs."""
    if conn.dialect.name == "postgresql":
        lock = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
        conn.execute(text(f"SELECT {lock}(:key)"), {"key": ERASURE_LOCK})
    else:  # SQLite has one writer: a write now takes the lock before the erased ids are read
        conn.execute(text("UPDATE erased_customers SET customer_id = customer_id WHERE 0"))


def _erased(conn: Connection) -> set[str]:
    """Ids of the erased customers, read on `conn` (inside a writing transaction when it is one)."""
    return {r[0] for r in conn.execute(select(t.erased_customers.c.customer_id))}


def _without(erased: set[str], frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` without the rows of the `erased` customers."""
    if not erased or frame.empty or "customer_id" not in frame:
        return frame
    return frame.loc[~frame["customer_id"].isin(erased)].reset_index(drop=True)


def _micros(value: pd.Timestamp | str) -> int:
    ts = pd.Timestamp(value)
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    return int(ts.value // 1000)


def _from_micros(values: pd.Series) -> pd.Series:
    """Stored microseconds (NULL for none) as UTC timestamps; whole numbers all the way, since pandas'
    float path once raised FloatingPointError on an all-NULL column after a full training run."""
    micros = pd.to_numeric(values).astype("Int64")
    return pd.to_datetime(micros, unit="us", utc=True).astype("datetime64[ns, UTC]")


def _event_frame(events: pd.DataFrame) -> pd.DataFrame:
    rows = pd.DataFrame(
        {
            "customer_id": events["customer_id"].astype(object).where(events["customer_id"].notna(), None),
            "item_id": events["item_id"].astype(str),
            "ts": to_micros(events["timestamp"]),
            "event_type": events["event_type"].astype(str),
            "quantity": events["quantity"].astype("int64"),
            "price": events["price"].astype("float64"),
            "order_id": events["order_id"].astype(object).where(events["order_id"].notna(), None),
        }
    )
    rows["event_key"] = event_keys(rows)
    return rows


def _events_from_rows(rows: Sequence[Any]) -> pd.DataFrame:
    cols = ["customer_id", "item_id", "ts", "event_type", "quantity", "price", "order_id"]
    frame = pd.DataFrame.from_records(rows, columns=cols)
    frame["timestamp"] = pd.to_datetime(frame.pop("ts").astype("int64"), unit="us", utc=True).astype(
        "datetime64[ns, UTC]"
    )
    frame["quantity"] = frame["quantity"].astype("int64")
    frame["price"] = frame["price"].astype("float64")
    for col in ("customer_id", "item_id", "event_type", "order_id"):
        frame[col] = frame[col].astype(object)
    return frame[["customer_id", "item_id", "timestamp", "event_type", "quantity", "price", "order_id"]]


def _records(frame: pd.DataFrame, columns: list[str]) -> list[dict]:
    present = frame.reindex(columns=columns)
    clean = present.astype(object).where(present.notna(), None)
    return clean.to_dict("records")


def _items_rows(frame: pd.DataFrame) -> list[dict]:
    rows = _records(frame, ITEM_COLUMNS)
    for row in rows:
        if row["in_stock"] is not None:
            row["in_stock"] = bool(row["in_stock"])
    return rows


def _customer_rows(frame: pd.DataFrame) -> list[dict]:
    out = frame.reindex(columns=CUSTOMER_COLUMNS).copy()
    if "signup_date" in frame and frame["signup_date"].notna().any():
        signup = pd.to_datetime(frame["signup_date"], utc=True)
        out["signup_date"] = pd.Series(to_micros(signup.fillna(pd.Timestamp(0, tz="UTC"))), index=frame.index)
        out.loc[signup.isna(), "signup_date"] = None
    rows = _records(out, CUSTOMER_COLUMNS)
    for row in rows:
        if row["personalization_opt_out"] is not None:
            row["personalization_opt_out"] = bool(row["personalization_opt_out"])
        if row["signup_date"] is not None:
            row["signup_date"] = int(row["signup_date"])
    return rows


def _promotion_rows(frame: pd.DataFrame) -> list[dict]:
    out = frame.reindex(columns=PROMOTION_COLUMNS).copy()
    out["start_date"] = to_micros(pd.to_datetime(out["start_date"], utc=True))
    out["end_date"] = to_micros(pd.to_datetime(out["end_date"], utc=True))
    out["promo_key"] = row_keys(out.astype(str), PROMOTION_COLUMNS)
    rows = _records(out, ["promo_key", *PROMOTION_COLUMNS])
    for row in rows:
        row["promo_key"] = int(row["promo_key"])
        row["start_date"] = int(row["start_date"])
        row["end_date"] = int(row["end_date"])
    return rows


__all__ = ["EventStore", "IngestStats", "make_engine"]
