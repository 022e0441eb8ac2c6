"""Validation of input tables against the data contract, with errors naming row, column and reason."""

from __future__ import annotations

import numpy as np
import pandas as pd

from features.errors import MAX_REPORTED_ERRORS, ContractError, RowError
from features.schema import (
    CUSTOMERS,
    EARLIEST_EVENT_YEAR,
    EVENT_TYPES,
    EVENTS,
    ITEMS,
    MAX_LEAD_TIME_DAYS,
    MAX_QUANTITY,
    MAX_STOCK_ON_HAND,
    PROMOTIONS,
    TEXT_LIMITS,
    TableSpec,
)


class ErrorCollector:
    """Gathers row errors across columns and reports them in row order."""

    def __init__(self) -> None:
        self.errors: list[RowError] = []
        self.total = 0

    def add_mask(self, mask: pd.Series, column: str, values: pd.Series, reason: str) -> None:
        bad = np.flatnonzero(mask.to_numpy())
        self.total += len(bad)
        for pos in bad[:MAX_REPORTED_ERRORS]:
            shown = values.iloc[pos]
            self.errors.append(RowError(int(pos) + 1, column, reason.format(value=_show(shown))))

    def check_text(self, frame: pd.DataFrame, text: pd.Series, column: str, shown_as: str | None = None) -> None:
        """Flag text the store cannot keep in contract `column`: longer than it allows, or with a NUL
        character; reported under `shown_as`, the file's own column name (default `column`)."""
        name = shown_as or column
        raw = frame.get(name, text)
        limit = TEXT_LIMITS[column]
        self.add_mask((text.str.len() > limit).fillna(False), name, raw, f"the value is longer than {limit} characters")
        self.add_mask(text.str.contains("\x00", regex=False).fillna(False), name, raw,
                      "{value} holds a NUL character")

    def raise_if_any(self, file: str) -> None:
        if self.total:
            ordered = sorted(self.errors, key=lambda e: (e.row or 0, e.column or ""))
            raise ContractError(file, ordered, total=self.total)


def _show(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return "empty"
    return repr(str(value))


def check_columns(frame: pd.DataFrame, spec: TableSpec, file: str) -> None:
    """Reject a frame with no rows or without every required column of `spec`."""
    if len(frame) == 0:
        raise ContractError(file, [RowError(None, None, "the file has no data rows")])
    missing = [c for c in spec.required if c not in frame.columns]
    if missing:
        errors = [RowError(None, c, f"required {spec.name} column is missing") for c in missing]
        header = str(frame.columns[0])
        separator = next((sep for sep in (";", "\t", "|") if sep in header), None)
        if len(frame.columns) == 1 and separator is not None:
            errors.append(RowError(None, None, f"the header is one column, {header!r}: the file seems to be "
                                               f"separated by {separator!r}; save it with commas"))
        raise ContractError(file, errors)


def _text(series: pd.Series) -> pd.Series:
    out = series.astype("string").str.strip()
    return out.mask(out == "")


# a time of day followed by a UTC offset or Z: "10:00+05:00", "10:00:00.5Z", "10:00 +0100"
_OFFSET = r"\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:[zZ]|[+-]\d{2}(?::?\d{2})?)$"


# The span pandas holds at nanoseconds (1677-2262): a date beyond it is kept at the bound, so the
# range checks (in the future, before 1970) name it instead of a crash or "not a date".
HELD_RANGE = (pd.Timestamp("1678-01-01", tz="UTC"), pd.Timestamp("2262-01-01", tz="UTC"))
_YEAR = r"^\s*([+-]?\d{4,})-\d{1,2}-\d{1,2}|^\s*\d{1,2}/\d{1,2}/(\d{4,})"  # ISO, or month first


def parse_timestamps(series: pd.Series, *, fallback_formats: tuple[str, ...] = ()) -> pd.Series:
    """Parse ISO-8601 text or datetimes to UTC; naive values are taken as UTC, bad ones become NaT.

    Values with and without an offset may be mixed in one column: each naive value is UTC (pandas
    alone would give it the offset of the value before it). `fallback_formats` (strptime formats)
    are tried in order for the values that are not ISO-8601. Dates outside HELD_RANGE come back at
    its bounds.
    """
    if pd.api.types.is_datetime64_any_dtype(series):
        parsed = pd.to_datetime(series)
        if parsed.dt.tz is None:
            parsed = parsed.dt.tz_localize("UTC")
        parsed = parsed.dt.tz_convert("UTC").clip(lower=HELD_RANGE[0], upper=HELD_RANGE[1])
        return parsed.astype("datetime64[ns, UTC]")
    text = _text(series)
    aware = text.str.contains(_OFFSET, regex=True, na=False).to_numpy()
    parsed = pd.Series(pd.NaT, index=series.index, dtype="datetime64[ns, UTC]")
    for mask in (aware, ~aware):
        if mask.any():
            parsed[mask] = _iso_utc(text[mask], fallback_formats)
    return _held(parsed, text)


def _held(parsed: pd.Series, text: pd.Series) -> pd.Series:
    """`parsed` with dates that failed only because their year is outside HELD_RANGE set to its bounds."""
    missed = parsed.isna() & text.notna()
    if not missed.any():
        return parsed
    found = text[missed].str.extract(_YEAR)
    year = pd.to_numeric(found[0].fillna(found[1]), errors="coerce")
    parsed[year[year < HELD_RANGE[0].year].index] = HELD_RANGE[0]
    parsed[year[year >= HELD_RANGE[1].year].index] = HELD_RANGE[1]
    return parsed


def _iso_utc(text: pd.Series, fallback_formats: tuple[str, ...]) -> pd.Series:
    """ISO-8601 text of one kind (all with an offset, or all without) to UTC."""
    out = pd.to_datetime(text, errors="coerce", utc=True, format="ISO8601")
    for fmt in fallback_formats:
        missed = out.isna() & text.notna()
        if not missed.any():
            break
        out[missed] = pd.to_datetime(text[missed], errors="coerce", utc=True, format=fmt)
    return out.astype("datetime64[ns, UTC]")


FUTURE_TOLERANCE = pd.Timedelta(days=1)  # clock skew and time zones: later than this past now is an error


def latest_event_time() -> pd.Timestamp:
    """The latest timestamp an event may carry: now plus a day. A later one is a clock or format bug,
    and one such event would stretch every demand series years ahead."""
    return pd.Timestamp.now(tz="UTC") + FUTURE_TOLERANCE


def future_reason(latest: pd.Timestamp) -> str:
    """The error text of a timestamp after `latest` ({value} is the cell)."""
    return "{value} is in the future (after " + latest.strftime("%Y-%m-%d %H:%M UTC") + ")"


EARLIEST_EVENT_TIME = pd.Timestamp(year=EARLIEST_EVENT_YEAR, month=1, day=1, tz="UTC")
EARLY_REASON = f"{{value}} is before {EARLIEST_EVENT_TIME.date()}"  # the error text of a timestamp before it


def validate_events(frame: pd.DataFrame, file: str, *, latest: pd.Timestamp | None = None) -> pd.DataFrame:
    """Return the canonical events frame, or raise ContractError naming the first bad cells.

    A timestamp after `latest` (default: `latest_event_time()`) is an error."""
    check_columns(frame, EVENTS, file)
    latest = latest_event_time() if latest is None else latest
    errs = ErrorCollector()
    customer = _text(frame["customer_id"])
    item = _text(frame["item_id"])
    errs.add_mask(customer.isna(), "customer_id", frame["customer_id"], "customer_id is empty")
    errs.add_mask(item.isna(), "item_id", frame["item_id"], "item_id is empty")
    order = _text(frame["order_id"]) if "order_id" in frame else pd.Series(pd.NA, index=frame.index, dtype="string")
    for column, text in (("customer_id", customer), ("item_id", item), ("order_id", order)):
        errs.check_text(frame, text, column)

    ts = parse_timestamps(frame["timestamp"])
    errs.add_mask(ts.isna(), "timestamp", frame["timestamp"], "{value} is not an ISO-8601 timestamp")
    errs.add_mask((ts > latest).fillna(False), "timestamp", frame["timestamp"], future_reason(latest))
    errs.add_mask((ts < EARLIEST_EVENT_TIME).fillna(False), "timestamp", frame["timestamp"], EARLY_REASON)

    event_type = _text(frame["event_type"]).str.lower() if "event_type" in frame else None
    if event_type is None:
        event_type = pd.Series("purchase", index=frame.index, dtype="string")
    event_type = event_type.fillna("purchase")
    errs.add_mask(
        ~event_type.isin(EVENT_TYPES),
        "event_type",
        frame.get("event_type", event_type),
        "{value} is not one of " + ", ".join(EVENT_TYPES),
    )

    quantity = _quantity(frame, errs)
    price = _price(frame, errs)
    errs.raise_if_any(file)

    return pd.DataFrame(
        {
            "customer_id": customer.astype(object),
            "item_id": item.astype(object),
            "timestamp": ts,
            "event_type": event_type.astype(object),
            "quantity": quantity.astype("int64"),
            "price": price.astype("float64"),
            "order_id": order.astype(object).where(order.notna(), None),
        }
    ).reset_index(drop=True)


def _numeric(frame: pd.DataFrame, column: str) -> tuple[pd.Series, pd.Series, pd.Series]:
    """The raw column, its trimmed text (or values) and its finite numbers (NaN where not one)."""
    raw = frame[column]
    text = _text(raw) if raw.dtype == object or pd.api.types.is_string_dtype(raw) else raw
    num = pd.to_numeric(text, errors="coerce").astype("float64")
    return raw, text, num.where(np.isfinite(num))  # 'inf' is not a number a shop can order from


def _quantity(frame: pd.DataFrame, errs: ErrorCollector) -> pd.Series:
    if "quantity" not in frame:
        return pd.Series(1, index=frame.index, dtype="int64")
    raw, text, num = _numeric(frame, "quantity")
    num = num.where(text.notna() | num.notna(), 1.0)  # empty cell: default 1
    bad = num.isna() | (num <= 0) | (np.floor(num) != num)
    errs.add_mask(bad, "quantity", raw, "{value} is not a positive integer")
    errs.add_mask(num > MAX_QUANTITY, "quantity", raw, f"{{value}} is above the largest quantity, {MAX_QUANTITY:,}")
    return num.fillna(1).clip(lower=1)


def _price(frame: pd.DataFrame, errs: ErrorCollector) -> pd.Series:
    if "price" not in frame:
        return pd.Series(np.nan, index=frame.index, dtype="float64")
    raw, text, num = _numeric(frame, "price")
    errs.add_mask(text.notna() & num.isna(), "price", raw, "{value} is not a number")
    errs.add_mask(num < 0, "price", raw, "{value} is negative")
    return num


def validate_items(frame: pd.DataFrame, file: str) -> pd.DataFrame:
    """Return the canonical items frame, or raise ContractError."""
    check_columns(frame, ITEMS, file)
    errs = ErrorCollector()
    out = pd.DataFrame({"item_id": _text(frame["item_id"])})
    errs.add_mask(out["item_id"].isna(), "item_id", frame["item_id"], "item_id is empty")
    _unique(out["item_id"], "item_id", frame["item_id"], errs)
    for col in ("name", "category"):
        out[col] = _text(frame[col]) if col in frame else pd.Series(pd.NA, index=frame.index, dtype="string")
    for col in ("item_id", "name", "category"):
        errs.check_text(frame, out[col], col)
    out["price"] = _nonneg(frame, "price", errs, integer=False)
    out["in_stock"] = _bool(frame, "in_stock", errs)
    out["stock_on_hand"] = _nonneg(frame, "stock_on_hand", errs, integer=True, most=MAX_STOCK_ON_HAND)
    out["lead_time_days"] = _nonneg(frame, "lead_time_days", errs, integer=True, most=MAX_LEAD_TIME_DAYS)
    errs.raise_if_any(file)
    return out.astype({"item_id": object, "name": object, "category": object})


def validate_customers(frame: pd.DataFrame, file: str) -> pd.DataFrame:
    """Return the canonical customers frame, or raise ContractError."""
    check_columns(frame, CUSTOMERS, file)
    errs = ErrorCollector()
    out = pd.DataFrame({"customer_id": _text(frame["customer_id"])})
    errs.add_mask(out["customer_id"].isna(), "customer_id", frame["customer_id"], "customer_id is empty")
    _unique(out["customer_id"], "customer_id", frame["customer_id"], errs)
    out["region"] = _text(frame["region"]) if "region" in frame else pd.Series(pd.NA, index=frame.index, dtype="string")
    for col in ("customer_id", "region"):
        errs.check_text(frame, out[col], col)
    if "signup_date" in frame:
        signup = parse_timestamps(frame["signup_date"])
        given = _text(frame["signup_date"].astype(str)).notna() & frame["signup_date"].notna()
        errs.add_mask(given & signup.isna(), "signup_date", frame["signup_date"], "{value} is not a date")
        out["signup_date"] = signup
    else:
        out["signup_date"] = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns, UTC]")
    # an empty cell or a missing column says nothing: the stored choice (default: not opted out) stays
    out["personalization_opt_out"] = _bool(frame, "personalization_opt_out", errs)
    errs.raise_if_any(file)
    return out.astype({"customer_id": object, "region": object})


def _unique(ids: pd.Series, column: str, raw: pd.Series, errs: ErrorCollector) -> None:
    """Flag every repeat of an id (the rows of one id would contradict each other)."""
    errs.add_mask(ids.notna() & ids.duplicated(keep="first"), column, raw, "{value} is on an earlier row too")


def validate_promotions(frame: pd.DataFrame, file: str) -> pd.DataFrame:
    """Return the canonical promotions frame, or raise ContractError."""
    check_columns(frame, PROMOTIONS, file)
    errs = ErrorCollector()
    start = parse_timestamps(frame["start_date"])
    end = parse_timestamps(frame["end_date"])
    errs.add_mask(start.isna(), "start_date", frame["start_date"], "{value} is not a date")
    errs.add_mask(end.isna(), "end_date", frame["end_date"], "{value} is not a date")
    errs.add_mask(end < start, "end_date", frame["end_date"], "{value} is before start_date")
    discount = pd.to_numeric(frame["discount"], errors="coerce")
    errs.add_mask(
        discount.isna() | (discount < 0) | (discount > 1),
        "discount",
        frame["discount"],
        "{value} is not a number between 0 and 1",
    )
    for col in ("item_id", "category"):
        if col in frame:
            errs.check_text(frame, _text(frame[col]), col)
    errs.raise_if_any(file)
    out = pd.DataFrame({"start_date": start, "end_date": end, "discount": discount.astype(float)})
    for col in ("item_id", "category"):
        out[col] = (_text(frame[col]) if col in frame else pd.Series(pd.NA, index=frame.index)).astype(object)
    return out


def _nonneg(frame: pd.DataFrame, column: str, errs: ErrorCollector, *, integer: bool,
            most: int | None = None) -> pd.Series:
    if column not in frame:
        return pd.Series(np.nan, index=frame.index, dtype="float64")
    raw, text, num = _numeric(frame, column)
    kind = "a non-negative integer" if integer else "a non-negative number"
    bad = (text.notna() & num.isna()) | (num < 0)
    if integer:
        bad |= num.notna() & (np.floor(num) != num)
    errs.add_mask(bad, column, raw, "{value} is not " + kind)
    if most is not None:
        errs.add_mask(num > most, column, raw, f"{{value}} is above the largest {column}, {most:,}")
    return num


_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f"}


def _bool(frame: pd.DataFrame, column: str, errs: ErrorCollector) -> pd.Series:
    if column not in frame:
        return pd.Series(pd.NA, index=frame.index, dtype="boolean")
    raw = frame[column]
    if pd.api.types.is_bool_dtype(raw):
        return raw.astype("boolean")
    text = _text(raw.astype("string")).str.lower()
    out = pd.Series(pd.NA, index=frame.index, dtype="boolean")
    out[text.isin(_TRUE)] = True
    out[text.isin(_FALSE)] = False
    errs.add_mask(text.notna() & out.isna(), column, raw, "{value} is not true or false")
    return out


VALIDATORS = {
    "events": validate_events,
    "items": validate_items,
    "customers": validate_customers,
    "promotions": validate_promotions,
}
