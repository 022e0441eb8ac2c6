"""Reading input files (CSV, Parquet and, for the UCI layouts, Excel) into raw frames."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pandas as pd

from features.errors import ContractError, RowError

CSV_SUFFIXES = (".csv", ".csv.gz", ".txt", ".tsv")
PARQUET_SUFFIXES = (".parquet", ".pq")
EXCEL_SUFFIXES = (".xlsx", ".xls")
SHEETS = "sheets"  # frame.attrs key: [(sheet name, rows)] of a workbook read whole
TOO_MANY_FIELDS = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")  # pandas' C parser


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


def read_raw(path: Path, *, allow_excel: bool = False, as_text: bool = True,
             text_columns: tuple[str, ...] = ()) -> pd.DataFrame:
    """Read a whole file into a frame; CSV cells stay text so validation can name bad values (with
    `as_text=False`, only `text_columns` do: ids a float would round)."""
    kind = file_kind(path, allow_excel=allow_excel)
    try:
        if kind == "parquet":
            frame = pd.read_parquet(path)
        elif kind == "excel":
            sheets = pd.read_excel(path, sheet_name=None)
            frame = pd.concat(list(sheets.values()), ignore_index=True)
            frame.attrs[SHEETS] = [(str(name), len(sheet)) for name, sheet in sheets.items()]
        else:
            frame = pd.read_csv(
                path,
                dtype=str if as_text else dict.fromkeys(text_columns, str),
                keep_default_na=False,
                na_values=[""],
                skipinitialspace=True,
            )
    except ContractError:
        raise
    except UnicodeDecodeError as exc:
        raise ContractError(str(path), [_not_utf8(path, exc)]) from exc
    except Exception as exc:  # the parser's own message is the most useful reason
        fields = TOO_MANY_FIELDS.search(str(exc))
        if fields:
            expected, line, saw = (int(g) for g in fields.groups())
            raise ContractError(str(path), [RowError(line - 1, None, f"{saw} fields, more than the {expected} "
                                                                     "columns of the header")]) from exc
        raise ContractError(str(path), [RowError(None, None, f"cannot be read as {kind}: {exc}")]) from exc
    if frame.empty:
        raise ContractError(str(path), [RowError(None, None, "the file has no data rows")])
    if kind == "csv" and not isinstance(frame.index, pd.RangeIndex):
        # pandas turns the leading columns into an index when the first row has more fields
        raise ContractError(str(path), [RowError(1, None, f"more fields than the {len(frame.columns)} "
                                                          "columns of the header")])
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def _not_utf8(path: Path, exc: UnicodeDecodeError) -> RowError:
    """Where a CSV file stops being UTF-8: the first line that does not decode (row 1 is below the header)."""
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rb") as fh:
        for line_number, line in enumerate(fh, start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as bad:
                byte = line[bad.start:bad.start + 1].hex()
                row = line_number - 1 if line_number > 1 else None
                return RowError(row, None, f"the file is not UTF-8 (byte 0x{byte}{' in the header' if row is None else ''}); "
                                           "save it as UTF-8")
    return RowError(None, None, f"the file is not UTF-8 ({exc.reason}); save it as UTF-8")


def in_sheets(frame: pd.DataFrame, error: ContractError) -> ContractError:
    """`error` with its rows counted per sheet when `frame` was read from a workbook of several sheets."""
    sheets = frame.attrs.get(SHEETS, [])
    if len(sheets) < 2:
        return error
    located = []
    for e in error.errors:
        if e.row is None:
            located.append(e)
            continue
        row, name = e.row, sheets[-1][0]
        for name, rows in sheets:
            if row <= rows:
                break
            row -= rows
        located.append(RowError(row, e.column, e.reason, sheet=name))
    return ContractError(error.file, located, error.total)
