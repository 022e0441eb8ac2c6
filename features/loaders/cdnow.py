"""Loader for the CDNOW layout: whitespace-separated customer, sample id, yyyymmdd, cds, dollars."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from features.errors import ContractError, RowError
from features.loaders.result import LoadResult
from features.readers import file_kind
from features.validation import future_reason, latest_event_time

CDNOW_ITEM = "CDNOW"


def load_cdnow(path: Path | str) -> LoadResult:
    """Read the CDNOW transaction log; each line is one order of `cds` CDs for `dollars`."""
    path = Path(path)
    file = str(path)
    file_kind(path)
    try:
        raw = pd.read_csv(
            path, sep=r"\s+", header=None, names=["customer", "sample", "date", "cds", "dollars"],
            dtype={"customer": str, "sample": str, "date": str},
        )
    except Exception as exc:
        raise ContractError(file, [RowError(None, None, f"cannot be read as CDNOW: {exc}")]) from exc
    if raw.empty:
        raise ContractError(file, [RowError(None, None, "the file has no data rows")])
    ts = pd.to_datetime(raw["date"], format="%Y%m%d", errors="coerce", utc=True)
    cds = pd.to_numeric(raw["cds"], errors="coerce")
    dollars = pd.to_numeric(raw["dollars"], errors="coerce")
    errors = [RowError(int(i) + 1, "yyyymmdd", f"{raw['date'].iloc[i]!r} is not a date") for i in np.flatnonzero(ts.isna())]
    latest = latest_event_time()
    errors += [RowError(int(i) + 1, "yyyymmdd", future_reason(latest).format(value=repr(raw["date"].iloc[i])))
               for i in np.flatnonzero((ts > latest).fillna(False))]
    for column, values in (("dollars", dollars), ("cds", cds)):
        errors += [RowError(int(i) + 1, column, f"{str(raw[column].iloc[i])!r} is not a number")
                   for i in np.flatnonzero(values.isna())]
        errors += [RowError(int(i) + 1, column, f"{str(raw[column].iloc[i])!r} is negative")
                   for i in np.flatnonzero(values < 0)]
    if errors:
        raise ContractError(file, sorted(errors, key=lambda e: e.row or 0))
    keep = cds > 0
    dropped = {"zero CDs": int((~keep).sum())} if (~keep).any() else {}
    raw, ts, cds, dollars = raw[keep], ts[keep], cds[keep], dollars[keep]
    customer = raw["customer"].str.lstrip("0").replace("", "0")
    events = pd.DataFrame(
        {
            "customer_id": customer.astype(object).to_numpy(),
            "item_id": CDNOW_ITEM,
            "timestamp": ts.astype("datetime64[ns, UTC]").to_numpy(),
            "event_type": "purchase",
            "quantity": cds.astype("int64").to_numpy(),
            "price": (dollars / cds).round(4).to_numpy(),
            "order_id": (customer + "-" + raw["date"]).astype(object).to_numpy(),
        }
    )
    events["timestamp"] = pd.to_datetime(events["timestamp"], utc=True)
    return LoadResult(file, events, rows_read=len(keep), dropped=dropped)
