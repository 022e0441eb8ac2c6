"""Keeps the worker processes of one service in step: purchases, returns, erasures and reloads.

Each worker keeps its models in memory, so an event posted to one worker must reach the others.
Workers append one JSON line per change to a journal file under SHOPML_HOME (appends of a few
hundred bytes are atomic with O_APPEND). Each worker reads the lines the others wrote before it
answers a request (one `stat` when nothing changed), so a purchase or an erasure acknowledged by one
worker holds on the next request to any worker; reloads run in the background, polled every
`sync_interval_seconds`. The journal only carries changes made while the service runs; a worker
that starts reads the models from the registry and, from the event store, the erasures and the
purchases and returns stored since each recommender's training data end.
"""

from __future__ import annotations

import json
import logging
import os
import uuid
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


class WorkerJournal:
    """An append-only JSON-lines file shared by the workers; `poll` returns the other workers' lines."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.writer = uuid.uuid4().hex
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(exist_ok=True)
        self._offset = path.stat().st_size
        self._partial = b""

    def publish(self, op: str, **fields: Any) -> None:
        """Append one change for the other workers to apply."""
        line = json.dumps({"writer": self.writer, "op": op, **fields}, separators=(",", ":")) + "\n"
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line.encode())
        finally:
            os.close(fd)

    def changed(self) -> bool:
        """Whether the file grew (or was replaced) since the last poll: a single `stat`."""
        try:
            return self.path.stat().st_size != self._offset
        except FileNotFoundError:
            return False

    def poll(self) -> list[dict[str, Any]]:
        """The changes the other workers appended since the last poll, oldest first."""
        try:
            size = self.path.stat().st_size
        except FileNotFoundError:
            return []
        if size < self._offset:  # the file was replaced: start over from its beginning
            self._offset, self._partial = 0, b""
        if size == self._offset:
            return []
        with open(self.path, "rb") as fh:
            fh.seek(self._offset)
            chunk = fh.read(size - self._offset)
        self._offset += len(chunk)
        data = self._partial + chunk
        lines = data.split(b"\n")
        self._partial = lines.pop()
        ops = []
        for raw in lines:
            try:
                op = json.loads(raw)
            except ValueError:
                log.warning("skipped an unreadable journal line in %s", self.path)
                continue
            if isinstance(op, dict) and op.get("writer") != self.writer:
                ops.append(op)
        return ops
