"""The worker journal."""

from __future__ import annotations

from pathlib import Path

from serving.sync import WorkerJournal


def test_each_worker_sees_only_the_others_changes(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    a, b = WorkerJournal(path), WorkerJournal(path)
    a.publish("purchase", customer_id="C1", item_id="I1")
    b.publish("forget", customer_id="C2")
    assert a.poll() == [{"writer": b.writer, "op": "forget", "customer_id": "C2"}]
    assert [op["op"] for op in b.poll()] == ["purchase"]
    assert a.poll() == [] and b.poll() == []


def test_a_new_worker_starts_at_the_end(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    WorkerJournal(path).publish("reload", force=False)
    assert WorkerJournal(path).poll() == []


def test_partial_and_bad_lines(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    reader = WorkerJournal(path)
    with open(path, "ab") as fh:
        fh.write(b'not json\n{"writer": "x", "op": "reload"')
    assert reader.poll() == []  # the unfinished line waits for its end
    with open(path, "ab") as fh:
        fh.write(b"}\n")
    assert reader.poll() == [{"writer": "x", "op": "reload"}]
