"""GET /v1/forecasts/{id}."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient

from serving.config import MAX_HORIZON


def test_weekly_forecast(client: TestClient) -> None:
    r = client.get("/v1/forecasts/I1", params={"horizon": 3, "freq": "W"})
    assert r.status_code == 200
    body = r.json()
    assert body["item_id"] == "I1" and body["freq"] == "W" and body["model_version"] == "1"
    assert len(body["points"]) == 3
    first = body["points"][0]
    assert set(first) == {"date", "mean", "p10", "p50", "p90"}
    assert dt.date.fromisoformat(first["date"]).weekday() == 0


@pytest.mark.parametrize("series", ["category:toys", "_total"])
def test_category_and_total(client: TestClient, series: str) -> None:
    r = client.get(f"/v1/forecasts/{series}", params={"horizon": 5, "freq": "D"})
    assert r.status_code == 200 and r.json()["item_id"] == series and len(r.json()["points"]) == 5


def test_unknown_series_is_404(client: TestClient) -> None:
    assert client.get("/v1/forecasts/NOPE").status_code == 404


@pytest.mark.parametrize("params, name", [
    ({"horizon": 0}, "horizon"),
    ({"horizon": MAX_HORIZON + 1}, "horizon"),
    ({"horizon": 53, "freq": "W"}, "horizon"),  # above the model's own maximum
    ({"freq": "M"}, "freq"),
])
def test_bounds_are_422_naming_the_parameter(client: TestClient, params: dict, name: str) -> None:
    r = client.get("/v1/forecasts/I1", params=params)
    assert r.status_code == 422
    assert f"'{name}'" in r.json()["message"]


def test_the_answer_says_what_the_forecast_rests_on(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.serving.fakes import FakeForecast

    assert client.get("/v1/forecasts/I1").json()["basis"] == "history"
    launch = {"basis": "launches", "launch_group": "toys", "launches": 12}
    monkeypatch.setattr(FakeForecast, "basis", lambda self, series_id: launch)
    body = client.get("/v1/forecasts/I1").json()
    assert {k: body[k] for k in launch} == launch
