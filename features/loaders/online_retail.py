"""Loader for the UCI "Online Retail" and "Online Retail II" layouts (xlsx, csv or parquet)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from features.errors import ContractError, RowError
from features.loaders.result import LoadResult
from features.readers import in_sheets, read_raw
from features.schema import MAX_QUANTITY
from features.validation import (
    EARLIEST_EVENT_TIME,
    EARLY_REASON,
    ErrorCollector,
    future_reason,
    latest_event_time,
    parse_timestamps,
)

# Original column -> contract column, for both layouts ("Online Retail II" first).
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "order_id": ("Invoice", "InvoiceNo"),
    "item_id": ("StockCode",),
    "name": ("Description",),
    "quantity": ("Quantity",),
    "timestamp": ("InvoiceDate",),
    "price": ("Price", "UnitPrice"),
    "customer_id": ("Customer ID", "CustomerID"),
    "region": ("Country",),
}

# Widely shared CSV copies of the UCI files write InvoiceDate month first ("12/1/2010 8:26").
US_DATES: tuple[str, ...] = ("%m/%d/%Y %H:%M", "%m/%d/%Y %H:%M:%S")

EXACT_INTEGER = 2**53  # the largest integer a float64 column (Excel, Parquet) holds exactly
WHOLE_DECIMAL = r"(?<=\d)\.0+$"  # the '.0' of a whole number written as a decimal

# Stock codes that are not products: postage, manual entries, bank charges, fees, samples, tests.
NON_PRODUCT_CODE = re.compile(
    r"^(POST|DOT|M|C2|C3|D|S|B|CRUK|PADS|AMAZONFEE|BANK CHARGES|ADJUST\d*|TEST\d*|GIFT|SAMPLES"
    r"|GIFT_\d+_\d+)$",
    re.IGNORECASE,
)


def _resolve_columns(frame: pd.DataFrame, file: str) -> dict[str, str]:
    found: dict[str, str] = {}
    missing: list[RowError] = []
    for target, names in COLUMN_ALIASES.items():
        match = next((n for n in names if n in frame.columns), None)
        if match is None:
            missing.append(RowError(None, " or ".join(names), "required Online Retail column is missing"))
        else:
            found[target] = match
    if missing:
        raise ContractError(file, missing)
    return found


def _customer_ids(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Customer ids as text (whole numbers without a decimal part: 13085.0 is '13085'), and the mask
    of ids a float column cannot hold exactly: not whole, or beyond 2**53. Integer and text columns
    keep every digit."""
    if pd.api.types.is_integer_dtype(raw):
        text = raw.astype("string")
        return text.astype(object).where(text.notna(), None), pd.Series(False, index=raw.index)
    if pd.api.types.is_float_dtype(raw):
        exact = raw.isna() | ((np.floor(raw) == raw) & (raw.abs() <= EXACT_INTEGER))
        whole = raw[raw.notna() & exact].astype("int64").astype(str)
        out = whole.reindex(raw.index)
        return out.astype(object).where(out.notna(), None), ~exact
    text = raw.astype("string").str.strip()
    text = text.str.replace(WHOLE_DECIMAL, "", regex=True)  # '13085.0' as Excel-saved CSV copies write it
    text = text.mask(text.isin(["", "nan", "NaN", "None"]))
    return text.astype(object).where(text.notna(), None), pd.Series(False, index=raw.index)


def load_online_retail(path: Path | str) -> LoadResult:
    """Read a UCI Online Retail (II) file into canonical events, items and customers.

    Cancellations (invoices starting with 'C') become returns; non-product stock codes,
    stock adjustments (negative quantity on a normal invoice) and zero- or negative-price
    lines are dropped and counted. Rows without a customer are kept for demand.
    """
    path = Path(path)
    file = str(path)
    raw = read_raw(path, allow_excel=True, as_text=False, text_columns=COLUMN_ALIASES["customer_id"])
    cols = _resolve_columns(raw, file)
    n = len(raw)

    order = raw[cols["order_id"]].astype("string").str.strip()
    item = raw[cols["item_id"]].astype("string").str.strip().str.upper()
    qty = pd.to_numeric(raw[cols["quantity"]], errors="coerce").astype("float64")  # nullable ints: NaN, not NA
    price_text = raw[cols["price"]].astype("string").str.strip().mask(lambda t: t == "")
    price = pd.to_numeric(raw[cols["price"]], errors="coerce").astype("float64")
    ts = parse_timestamps(raw[cols["timestamp"]], fallback_formats=US_DATES)
    customer, inexact = _customer_ids(raw[cols["customer_id"]])
    try:
        _check(raw, cols, file, ts=ts, qty=qty, price=price, price_text=price_text, inexact=inexact,
               texts={"order_id": order, "item_id": item, "customer_id": customer, "name": raw[cols["name"]],
                      "region": raw[cols["region"]]})
    except ContractError as exc:
        raise in_sheets(raw, exc) from None

    cancelled = order.str.upper().str.startswith("C").fillna(False)
    reasons = {
        "non-product stock code": item.isna() | item.str.match(NON_PRODUCT_CODE).fillna(False),
        "zero quantity": qty == 0,
        "stock adjustment (negative quantity, not a cancellation)": (qty < 0) & ~cancelled,
        "empty price": price.isna(),
        "zero or negative price": price <= 0,
    }
    drop = pd.Series(False, index=raw.index)
    dropped: dict[str, int] = {}
    for reason, mask in reasons.items():
        new = mask & ~drop
        if new.any():
            dropped[reason] = int(new.sum())
        drop |= mask
    keep = ~drop.to_numpy()

    events = pd.DataFrame(
        {
            "customer_id": customer[keep].to_numpy(),
            "item_id": item[keep].astype(object).to_numpy(),
            "timestamp": ts[keep].to_numpy(),
            "event_type": np.where(cancelled[keep], "return", "purchase").astype(object),
            "quantity": qty[keep].abs().astype("int64").to_numpy(),
            "price": price[keep].astype("float64").to_numpy(),
            "order_id": order[keep].astype(object).to_numpy(),
        }
    )
    events["timestamp"] = events["timestamp"].dt.tz_localize("UTC") if events["timestamp"].dt.tz is None else events["timestamp"]
    kept_raw = raw.loc[keep]
    items = _items(kept_raw, cols, item[keep], price[keep])
    customers = _customers(kept_raw, cols, customer[keep])
    notes = {
        "returns (cancellations)": int((events["event_type"] == "return").sum()),
        "rows without a customer (kept for demand only)": int(events["customer_id"].isna().sum()),
    }
    return LoadResult(file, events, items, customers, n, dropped, notes)


def _check(raw: pd.DataFrame, cols: dict[str, str], file: str, *, ts: pd.Series, qty: pd.Series, price: pd.Series,
           price_text: pd.Series, inexact: pd.Series, texts: dict[str, pd.Series]) -> None:
    """Raise ContractError naming the row and the file's column of every cell the contract refuses:
    dates, quantities, prices and ids it cannot hold (the same limits as the contract layout's)."""
    errs = ErrorCollector()
    latest = latest_event_time()
    stamp, quantity, price_col = cols["timestamp"], cols["quantity"], cols["price"]
    errs.add_mask(ts.isna(), stamp, raw[stamp], "{value} is not a date")
    errs.add_mask((ts > latest).fillna(False), stamp, raw[stamp], future_reason(latest))
    errs.add_mask((ts < EARLIEST_EVENT_TIME).fillna(False), stamp, raw[stamp], EARLY_REASON)
    errs.add_mask(qty.isna() | (np.floor(qty) != qty), quantity, raw[quantity], "{value} is not an integer")
    errs.add_mask(qty.abs() > MAX_QUANTITY, quantity, raw[quantity], f"{{value}} is beyond the largest quantity, {MAX_QUANTITY:,} units either way")
    errs.add_mask(price_text.notna() & ~np.isfinite(price.fillna(np.inf)), price_col, raw[price_col], "{value} is not a number")
    errs.add_mask(inexact, cols["customer_id"], raw[cols["customer_id"]],
                  "{value} is not a whole number that can be an exact customer id")
    for column, text in texts.items():
        errs.check_text(raw, text.astype("string"), column, shown_as=cols[column])
    errs.raise_if_any(file)


def _items(raw: pd.DataFrame, cols: dict[str, str], item: pd.Series, price: pd.Series) -> pd.DataFrame:
    frame = pd.DataFrame({"item_id": item.astype(object), "name": raw[cols["name"]].astype("string"), "price": price})
    names = (
        frame.dropna(subset=["name"])
        .groupby(["item_id", "name"], observed=True)
        .size()
        .reset_index(name="n")
        .sort_values(["item_id", "n"], ascending=[True, False])
        .drop_duplicates("item_id")
        .set_index("item_id")["name"]
    )
    out = frame.groupby("item_id", observed=True)["price"].median().rename("price").to_frame()
    out["name"] = names.reindex(out.index).astype(object)
    return out.reset_index()[["item_id", "name", "price"]]


def _customers(raw: pd.DataFrame, cols: dict[str, str], customer: pd.Series) -> pd.DataFrame:
    frame = pd.DataFrame({"customer_id": customer, "region": raw[cols["region"]].astype("string")})
    frame = frame.dropna(subset=["customer_id"])
    region = frame.groupby("customer_id")["region"].agg(lambda s: s.mode().iat[0] if s.notna().any() else pd.NA)
    return region.reset_index().astype(object)
