"""Loader for files already in the shopml data contract."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from features.loaders.result import LoadResult
from features.readers import read_raw
from features.validation import VALIDATORS


def load_table(path: Path | str, table: str) -> pd.DataFrame:
    """Read and validate one contract table ('events', 'items', 'customers', 'promotions')."""
    path = Path(path)
    return VALIDATORS[table](read_raw(path), str(path))


def load_canonical(path: Path | str) -> LoadResult:
    """Read and validate an events file in the canonical layout."""
    path = Path(path)
    raw = read_raw(path)
    events = VALIDATORS["events"](raw, str(path))
    return LoadResult(source=str(path), events=events, rows_read=len(raw))
