"""What a loader returns: canonical tables plus counts of what was kept and dropped."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd


@dataclass
class LoadResult:
    """Canonical tables read from one source, and why rows were dropped."""

    source: str
    events: pd.DataFrame
    items: pd.DataFrame | None = None
    customers: pd.DataFrame | None = None
    rows_read: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    notes: dict[str, int] = field(default_factory=dict)

    @property
    def rows_kept(self) -> int:
        return len(self.events)
