"""Loaders for both UCI Online Retail layouts (csv, parquet, xlsx) and for CDNOW, on tiny files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from features.errors import ContractError
from features.loaders import load_cdnow, load_online_retail

ROWS = [
    # invoice, stock code, description, quantity, date, price, customer, country
    ("536365", "85123A", "WHITE HANGING HEART", 6, "2010-12-01 08:26:00", 2.55, 17850.0, "United Kingdom"),
    ("536365", "71053", "WHITE METAL LANTERN", 6, "2010-12-01 08:26:00", 3.39, 17850.0, "United Kingdom"),
    ("536366", "22633", "HAND WARMER", 6, "2010-12-01 08:28:00", 1.85, None, "United Kingdom"),
    ("C536379", "71053", "WHITE METAL LANTERN", -2, "2010-12-02 09:41:00", 3.39, 17850.0, "United Kingdom"),
    ("536370", "POST", "POSTAGE", 3, "2010-12-01 08:45:00", 18.0, 12583.0, "France"),
    ("536371", "M", "Manual", 1, "2010-12-01 09:00:00", 0.5, 12583.0, "France"),
    ("536372", "22633", "damaged", -10, "2010-12-01 09:01:00", 0.0, None, "United Kingdom"),
    ("536373", "BANK CHARGES", "Bank Charges", 1, "2010-12-01 09:02:00", 15.0, None, "United Kingdom"),
    ("536374", "21232", "CERAMIC BOWL", 12, "2010-12-01 09:03:00", 1.25, 12583.0, "France"),
]

LAYOUT_II = ["Invoice", "StockCode", "Description", "Quantity", "InvoiceDate", "Price", "Customer ID", "Country"]
LAYOUT_I = ["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID", "Country"]


def frame(columns: list[str]) -> pd.DataFrame:
    out = pd.DataFrame(ROWS, columns=columns)
    out[columns[4]] = pd.to_datetime(out[columns[4]])
    return out


def write(tmp_path: Path, columns: list[str], fmt: str) -> Path:
    path = tmp_path / f"retail.{fmt}"
    data = frame(columns)
    if fmt == "csv":
        data.to_csv(path, index=False)
    elif fmt == "parquet":
        data.to_parquet(path)
    else:
        data.to_excel(path, index=False, sheet_name="Year 2010-2011")
    return path


@pytest.mark.parametrize("columns", [LAYOUT_II, LAYOUT_I], ids=["online-retail-ii", "online-retail"])
@pytest.mark.parametrize("fmt", ["csv", "parquet", "xlsx"])
def test_both_uci_layouts_load_the_same(tmp_path: Path, columns: list[str], fmt: str) -> None:
    result = load_online_retail(write(tmp_path, columns, fmt))
    events = result.events
    assert result.rows_read == len(ROWS)
    assert result.dropped == {
        "non-product stock code": 3,
        "stock adjustment (negative quantity, not a cancellation)": 1,
    }
    assert len(events) == 5
    ret = events[events["event_type"] == "return"]
    assert ret[["item_id", "quantity", "order_id", "customer_id"]].values.tolist() == [["71053", 2, "C536379", "17850"]]
    assert events["customer_id"].isna().sum() == 1  # kept for demand, not for customers
    assert set(result.customers["customer_id"]) == {"17850", "12583"}
    assert result.customers.set_index("customer_id").loc["12583", "region"] == "France"
    assert result.items.set_index("item_id").loc["85123A", "name"] == "WHITE HANGING HEART"
    assert str(events["timestamp"].dtype) == "datetime64[ns, UTC]"
    assert (events["quantity"] > 0).all()


def test_missing_uci_column_is_named(tmp_path: Path) -> None:
    path = tmp_path / "retail.csv"
    frame(LAYOUT_II).drop(columns=["Price"]).to_csv(path, index=False)
    with pytest.raises(ContractError, match="column 'Price or UnitPrice': required Online Retail column is missing"):
        load_online_retail(path)


def test_bad_uci_date_names_row(tmp_path: Path) -> None:
    data = frame(LAYOUT_II).astype({"InvoiceDate": str})
    data.loc[2, "InvoiceDate"] = "not a date"
    path = tmp_path / "retail.csv"
    data.to_csv(path, index=False)
    with pytest.raises(ContractError, match="row 3, column 'InvoiceDate': 'not a date' is not a date"):
        load_online_retail(path)


def test_a_future_uci_date_names_row(tmp_path: Path) -> None:
    data = frame(LAYOUT_II)
    data.loc[1, "InvoiceDate"] = pd.Timestamp("2199-06-01")
    path = tmp_path / "retail.parquet"
    data.to_parquet(path)
    with pytest.raises(ContractError, match=r"row 2, column 'InvoiceDate': '2199-06-01 00:00:00' is in the future \(after "):
        load_online_retail(path)


@pytest.mark.parametrize(("column", "value", "reason"), [
    ("StockCode", "X" * 300, "the value is longer than 128 characters"),
    ("Invoice", "9" * 200, "the value is longer than 128 characters"),
    ("Customer ID", "C" * 200, "the value is longer than 128 characters"),
    ("Description", "D" * 600, "the value is longer than 512 characters"),
    ("StockCode", "AB\x00C", "holds a NUL character"),
    ("Quantity", 10**12, "is beyond the largest quantity, 1,000,000,000 units either way"),
    ("Customer ID", 1e25, "is not a whole number that can be an exact customer id"),
    ("Customer ID", 17850.5, "is not a whole number that can be an exact customer id"),
    ("Price", "cheap", "'cheap' is not a number"),
    ("Price", float("inf"), "is not a number"),
    ("InvoiceDate", pd.Timestamp("1950-01-01"), "is before 1970-01-01"),
])
def test_uci_cells_the_contract_refuses_are_named(tmp_path: Path, column: str, value: object, reason: str) -> None:
    """The same limits as the contract layout's, so SQLite and PostgreSQL stores take the same files."""
    data = frame(LAYOUT_II).astype({column: object})
    data.loc[1, column] = value
    if isinstance(value, str) and column in ("Customer ID", "Price"):  # text in a numeric column: a CSV file
        path = tmp_path / "retail.csv"
        data.to_csv(path, index=False)
    else:
        path = tmp_path / "retail.parquet"
        data.astype({c: str for c in ("Invoice", "StockCode", "Description", "Country")}).to_parquet(path)
    with pytest.raises(ContractError, match=rf"row 2, column '{column}': .*{reason}"):
        load_online_retail(path)


@pytest.mark.parametrize(("when", "reason"), [("2999-01-01", "is in the future"), ("1500-01-01", "is before 1970-01-01")])
@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_dates_beyond_what_pandas_holds_are_named_not_crashed_on(tmp_path: Path, when: str, reason: str, fmt: str) -> None:
    import numpy as np

    data = frame(LAYOUT_II)
    path = tmp_path / f"retail.{fmt}"
    if fmt == "csv":
        data = data.astype({"InvoiceDate": str})
        data.loc[1, "InvoiceDate"] = when
        data.to_csv(path, index=False)
    else:
        data["InvoiceDate"] = data["InvoiceDate"].to_numpy().astype("datetime64[us]")
        data.loc[1, "InvoiceDate"] = np.datetime64(when, "us")
        data.to_parquet(path)
    with pytest.raises(ContractError, match=f"row 2, column 'InvoiceDate': .*{reason}"):
        load_online_retail(path)


def test_an_empty_uci_price_is_dropped_and_counted_as_such(tmp_path: Path) -> None:
    data = frame(LAYOUT_II)
    data.loc[0, "Price"] = None
    path = tmp_path / "retail.csv"
    data.to_csv(path, index=False)
    assert load_online_retail(path).dropped["empty price"] == 1


def test_month_first_csv_dates_of_the_shared_uci_copies(tmp_path: Path) -> None:
    data = frame(LAYOUT_I)
    data["InvoiceDate"] = [f"{t.month}/{t.day}/{t.year} {t.hour}:{t.minute:02d}" for t in data["InvoiceDate"]]
    path = tmp_path / "Online Retail.csv"
    data.to_csv(path, index=False)
    assert data["InvoiceDate"].iloc[3] == "12/2/2010 9:41"
    events = load_online_retail(path).events
    returned = events.loc[events["event_type"] == "return", "timestamp"].iloc[0]
    assert returned == pd.Timestamp("2010-12-02 09:41", tz="UTC")


def test_cdnow_layout(tmp_path: Path) -> None:
    path = tmp_path / "cdnow.txt"
    path.write_text(" 00004 0001 19970101  2   29.33\n 00004 0001 19970118  2   29.73\n 00018 0002 19970101  1   13.97\n")
    events = load_cdnow(path).events
    assert events["customer_id"].tolist() == ["4", "4", "18"]
    assert events["quantity"].tolist() == [2, 2, 1]
    assert events["price"].round(3).tolist() == [14.665, 14.865, 13.97]
    assert events["timestamp"].iloc[1] == pd.Timestamp("1997-01-18", tz="UTC")


def test_cdnow_bad_date(tmp_path: Path) -> None:
    path = tmp_path / "cdnow.txt"
    path.write_text(" 00004 0001 19971301  2   29.33\n")
    with pytest.raises(ContractError, match="row 1, column 'yyyymmdd': '19971301' is not a date"):
        load_cdnow(path)


def test_cdnow_future_date(tmp_path: Path) -> None:
    path = tmp_path / "cdnow.txt"
    path.write_text(" 00004 0001 19970101  2   29.33\n 00004 0001 21990101  2   29.33\n")
    with pytest.raises(ContractError, match="row 2, column 'yyyymmdd': '21990101' is in the future"):
        load_cdnow(path)


def test_cdnow_negative_cds_are_called_negative(tmp_path: Path) -> None:
    path = tmp_path / "cdnow.txt"
    path.write_text(" 00004 0001 19970101  -1   29.33\n 00004 0001 19970118  x   29.73\n")
    with pytest.raises(ContractError) as info:
        load_cdnow(path)
    assert "row 1, column 'cds': '-1' is negative" in str(info.value)
    assert "row 2, column 'cds': 'x' is not a number" in str(info.value)
    path.write_text(" 00004 0001 19970101  -1   29.33\n")  # an all-number column
    with pytest.raises(ContractError, match="row 1, column 'cds': '-1' is negative"):
        load_cdnow(path)


def test_a_folder_is_named_as_a_folder(tmp_path: Path) -> None:
    with pytest.raises(ContractError, match="is a folder, not a file"):
        load_online_retail(tmp_path)


def test_a_bad_cell_of_a_later_sheet_is_named_by_sheet_and_its_own_row(tmp_path: Path) -> None:
    first, second = frame(LAYOUT_II), frame(LAYOUT_II).astype({"InvoiceDate": object})
    second.loc[4, "InvoiceDate"] = "notadate"
    path = tmp_path / "retail.xlsx"
    with pd.ExcelWriter(path) as book:
        first.to_excel(book, index=False, sheet_name="Year 2009-2010")
        second.to_excel(book, index=False, sheet_name="Year 2010-2011")
    with pytest.raises(ContractError, match="sheet 'Year 2010-2011', row 5, column 'InvoiceDate': 'notadate' is not a date"):
        load_online_retail(path)


@pytest.mark.parametrize("ids", [
    pd.Series([1234567890123456789, 17850, 12583], dtype="int64"),
    pd.Series(pd.array([1234567890123456789, None, 12583], dtype="Int64")),
    pd.Series(["1234567890123456789", None, "12583.0"], dtype=object),
])
@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_exact_customer_ids_keep_every_digit(tmp_path: Path, ids: pd.Series, fmt: str) -> None:
    data = frame(LAYOUT_II).iloc[:3].reset_index(drop=True)
    data["Customer ID"] = ids
    path = tmp_path / f"retail.{fmt}"
    data.to_csv(path, index=False) if fmt == "csv" else data.to_parquet(path)
    customers = load_online_retail(path).events["customer_id"].tolist()
    assert customers[0] == "1234567890123456789" and customers[2] == "12583"


def test_a_missing_quantity_in_a_nullable_integer_column_is_named(tmp_path: Path) -> None:
    data = frame(LAYOUT_II)
    data["Quantity"] = pd.array([None if k == 1 else q for k, q in enumerate(data["Quantity"])], dtype="Int64")
    path = tmp_path / "retail.parquet"
    data.to_parquet(path)
    with pytest.raises(ContractError, match="row 2, column 'Quantity': .* is not an integer"):
        load_online_retail(path)


@pytest.mark.parametrize(("when", "reason"), [("1/1/3000 8:26", "is in the future"), ("1/1/1600 8:26", "is before 1970-01-01")])
def test_month_first_dates_beyond_what_pandas_holds_are_named(tmp_path: Path, when: str, reason: str) -> None:
    data = frame(LAYOUT_I).astype({"InvoiceDate": str})
    data["InvoiceDate"] = "12/1/2010 8:26"
    data.loc[1, "InvoiceDate"] = when
    path = tmp_path / "retail.csv"
    data.to_csv(path, index=False)
    with pytest.raises(ContractError, match=f"row 2, column 'InvoiceDate': .*{reason}"):
        load_online_retail(path)
