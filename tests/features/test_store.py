"""The event store: idempotent, atomic, durable, safe with a concurrent reader, on SQLite and PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from features.loaders import LoadResult
from features.store import EventStore
from tests.features.store_backends import postgres_unavailable, scratch_postgres_database


def make_events(n: int, start: str = "2024-01-01", customer: str = "c") -> pd.DataFrame:
    ts = pd.date_range(start, periods=n, freq="h", tz="UTC")
    return pd.DataFrame(
        {
            "customer_id": [f"{customer}{i % 7}" for i in range(n)],
            "item_id": [f"i{i % 13}" for i in range(n)],
            "timestamp": ts,
            "event_type": ["purchase"] * n,
            "quantity": [1 + i % 3 for i in range(n)],
            "price": [1.5] * n,
            "order_id": [f"o{i}" for i in range(n)],
        }
    )


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[EventStore]:
    if request.param == "sqlite":
        s = EventStore(f"sqlite:///{tmp_path / 'events.db'}")
        yield s
        s.close()
        return
    reason = postgres_unavailable()
    if reason:
        pytest.skip(reason)
    with scratch_postgres_database() as url:
        s = EventStore(url)
        yield s
        s.close()


def test_round_trip_keeps_contract_types(store: EventStore) -> None:
    events = make_events(50)
    events.loc[3, "customer_id"] = None  # demand-only row
    events.loc[4, "price"] = float("nan")
    assert store.append_events(events) == 50
    back = store.read_events()
    pd.testing.assert_frame_equal(back, events, check_dtype=True)


def test_reloading_the_same_rows_adds_nothing(store: EventStore) -> None:
    events = make_events(200)
    result = LoadResult("f.csv", events, rows_read=200)
    assert store.ingest(result).added == 200
    again = store.ingest(result)
    assert (again.added, again.already_stored) == (0, 200)
    assert store.count_events() == 200


def test_identical_lines_in_one_file_are_two_events(store: EventStore) -> None:
    events = pd.concat([make_events(1), make_events(1)], ignore_index=True)
    assert store.append_events(events) == 2
    assert store.append_events(events) == 0


def test_overlapping_file_adds_only_new_rows(store: EventStore) -> None:
    store.append_events(make_events(100))
    assert store.append_events(make_events(150)) == 50


def test_failed_ingest_writes_nothing(store: EventStore) -> None:
    store.append_events(make_events(10))
    bad_items = pd.DataFrame({"item_id": ["i1"], "in_stock": [True]})
    result = LoadResult("f.csv", make_events(40, start="2025-01-01"), rows_read=40)

    def explode(_n: int) -> None:
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        store.ingest(result, items=bad_items, progress=explode)
    assert store.count_events() == 10
    assert store.read_items().empty


def test_read_window_and_types(store: EventStore) -> None:
    events = make_events(48)
    events.loc[::2, "event_type"] = "view"
    store.append_events(events)
    window = store.read_events(start="2024-01-01T12:00:00Z", end="2024-01-02T00:00:00Z", event_types=["purchase"])
    assert len(window) == 6
    assert window["timestamp"].min() >= pd.Timestamp("2024-01-01T12:00:00Z")
    assert window["timestamp"].max() < pd.Timestamp("2024-01-02T00:00:00Z")


def test_side_tables_upsert_keeps_known_values(store: EventStore) -> None:
    store.upsert_items(pd.DataFrame({"item_id": ["a", "b"], "in_stock": [False, True], "stock_on_hand": [0, 5]}))
    store.upsert_items(pd.DataFrame({"item_id": ["a"], "name": ["Apple"], "price": [2.0]}))
    items = store.read_items().set_index("item_id")
    assert items.loc["a", "name"] == "Apple"
    assert bool(items.loc["a", "in_stock"]) is False  # not wiped by the later load
    assert items.loc["b", "stock_on_hand"] == 5


def test_a_customers_file_without_the_opt_out_column_keeps_the_stored_choice(store: EventStore, tmp_path: Path) -> None:
    from features.loaders import load_table

    def customers(body: str) -> pd.DataFrame:
        path = tmp_path / "customers.csv"
        path.write_text(body)
        return load_table(path, "customers")

    store.ingest(LoadResult("f", make_events(3)),
                 customers=customers("customer_id,region,personalization_opt_out\nc0,north,true\nc1,north,false\n"))
    store.ingest(LoadResult("g", make_events(3)), customers=customers("customer_id,region\nc0,west\nc1,west\n"))
    stored = store.read_customers().set_index("customer_id")
    assert bool(stored.loc["c0", "personalization_opt_out"]) is True
    assert bool(stored.loc["c1", "personalization_opt_out"]) is False
    assert stored.loc["c0", "region"] == "west"


def test_values_derived_from_events_never_replace_a_side_table_s(store: EventStore) -> None:
    explicit = pd.DataFrame({"customer_id": ["c0"], "region": ["UK"]})
    derived = pd.DataFrame({"customer_id": ["c0", "c9"], "region": ["United Kingdom", "France"]})
    store.ingest(LoadResult("f", make_events(3)), customers=explicit)
    store.ingest(LoadResult("g", make_events(3), customers=derived))
    stored = store.read_customers().set_index("customer_id")
    assert stored.loc["c0", "region"] == "UK" and stored.loc["c9", "region"] == "France"


def test_re_loading_a_file_never_brings_an_erased_customer_back(store: EventStore) -> None:
    events = make_events(70)
    customers = pd.DataFrame({"customer_id": ["c1", "c2"], "region": ["north", "south"]})
    store.ingest(LoadResult("f", events, customers=customers))
    assert store.erase_customer("c1") == 10
    again = store.ingest(LoadResult("f", events, customers=customers), customers=customers)
    assert (again.added, again.erased, again.already_stored) == (0, 10, 60)
    assert store.append_events(events[events["customer_id"] == "c1"]) == 0  # the API path too
    with store.engine.connect() as conn:
        from sqlalchemy import text

        assert conn.execute(text("select count(*) from events where customer_id = 'c1'")).scalar_one() == 0
        assert conn.execute(text("select count(*) from customers where customer_id = 'c1'")).scalar_one() == 0
        assert conn.execute(text("select count(*) from customers where customer_id = 'c2'")).scalar_one() == 1


def test_erasing_a_customer_removes_events_profile_and_marks_them(store: EventStore) -> None:
    store.append_events(make_events(70))
    store.upsert_customers(pd.DataFrame({"customer_id": ["c1", "c2"], "region": ["UK", "FR"]}))
    removed = store.erase_customer("c1")
    assert removed == 10
    assert "c1" not in set(store.read_events()["customer_id"])
    assert list(store.read_customers()["customer_id"]) == ["c2"]
    assert store.erased_customers() == {"c1"}
    store.append_events(make_events(1, start="2030-01-01", customer="c1"))  # comes back later
    assert "c1" not in set(store.read_events()["customer_id"])  # excluded from training reads


def test_an_erased_customer_keeps_only_an_opt_out(store: EventStore) -> None:
    store.upsert_customers(pd.DataFrame({"customer_id": ["c1", "c2"], "region": ["UK", "FR"],
                                         "signup_date": pd.to_datetime(["2024-01-01", "2024-02-01"], utc=True),
                                         "personalization_opt_out": [True, False]}))
    store.erase_customer("c1")
    store.erase_customer("c2")
    left = store.read_customers()
    assert left["customer_id"].tolist() == ["c1"] and bool(left["personalization_opt_out"].iloc[0])
    assert left[["region", "signup_date"]].isna().all(axis=None)


def test_reader_sees_whole_batches_while_a_writer_appends(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'events.db'}"
    writer, reader = EventStore(url), EventStore(url)
    batches, size = 30, 500
    seen: list[int] = []
    errors: list[BaseException] = []

    def read_loop() -> None:
        try:
            while len(seen) < 2000 and (not seen or seen[-1] < batches * size):
                seen.append(len(reader.read_events()))
        except Exception as exc:  # noqa: BLE001 - surfaced below
            errors.append(exc)

    thread = threading.Thread(target=read_loop)
    thread.start()
    for b in range(batches):
        writer.append_events(make_events(size, start=f"{2000 + b}-01-01"))
    thread.join(timeout=60)
    assert not errors
    assert seen and all(n % size == 0 for n in seen)  # never half a batch
    assert seen == sorted(seen)
    assert len(reader.read_events()) == batches * size


def test_acknowledged_write_survives_a_killed_process(tmp_path: Path) -> None:
    db = tmp_path / "events.db"
    script = textwrap.dedent(
        f"""
        import os, signal, sys
        sys.path.insert(0, {str(Path.cwd())!r})
        from tests.features.test_store import make_events
        from features.store import EventStore
        store = EventStore("sqlite:///{db}")
        added = store.append_events(make_events(1000))
        print("acked", added, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], check=False, capture_output=True, text=True, timeout=120)
    assert proc.returncode == -9
    assert "acked 1000" in proc.stdout
    assert EventStore(f"sqlite:///{db}").count_events() == 1000


def test_two_processes_opening_a_new_store_at_once_both_succeed(tmp_path: Path) -> None:
    """Serving workers start together; the one that loses the table-creation race must still open the store."""
    url = f"sqlite:///{tmp_path / 'events.db'}"
    script = textwrap.dedent(f"""
        import sys, time
        sys.path.insert(0, {str(Path(__file__).resolve().parents[2])!r})
        from features.store import EventStore
        time.sleep(max(0.0, float(sys.argv[1]) - time.time()))
        EventStore({url!r}).close()
    """)
    start = f"{time.time() + 1.5:.3f}"
    procs = [subprocess.Popen([sys.executable, "-c", script, start], stderr=subprocess.PIPE) for _ in range(4)]
    errors = [p.communicate(timeout=60)[1].decode() for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], errors
    store = EventStore(url)
    assert store.count_events() == 0
    store.close()


def test_stored_microseconds_read_back_without_float_arithmetic() -> None:
    from features.store.event_store import _from_micros

    with np.errstate(all="raise"):
        empty = _from_micros(pd.Series([None, None], dtype=object))
        mixed = _from_micros(pd.Series([1_600_000_000_123_456, None], dtype=object))
    assert empty.isna().all() and str(empty.dtype) == "datetime64[ns, UTC]"
    assert mixed.iloc[0] == pd.Timestamp("2020-09-13 12:26:40.123456", tz="UTC") and pd.isna(mixed.iloc[1])


def test_read_unseen_returns_events_after_the_data_end_or_stored_after_the_training_read(store: EventStore) -> None:
    assert store.last_event_id() == 0
    store.append_events(make_events(10))  # 2024-01-01 00:00 .. 09:00
    through = store.last_event_id()
    assert through > 0
    late = make_events(2, start="2024-01-01 10:00", customer="late")
    back_dated = make_events(1, start="2023-12-31", customer="back")  # stored later, timestamped earlier
    store.append_events(pd.concat([late, back_dated], ignore_index=True))
    data_end = pd.Timestamp("2024-01-01 10:00", tz="UTC")
    unseen = store.read_unseen(start=data_end, stored_after=through, event_types=["purchase"])
    assert unseen["customer_id"].tolist() == ["back0", "late0", "late1"]  # in time order
    by_time_only = store.read_unseen(start=data_end, stored_after=None)
    assert by_time_only["customer_id"].tolist() == ["late0", "late1"]
    assert store.read_unseen(start=data_end, stored_after=through, event_types=["return"]).empty


def test_an_erasure_during_an_append_leaves_none_of_the_customers_events(store: EventStore,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The append read the erased ids before the erasure committed: the erasure must wait for it."""
    from features.store import event_store

    store.append_events(make_events(14))  # c0..c6, two events each
    without = event_store._without
    reading = threading.Event()

    def slow_without(erased: set[str], frame: pd.DataFrame) -> pd.DataFrame:
        kept = without(erased, frame)
        if threading.current_thread().name == "append":
            reading.set()
            time.sleep(0.5)  # the erasure starts while this append holds its erased ids
        return kept

    monkeypatch.setattr(event_store, "_without", slow_without)
    late = make_events(5, start="2024-03-01", customer="c")  # c0..c4 again, new events
    appender = threading.Thread(target=store.append_events, args=(late,), name="append")
    appender.start()
    assert reading.wait(10)
    store.erase_customer("c1")
    appender.join(10)
    assert "c1" not in set(store.read_events()["customer_id"])
    with store.engine.connect() as conn:
        from sqlalchemy import text

        assert conn.execute(text("select count(*) from events where customer_id = 'c1'")).scalar_one() == 0
