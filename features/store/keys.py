"""Content keys that make re-loading the same rows a no-op."""

from __future__ import annotations

import numpy as np
import pandas as pd

KEY_COLUMNS = ("customer_id", "item_id", "ts", "event_type", "quantity", "price", "order_id")


def to_micros(ts: pd.Series) -> np.ndarray:
    """UTC timestamps as int64 microseconds since the epoch."""
    return ts.dt.tz_convert("UTC").astype("datetime64[us, UTC]").astype("int64").to_numpy()


def event_keys(rows: pd.DataFrame) -> np.ndarray:
    """A 64-bit key per row from its content and its occurrence number among identical rows.

    Two identical lines in one file stay two events (occurrence 0 and 1); loading the file
    again yields the same keys, so nothing is added twice.
    """
    content = pd.util.hash_pandas_object(rows[list(KEY_COLUMNS)], index=False)
    occurrence = content.groupby(content.to_numpy()).cumcount()
    combined = pd.DataFrame({"content": content.to_numpy(), "occurrence": occurrence.to_numpy()})
    return pd.util.hash_pandas_object(combined, index=False).to_numpy().view("int64")


def row_keys(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """A 64-bit content key per row over `columns` (used for promotions)."""
    return pd.util.hash_pandas_object(frame[columns], index=False).to_numpy().view("int64")
