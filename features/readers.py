"""Reading input files (CSV, Parquet and, for the UCI layouts, Excel) into raw frames."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from features.errors import ContractError, RowError

CSV_SUFFIXES = (".csv", ".csv.gz", ".txt", ".tsv")
PARQUET_SUFFIXES = (".parquet", ".pq")
EXCEL_SUFFIXES = (".xlsx", ".xls")


def file_kind(path: Path, *, allow_excel: bool = False) -> str:
    """Return 'csv', 'parquet' or 'excel' for a path, or raise ContractError for anything else."""
    name = path.name.lower()
    if not path.exists():
        raise ContractError(str(path), [RowError(None, None, "file does not exist")])
    if path.is_dir():
        raise ContractError(str(path), [RowError(None, None, "is a folder, not a file")])
    if path.stat().st_size == 0:
        raise ContractError(str(path), [RowError(None, None, "the file is empty")])
    with path.open("rb") as fh:
        head = fh.read(4)
    if head == b"PAR1" or name.endswith(PARQUET_SUFFIXES):
        return "parquet"
    if allow_excel and name.endswith(EXCEL_SUFFIXES):
        return "excel"
    if name.endswith(CSV_SUFFIXES) and not _looks_binary(path):
        return "csv"
    allowed = "CSV or Parquet" + (" or Excel" if allow_excel else "")
    raise ContractError(str(path), [RowError(None, None, f"not a {allowed} file")])


def _looks_binary(path: Path) -> bool:
    with path.open("rb") as fh:
        chunk = fh.read(4096)
    if path.name.lower().endswith(".gz"):
        return not chunk.startswith(b"\x1f\x8b")
    return b"\x00" in chunk


def read_raw(path: Path, *, allow_excel: bool = False, as_text: bool = True) -> pd.DataFrame:
    """Read a whole file into a frame; CSV cells stay text so validation can name bad values."""
    kind = file_kind(path, allow_excel=allow_excel)
    try:
        if kind == "parquet":
            frame = pd.read_parquet(path)
        elif kind == "excel":
            sheets = pd.read_excel(path, sheet_name=None)
            frame = pd.concat(list(sheets.values()), ignore_index=True)
        else:
            frame = pd.read_csv(
                path,
                dtype=str if as_text else None,
                keep_default_na=False,
                na_values=[""],
                skipinitialspace=True,
            )
    except ContractError:
        raise
    except Exception as exc:  # the parser's own message is the most useful reason
        raise ContractError(str(path), [RowError(None, None, f"cannot be read as {kind}: {exc}")]) from exc
    if frame.empty:
        raise ContractError(str(path), [RowError(None, None, "the file has no data rows")])
    if kind == "csv" and not isinstance(frame.index, pd.RangeIndex):
        # pandas turns the leading columns into an index when the first row has more fields
        raise ContractError(str(path), [RowError(1, None, f"more fields than the {len(frame.columns)} "
                                                          "columns of the header")])
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame
