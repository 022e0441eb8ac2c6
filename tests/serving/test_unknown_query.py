"""A query parameter the endpoint does not read is a 422 that names it, not silently ignored."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_a_misspelled_query_parameter_is_refused_by_name(client: TestClient) -> None:
    r = client.get("/v1/recommendations/C1", params={"k": 3, "exclude_purchesed": "true"})
    assert r.status_code == 422
    body = r.json()
    assert body["detail"][0]["loc"] == ["query", "exclude_purchesed"]
    assert "query parameter 'exclude_purchesed': unknown query parameter" in body["message"]
    assert "exclude_purchased" in body["message"] and "k" in body["message"]


def test_every_unknown_parameter_is_listed_once(client: TestClient) -> None:
    r = client.get("/v1/items/I1/similar?kk=1&kk=2&top=4")
    assert r.status_code == 422
    assert [e["loc"][1] for e in r.json()["detail"]] == ["kk", "top"]


def test_declared_parameters_and_endpoints_without_parameters_still_answer(client: TestClient) -> None:
    assert client.get("/v1/recommendations/C1", params={"k": 2, "exclude_purchased": "true"}).status_code == 200
    assert client.get("/health").status_code == 200
    r = client.get("/health", params={"verbose": "1"})
    assert r.status_code == 422 and "this endpoint reads none" in r.json()["message"]


def test_a_single_valued_parameter_given_twice_is_refused_by_name(client: TestClient) -> None:
    r = client.get("/v1/recommendations/C1?k=5&k=50")
    assert r.status_code == 422
    body = r.json()
    assert body["detail"][0]["loc"] == ["query", "k"]
    assert "query parameter 'k': given more than once; this parameter takes one value" in body["message"]


def test_a_list_parameter_may_repeat() -> None:
    from typing import Annotated, Literal

    from serving.query import repeats

    assert repeats(list[str] | None) and repeats(Annotated[list[Literal["new", "active"]] | None, "doc"])
    assert not repeats(int) and not repeats(bool | None) and not repeats(Annotated[int, "doc"])
