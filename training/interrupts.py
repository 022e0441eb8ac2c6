"""SIGTERM as SystemExit, so an interrupted command unwinds like Ctrl-C: runs are marked failed,
temporary folders and files are removed, transactions roll back."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

SIGTERM_EXIT = 128 + signal.SIGTERM  # the exit code of a command stopped by SIGTERM (143)


@contextmanager
def sigterm_as_exit() -> Iterator[None]:
    """Inside the block, SIGTERM raises SystemExit(143), so `finally` clauses run (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, _frame: object) -> None:
        raise SystemExit(SIGTERM_EXIT if signum == signal.SIGTERM else 128 + signum)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def interruption(exc: BaseException) -> str | None:
    """How a run was interrupted (`SIGTERM`, `Ctrl-C`), or None when `exc` is not an interruption."""
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted (Ctrl-C)"
    if isinstance(exc, SystemExit):
        return "interrupted (SIGTERM)" if exc.code == SIGTERM_EXIT else f"stopped (exit {exc.code})"
    return None
