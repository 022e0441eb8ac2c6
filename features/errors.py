"""Errors raised when input breaks the data contract."""

from __future__ import annotations

from dataclasses import dataclass

MAX_REPORTED_ERRORS = 20


@dataclass(frozen=True)
class RowError:
    """One problem in an input file. `row` is 1-based over data rows (row 1 is below the header), of
    `sheet` in a workbook of several sheets."""

    row: int | None
    column: str | None
    reason: str
    sheet: str | None = None

    def describe(self) -> str:
        where = [f"sheet {self.sheet!r}"] if self.sheet is not None else []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        prefix = ", ".join(where)
        return f"{prefix}: {self.reason}" if prefix else self.reason


class ContractError(ValueError):
    """A file broke the data contract; it was rejected whole and nothing was stored."""

    def __init__(self, file: str, errors: list[RowError], total: int | None = None) -> None:
        self.file = file
        self.errors = errors[:MAX_REPORTED_ERRORS]
        self.total = total if total is not None else len(errors)
        lines = [f"{file}: rejected, nothing was stored ({self.total} problem(s))"]
        lines += [f"  {file}: {e.describe()}" for e in self.errors]
        if self.total > len(self.errors):
            lines.append(f"  ... and {self.total - len(self.errors)} more")
        super().__init__("\n".join(lines))
