"""Every bad-input case of the events contract is rejected whole, with file, row, column and reason."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from features.errors import ContractError
from features.loaders import load_canonical, load_table

HEADER = "customer_id,item_id,timestamp,event_type,quantity,price,order_id\n"
GOOD = "c1,i1,2024-01-01T10:00:00Z,purchase,2,3.5,o1\n"


def write(tmp_path: Path, body: str, name: str = "events.csv") -> Path:
    path = tmp_path / name
    path.write_text(body)
    return path


def rejected(path: Path) -> str:
    with pytest.raises(ContractError) as info:
        load_canonical(path)
    return str(info.value)


def test_good_file_loads_in_canonical_types(tmp_path: Path) -> None:
    events = load_canonical(write(tmp_path, HEADER + GOOD + "c2,i2,2024-01-02,,,,\n")).events
    assert list(events.columns) == ["customer_id", "item_id", "timestamp", "event_type", "quantity", "price", "order_id"]
    assert str(events["timestamp"].dtype) == "datetime64[ns, UTC]"
    assert events["event_type"].tolist() == ["purchase", "purchase"]  # default
    assert events["quantity"].tolist() == [2, 1]  # default 1
    assert pd.isna(events["price"].iloc[1])


def test_missing_required_column(tmp_path: Path) -> None:
    path = write(tmp_path, "customer_id,timestamp\nc1,2024-01-01\n")
    assert rejected(path) == (
        f"{path}: rejected, nothing was stored (1 problem(s))\n"
        f"  {path}: column 'item_id': required events column is missing"
    )


def test_unparseable_timestamp(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + GOOD + "c1,i1,yesterday,purchase,1,1.0,o2\n")
    assert f"{path}: row 2, column 'timestamp': 'yesterday' is not an ISO-8601 timestamp" in rejected(path)


def test_a_timestamp_in_the_future_is_rejected(tmp_path: Path) -> None:
    tomorrow = (pd.Timestamp.now(tz="UTC") + pd.Timedelta(hours=20)).isoformat()  # clock skew: allowed
    path = write(tmp_path, HEADER + GOOD + f"c1,i1,{tomorrow},purchase,1,1.0,o2\nc1,i1,2199-06-01,purchase,1,1.0,o3\n")
    message = rejected(path)
    assert f"{path}: row 3, column 'timestamp': '2199-06-01' is in the future (after " in message
    assert "row 2" not in message


@pytest.mark.parametrize(("when", "reason"), [("2999-01-01", "is in the future"), ("1500-01-01T10:00:00Z", "is before 1970-01-01"),
                                            ("1969-12-31T23:00:00Z", "is before 1970-01-01")])
@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_timestamps_outside_what_a_shop_can_have_are_named(tmp_path: Path, when: str, reason: str, fmt: str) -> None:
    """Also beyond the years pandas holds (1677-2262), where a Parquet datetime column used to crash."""
    import numpy as np

    if fmt == "csv":
        path = write(tmp_path, HEADER + GOOD + f"c1,i1,{when},purchase,1,1.0,o2\n")
    else:
        stamps = np.array(["2024-01-01T10:00", when.rstrip("Z")], dtype="datetime64[us]")
        path = tmp_path / "events.parquet"
        pd.DataFrame({"customer_id": ["c1", "c1"], "item_id": ["i1", "i1"], "timestamp": stamps}).to_parquet(path)
    assert "row 2, column 'timestamp': " in (message := rejected(path)) and reason in message, message


def test_naive_timestamps_are_utc_even_after_one_with_an_offset(tmp_path: Path) -> None:
    body = HEADER + "".join(f"c1,i1,{ts},purchase,1,1.0,o{n}\n" for n, ts in enumerate([
        "2024-02-01T12:00:00+05:00", "2024-02-01 10:00:00", "2024-02-01T10:00:00", "2024-02-01",
        "2024-02-01T10:00:00Z", "2024-02-01 10:00 +0100", "2024-02-01T10:00:00.250-02:30"]))
    stamps = load_canonical(write(tmp_path, body)).events["timestamp"]
    assert [t.strftime("%d %H:%M:%S.%f") for t in stamps] == [
        "01 07:00:00.000000", "01 10:00:00.000000", "01 10:00:00.000000", "01 00:00:00.000000",
        "01 10:00:00.000000", "01 09:00:00.000000", "01 12:30:00.250000"]


@pytest.mark.parametrize("value", ["-3", "0", "1.5", "two"])
def test_bad_quantity(tmp_path: Path, value: str) -> None:
    path = write(tmp_path, HEADER + f"c1,i1,2024-01-01,purchase,{value},1.0,o1\n")
    assert f"{path}: row 1, column 'quantity': '{value}' is not a positive integer" in rejected(path)


def test_unknown_event_type(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "c1,i1,2024-01-01,wishlist,1,1.0,o1\n")
    assert (
        f"{path}: row 1, column 'event_type': 'wishlist' is not one of view, cart, purchase, return"
        in rejected(path)
    )


def test_negative_price(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + GOOD + GOOD + "c1,i1,2024-01-01,purchase,1,-0.5,o1\n")
    assert f"{path}: row 3, column 'price': '-0.5' is negative" in rejected(path)


def test_empty_file(tmp_path: Path) -> None:
    path = write(tmp_path, "")
    assert rejected(path) == f"{path}: rejected, nothing was stored (1 problem(s))\n  {path}: the file is empty"


def test_header_only_file(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER)
    assert f"{path}: the file has no data rows" in rejected(path)


def test_not_csv_or_parquet(tmp_path: Path) -> None:
    path = tmp_path / "events.json"
    path.write_text('{"a": 1}')
    assert f"{path}: not a CSV or Parquet file" in rejected(path)
    binary = tmp_path / "events.csv"
    binary.write_bytes(b"\x00\x01\x02garbage")
    assert f"{binary}: not a CSV or Parquet file" in rejected(binary)


def test_at_most_20_errors_are_listed_with_the_total(tmp_path: Path) -> None:
    body = HEADER + "".join(f"c{i},i1,2024-01-01,purchase,-1,1.0,o{i}\n" for i in range(30))
    message = rejected(write(tmp_path, body))
    assert "(30 problem(s))" in message
    assert message.count("is not a positive integer") == 20
    assert "... and 10 more" in message


def test_parquet_events_are_validated_too(tmp_path: Path) -> None:
    path = tmp_path / "events.parquet"
    pd.DataFrame(
        {"customer_id": ["c1"], "item_id": ["i1"], "timestamp": [pd.Timestamp("2024-01-01")], "quantity": [-1]}
    ).to_parquet(path)
    assert f"{path}: row 1, column 'quantity': '-1' is not a positive integer" in rejected(path)


def test_items_table_checks_stock_and_flags(tmp_path: Path) -> None:
    path = write(tmp_path, "item_id,in_stock,stock_on_hand\ni1,maybe,-2\n", "items.csv")
    with pytest.raises(ContractError) as info:
        load_table(path, "items")
    assert "row 1, column 'in_stock': 'maybe' is not true or false" in str(info.value)
    assert "row 1, column 'stock_on_hand': '-2' is not a non-negative integer" in str(info.value)


def test_infinite_or_absurd_numbers_are_rejected(tmp_path: Path) -> None:
    items = write(tmp_path, "item_id,price,stock_on_hand,lead_time_days\ni1,inf,inf,15\ni2,1,1e20,-inf\n"
                  "i3,2,5,99999\n", "items.csv")
    with pytest.raises(ContractError) as info:
        load_table(items, "items")
    text = str(info.value)
    assert "row 1, column 'price': 'inf' is not a non-negative number" in text
    assert "row 1, column 'stock_on_hand': 'inf' is not a non-negative integer" in text
    assert "row 2, column 'stock_on_hand': '1e20' is above the largest stock_on_hand, 1,000,000,000,000" in text
    assert "row 2, column 'lead_time_days': '-inf' is not a non-negative integer" in text
    assert "row 3, column 'lead_time_days': '99999' is above the largest lead_time_days, 3,650" in text
    events = write(tmp_path, HEADER + "c1,i1,2024-01-01T10:00:00Z,purchase,inf,Infinity,o1\n")
    message = rejected(events)
    assert "row 1, column 'quantity': 'inf' is not a positive integer" in message
    assert "row 1, column 'price': 'Infinity' is not a number" in message


def test_promotions_discount_must_be_a_fraction(tmp_path: Path) -> None:
    path = write(tmp_path, "start_date,end_date,category,discount\n2024-06-01,2024-06-18,toys,1.5\n", "p.csv")
    with pytest.raises(ContractError, match="row 1, column 'discount': '1.5' is not a number between 0 and 1"):
        load_table(path, "promotions")


@pytest.mark.parametrize("table, header", [("customers", "customer_id,personalization_opt_out"),
                                            ("items", "item_id,in_stock")])
def test_a_side_table_repeating_an_id_is_rejected(tmp_path: Path, table: str, header: str) -> None:
    path = write(tmp_path, f"{header}\nx1,true\nx2,true\nx1,false\n", name=f"{table}.csv")
    with pytest.raises(ContractError) as info:
        load_table(path, table)
    assert f"{path}: row 3, column '{header.split(',')[0]}': 'x1' is on an earlier row too" in str(info.value)


def test_a_semicolon_separated_file_gets_a_hint(tmp_path: Path) -> None:
    path = write(tmp_path, "customer_id;item_id;timestamp\nc1;i1;2024-01-01\n")
    assert "the file seems to be separated by ';'; save it with commas" in rejected(path)


def test_a_first_row_with_an_extra_field_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, "customer_id,item_id,timestamp\nc1,i1,2024-01-01,extra\nc2,i2,2024-01-02\n")
    assert f"{path}: row 1: more fields than the 3 columns of the header" in rejected(path)


@pytest.mark.parametrize("row, column, reason", [
    ("c1,{long},2024-01-01,purchase,1,1.0,o1", "item_id", "the value is longer than 128 characters"),
    ("c1,i1,2024-01-01,purchase,3000000000,1.0,o1", "quantity", "'3000000000' is above the largest quantity"),
])
def test_values_the_store_cannot_keep_are_rejected_on_every_backend(tmp_path: Path, row: str, column: str,
                                                                     reason: str) -> None:
    path = write(tmp_path, HEADER + row.format(long="x" * 129) + "\n")
    assert f"{path}: row 1, column '{column}': " in rejected(path) and reason in rejected(path)


def test_an_item_name_longer_than_the_store_keeps_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, "item_id,name\ni1," + "n" * 513 + "\n", name="items.csv")
    with pytest.raises(ContractError, match="row 1, column 'name': the value is longer than 512 characters"):
        load_table(path, "items")


def test_a_row_with_more_fields_than_the_header_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + GOOD + GOOD + GOOD.rstrip("\n") + ",extra\n")
    assert f"{path}: row 3: 8 fields, more than the 7 columns of the header" in rejected(path)


def test_a_file_that_is_not_utf8_names_the_row(tmp_path: Path) -> None:
    path = tmp_path / "events.csv"
    path.write_bytes((HEADER + GOOD + "c2,caf\xe9,2024-01-01T10:00:00Z,purchase,1,1.0,o2\n").encode("latin-1"))
    assert f"{path}: row 2: the file is not UTF-8 (byte 0xe9); save it as UTF-8" in rejected(path)
