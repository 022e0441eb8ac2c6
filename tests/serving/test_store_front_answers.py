"""Storefront defects: unknown request fields, scores in list order, path ids, error bodies."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import pytest
from fastapi.testclient import TestClient

from serving.config import MAX_K
from tests.serving.conftest import ADMIN

EVENT = {"customer_id": "C1", "item_id": "I9", "timestamp": "2026-11-03T10:00:00Z", "event_type": "purchase"}


# ---- unknown fields -------------------------------------------------------------------------------
@pytest.mark.parametrize(("body", "field"), [
    ({"customer_ids": ["C1"], "k": 2, "categroy": "toys"}, "categroy"),
    ({"recent_items": ["I1"], "k": 2, "exclude_purchsed": True}, "exclude_purchsed"),
])
def test_a_misspelt_recommendation_field_is_refused(client: TestClient, body: dict[str, Any], field: str) -> None:
    r = client.post("/v1/recommendations", json=body)
    assert r.status_code == 422
    assert r.json()["message"].startswith(f"{field}: unknown field")


@pytest.mark.parametrize(("body", "where"), [
    ({"events": [{**EVENT, "qty": 2}]}, "events[0].qty"),
    ({"events": [EVENT], "source": "shop"}, "source"),
])
def test_an_unknown_event_field_is_refused_and_nothing_stored(client: TestClient, body: dict[str, Any],
                                                             where: str) -> None:
    r = client.post("/v1/events", json=body)
    assert r.status_code == 422 and f"{where}: unknown field" in r.json()["message"]
    assert client.get("/v1/recommendations/C1", params={"k": 1}).json()["items"][0]["item_id"] != "I9"


# ---- scores -----------------------------------------------------------------------------------------
def _lists(client: TestClient) -> list[list[dict[str, Any]]]:
    client.post("/v1/events", json={"events": [EVENT]})  # a "bought recently" item on top of C1's list
    answers = [client.get(f"/v1/recommendations/{c}", params={"k": 20}).json() for c in ("C1", "C3", "nobody")]
    answers += client.post("/v1/recommendations", json={"recent_items": ["I1"], "k": 7}).json()["results"]
    answers.append(client.get("/v1/items/I1/similar", params={"k": 9}).json())
    return [a["items"] for a in answers]


def test_scores_follow_the_list_order_on_one_scale(client: TestClient) -> None:
    for items in _lists(client):
        assert [i["rank"] for i in items] == list(range(1, len(items) + 1))
        assert [i["score"] for i in items] == [(1 + MAX_K - n) / MAX_K for n in range(1, len(items) + 1)]
        assert all(a["score"] > b["score"] for a, b in pairwise(items))


def test_the_order_and_the_items_are_the_runtimes(client: TestClient) -> None:
    runtime = client.app.state.service.holder.snapshot.get("recommender").runtime  # type: ignore[attr-defined]
    expected = [i for i, _, _ in runtime.recommend("C3", 10).items]
    assert [i["item_id"] for i in client.get("/v1/recommendations/C3").json()["items"]] == expected


def test_the_score_is_documented(client: TestClient) -> None:
    item = client.get("/openapi.json").json()["components"]["schemas"]["RecommendedItem"]["properties"]
    assert "rank" in item and "position score" in item["score"]["description"]


# ---- path ids --------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/v1/recommendations/C1/", "/v1/recommendations/%20C1", "/v1/recommendations/C1%20"])
def test_path_ids_are_normalised(client: TestClient, path: str) -> None:
    plain = client.get("/v1/recommendations/C1", params={"k": 3}).json()
    r = client.get(path, params={"k": 3})
    assert r.status_code == 200 and r.json() == plain and plain["fallback"] is False


def test_item_and_customer_path_ids_are_normalised(client: TestClient) -> None:
    assert client.get("/v1/items/%20I1%20/similar").json()["item_id"] == "I1"
    assert client.get("/v1/customers/%20C1/churn").json()["customer_id"] == "C1"
    assert client.get("/v1/recommendations/SHOP%2F42").json()["customer_id"] == "SHOP/42"
    for path in ("/v1/forecasts/%20_total%20", "/v1/forecasts/_total/"):
        r = client.get(path, params={"horizon": 1})
        assert r.status_code == 200 and r.json()["item_id"] == "_total", r.text


def test_an_id_ending_in_a_slash_is_sent_as_2f(client: TestClient) -> None:
    """`trail%2F` is the id `trail/`; only a literal slash at the end of the URL is dropped."""
    events = [{"customer_id": "trail/", "item_id": "I9", "timestamp": "2026-11-03T10:00:00Z"},
              {"customer_id": "trail", "item_id": "I11", "timestamp": "2026-11-03T10:00:00Z"}]
    assert client.post("/v1/events", json={"events": events}).json()["purchases_applied"] == 2
    slashed = client.get("/v1/recommendations/trail%2F", params={"k": 1}).json()
    assert slashed["customer_id"] == "trail/" and slashed["items"][0]["item_id"] == "I9"
    plain = client.get("/v1/recommendations/trail/", params={"k": 1}).json()
    assert plain["customer_id"] == "trail" and plain["items"][0]["item_id"] == "I11"
    erased = client.delete("/v1/customers/trail%2F", headers=ADMIN).json()
    assert erased["customer_id"] == "trail/"
    assert client.get("/v1/recommendations/trail", params={"k": 1}).json()["fallback"] is False


@pytest.mark.parametrize("path", ["/v1/recommendations/", "/v1/events/"])
def test_a_trailing_slash_on_a_post_route_answers_as_without(client: TestClient, path: str) -> None:
    body = ({"customer_ids": ["C1"], "k": 2} if "recommendations" in path else
            {"events": [{"customer_id": "C1", "item_id": "I9", "timestamp": "2026-11-03T10:00:00Z"}]})
    r = client.post(path, json=body)
    assert r.status_code in (200, 202), r.text


def test_ids_in_the_batch_body_are_trimmed(client: TestClient) -> None:
    batch = client.post("/v1/recommendations", json={"customer_ids": [" C1 "], "k": 3}).json()
    plain = client.get("/v1/recommendations/C1", params={"k": 3}).json()
    assert batch["results"][0]["customer_id"] == "C1" and batch["results"][0]["items"] == plain["items"]
    visitor = client.post("/v1/recommendations", json={"recent_items": [" I1 "], "k": 3}).json()["results"][0]
    assert visitor["fallback"] is False and "I1" not in [i["item_id"] for i in visitor["items"]]


def test_an_id_of_only_blanks_is_refused(client: TestClient) -> None:
    r = client.get("/v1/recommendations/%20%20")
    assert r.status_code == 422 and "customer_id" in r.json()["message"]


# ---- error bodies ------------------------------------------------------------------------------------
@pytest.mark.parametrize(("method", "path", "headers", "status"), [
    ("POST", "/v1/admin/reload", {}, 401),
    ("POST", "/v1/admin/reload", {"X-API-Key": "wrong"}, 403),
    ("GET", "/v1/items/nothing/similar", {}, 404),
    ("GET", "/no/such/path", {}, 404),
    ("PUT", "/v1/events", {}, 405),
])
def test_every_error_body_has_a_message(client: TestClient, method: str, path: str, headers: dict[str, str],
                                         status: int) -> None:
    r = client.request(method, path, headers=headers)
    body = r.json()
    assert r.status_code == status and isinstance(body["detail"], str)
    assert isinstance(body["message"], str) and body["message"]


def test_the_router_errors_say_what_was_refused(client: TestClient) -> None:
    assert "/no/such/path" in client.get("/no/such/path").json()["message"]
    assert client.put("/v1/events").json()["message"] == "PUT is not allowed on /v1/events; allowed: POST"
    assert client.post("/v1/admin/reload", headers=ADMIN).status_code == 200


def test_a_body_without_content_type_names_the_header(client: TestClient) -> None:
    import json

    r = client.post("/v1/events", content=json.dumps({"events": [EVENT]}).encode())
    assert r.status_code == 422
    assert r.json()["message"] == "request body: the Content-Type header must be application/json (it is missing)"
    r = client.post("/v1/events", content=b"{}", headers={"Content-Type": "text/plain"})
    assert "must be application/json (it is 'text/plain')" in r.json()["message"]


def test_a_body_that_is_not_json_says_where(client: TestClient) -> None:
    r = client.post("/v1/events", content=b'{"events": [\n  {"customer_id": "C1",}]}',
                    headers={"Content-Type": "application/json"})
    assert r.status_code == 422 and isinstance(r.json()["detail"], list)
    assert r.json()["message"] == ("request body is not valid JSON: Expecting property name enclosed in double quotes"
                                   " at line 2, column 24 (character 36)")


def test_every_error_answer_has_its_body_in_the_schema(client: TestClient) -> None:
    from serving.schemas.errors import ErrorBody, ValidationErrorBody

    schema = client.get("/openapi.json").json()
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    for path, operations in schema["paths"].items():
        for operation in operations.values():
            for status, answer in operation["responses"].items():
                if status[0] in "45":
                    ref = answer["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
                    expected = "ValidationErrorBody" if status == "422" else "Readiness" if path == "/ready" else "ErrorBody"
                    assert ref == expected, (path, status)
    ErrorBody.model_validate(client.get("/v1/items/nothing/similar").json())
    ValidationErrorBody.model_validate(client.get("/v1/recommendations/C1", params={"k": 0}).json())


@pytest.mark.parametrize("path", ["/v1/customers/", "/v1/forecasts/", "/v1/customers", "/v1/forecasts"])
def test_a_collection_path_without_an_id_is_a_404_not_a_redirect_loop(client: TestClient, path: str) -> None:
    r = client.get(path, follow_redirects=False)
    assert r.status_code == 404 and "no such path" in r.json()["message"], (r.status_code, r.text)


def test_every_operation_documents_the_422_and_bodies_the_413(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    for path, operations in schema["paths"].items():
        for operation in operations.values():
            assert "422" in operation["responses"], path
            if "requestBody" in operation:
                assert "413" in operation["responses"], path


@pytest.mark.parametrize("headers", [{}, {"X-API-Key": "anything"}])
def test_admin_endpoints_without_a_configured_key_are_disabled(tmp_path, headers: dict[str, str]) -> None:
    from serving.config import ServingSettings
    from serving.main import create_app
    from tests.serving.fakes import FakeSource

    settings = ServingSettings(home=tmp_path / "home", mlruns_dir=tmp_path / "mlruns", database_url=None,
                               admin_api_key=None, access_log=False)
    with TestClient(create_app(settings, source=FakeSource(), load_in_background=False)) as client:
        for method, path in (("POST", "/v1/admin/reload"), ("DELETE", "/v1/customers/C1")):
            r = client.request(method, path, headers=headers)
            assert r.status_code == 403, r.text
            assert r.json()["message"] == "admin endpoints are disabled: SHOPML_ADMIN_API_KEY is unset"
