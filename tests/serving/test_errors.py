"""Readable names of error locations."""

from __future__ import annotations

from features.errors import ContractError, RowError
from serving.errors import contract_errors, validation_message, where


def test_where_names_parameters_and_fields() -> None:
    assert where(["query", "k"]) == "query parameter 'k'"
    assert where(["path", "customer_id"]) == "path parameter 'customer_id'"
    assert where(["body", "events", 3, "quantity"]) == "events[3].quantity"
    assert where(["body"]) == "request body"


def test_contract_errors_point_at_the_event_index() -> None:
    exc = ContractError("request body", [RowError(4, "price", "'x' is not a number")])
    (err,) = contract_errors(exc)
    assert err["loc"] == ["body", "events", 3, "price"]
    assert validation_message([err]) == "events[3].price: 'x' is not a number"
