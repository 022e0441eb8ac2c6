"""Fast, dialect-aware bulk writes: INSERT OR IGNORE on SQLite, COPY + ON CONFLICT on PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

EVENT_COLUMNS = ["event_key", "customer_id", "item_id", "ts", "event_type", "quantity", "price", "order_id", "ingest_id"]


def _tuples(frame: pd.DataFrame) -> list[tuple]:
    clean = frame[EVENT_COLUMNS].astype(object).where(frame[EVENT_COLUMNS].notna(), None)
    return list(clean.itertuples(index=False, name=None))


def bulk_insert_events(
    conn: Connection, rows: pd.DataFrame, chunk: int, progress: Callable[[int], None] | None
) -> int:
    """Insert event rows, skipping keys already stored; returns how many were new."""
    if conn.dialect.name == "postgresql":
        return _copy_events_postgres(conn, rows, chunk, progress)
    cols = ", ".join(EVENT_COLUMNS)
    marks = ", ".join("?" for _ in EVENT_COLUMNS)
    sql = f"INSERT OR IGNORE INTO events ({cols}) VALUES ({marks})"
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    added = 0
    try:
        for lo in range(0, len(rows), chunk):
            part = rows.iloc[lo : lo + chunk]
            cursor.executemany(sql, _tuples(part))
            added += max(cursor.rowcount, 0)
            if progress:
                progress(len(part))
    finally:
        cursor.close()
    return added


def _copy_events_postgres(conn: Connection, rows: pd.DataFrame, chunk: int, progress: Callable[[int], None] | None) -> int:
    raw = conn.connection.driver_connection
    cols = ", ".join(EVENT_COLUMNS)
    with raw.cursor() as cur:  # type: ignore[union-attr]
        cur.execute("CREATE TEMP TABLE IF NOT EXISTS events_incoming (LIKE events INCLUDING DEFAULTS) ON COMMIT DROP")
        with cur.copy(f"COPY events_incoming ({cols}) FROM STDIN") as copy:
            for lo in range(0, len(rows), chunk):
                part = rows.iloc[lo : lo + chunk]
                for record in _tuples(part):
                    copy.write_row(record)
                if progress:
                    progress(len(part))
        cur.execute(
            f"INSERT INTO events ({cols}) SELECT {cols} FROM events_incoming "
            "ORDER BY ts ON CONFLICT (event_key) DO NOTHING"
        )
        added = cur.rowcount
        cur.execute("DROP TABLE IF EXISTS events_incoming")
    return int(added or 0)


def upsert_rows(conn: Connection, table: Table, rows: list[dict], key: str, *, fill_only: bool = False) -> None:
    """Insert rows; on a key conflict, given values win and missing (None) ones keep the stored value.

    With `fill_only`, stored values win and given ones only fill what is missing (values derived from
    an events file never replace ones loaded from a side table).
    """
    if not rows:
        return
    # one key order for every writer: two loads that update the same rows lock them in the same
    # order instead of deadlocking (PostgreSQL)
    rows = sorted(rows, key=lambda row: str(row[key]))
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    for lo in range(0, len(rows), 5_000):
        stmt = dialect.insert(table).values(rows[lo : lo + 5_000])
        updates = {
            c.name: (_coalesce(table.c[c.name], stmt.excluded[c.name]) if fill_only
                     else _coalesce(stmt.excluded[c.name], table.c[c.name]))
            for c in table.columns if c.name != key
        }
        if updates:
            stmt = stmt.on_conflict_do_update(index_elements=[key], set_=updates)
        else:
            stmt = stmt.on_conflict_do_nothing(index_elements=[key])
        conn.execute(stmt)


def _coalesce(new: object, old: object) -> object:
    from sqlalchemy import func

    return func.coalesce(new, old)
