"""The service on real models trained on a small synthetic shop and loaded from the MLflow registry.

Marked slow: training the three families takes over a minute on the shared 2-core machine.
"""

from __future__ import annotations

import datetime as dt
import math
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from serving.config import ServingSettings
from serving.main import create_app
from tests.serving.conftest import ADMIN, _has_runtime

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def real(trained_settings: ServingSettings) -> Iterator[TestClient]:
    with TestClient(create_app(trained_settings, load_in_background=False)) as client:
        yield client


def serving(client: TestClient, family: str) -> Any:
    model = client.app.state.service.holder.snapshot.get(family)  # type: ignore[attr-defined]
    if model is None:
        pytest.skip(f"no {family} model trained in this checkout")
    return model


def test_ready_and_models_come_from_the_registry(real: TestClient) -> None:
    assert real.get("/ready").json()["ready"] is True
    models = {m["family"]: m for m in real.get("/v1/models").json()["models"]}
    for family, info in models.items():
        if _has_runtime(family):
            assert info["status"] == "serving" and info["version"]
            assert info["tags"]["validation_status"] == "passed" and "holdout_score" in info["tags"]


# ---- recommender ---------------------------------------------------------------------------------
def test_real_customer_gets_personal_recommendations(real: TestClient) -> None:
    model = serving(real, "recommender")
    customer = model.runtime.customer_ids()[0]
    body = real.get(f"/v1/recommendations/{customer}", params={"k": 10}).json()
    assert body["fallback"] is False and body["model_version"] == model.version
    assert len(body["items"]) == 10
    assert {i["item_id"] for i in body["items"]} <= set(model.runtime.item_ids())
    assert all(np.isfinite(i["score"]) and i["reason"] for i in body["items"])


def test_unknown_customer_falls_back(real: TestClient) -> None:
    serving(real, "recommender")
    body = real.get("/v1/recommendations/someone-new", params={"k": 5}).json()
    assert body["fallback"] is True and len(body["items"]) == 5


def test_purchase_event_is_reflected_without_retraining(real: TestClient) -> None:
    model = serving(real, "recommender")
    customer = model.runtime.customer_ids()[1]
    shown = {i["item_id"] for i in real.get(f"/v1/recommendations/{customer}", params={"k": 10}).json()["items"]}
    in_stock = [i["item_id"] for i in real.get("/v1/recommendations/nobody", params={"k": 50}).json()["items"]]
    item = next(i for i in reversed(in_stock) if i not in shown)
    now = pd.Timestamp.now(tz="UTC").isoformat()  # later than the training data, not in the future
    event = {"customer_id": customer, "item_id": item, "timestamp": now, "event_type": "purchase"}
    assert real.post("/v1/events", json={"events": [event]}).status_code == 202
    after = real.get(f"/v1/recommendations/{customer}", params={"k": 10}).json()["items"]
    assert item in {i["item_id"] for i in after}
    excluded = real.get(f"/v1/recommendations/{customer}", params={"k": 10, "exclude_purchased": True}).json()
    assert item not in {i["item_id"] for i in excluded["items"]}


def test_similar_items_and_unknown_item(real: TestClient) -> None:
    model = serving(real, "recommender")
    item = model.runtime.item_ids()[0]
    body = real.get(f"/v1/items/{item}/similar", params={"k": 5}).json()
    assert 0 < len(body["items"]) <= 5 and item not in {i["item_id"] for i in body["items"]}
    assert real.get("/v1/items/NOT-AN-ITEM/similar").status_code == 404


def test_anonymous_visitor(real: TestClient) -> None:
    model = serving(real, "recommender")
    recent = model.runtime.item_ids()[:2]
    r = real.post("/v1/recommendations", json={"recent_items": recent, "k": 4})
    assert r.status_code == 200 and len(r.json()["results"][0]["items"]) == 4


def test_deleting_a_customer_erases_store_and_memory(real: TestClient) -> None:
    model = serving(real, "recommender")
    customer = model.runtime.customer_ids()[2]
    store = real.app.state.service.store  # type: ignore[attr-defined]
    assert customer in set(store.read_events()["customer_id"].dropna())
    r = real.delete(f"/v1/customers/{customer}", headers=ADMIN)
    assert r.status_code == 200 and r.json()["events_removed"] > 0
    assert customer not in set(store.read_events()["customer_id"].dropna())
    assert customer in store.erased_customers()
    assert real.get(f"/v1/recommendations/{customer}").json()["fallback"] is True
    if _has_runtime("churn") and real.app.state.service.holder.snapshot.get("churn"):  # type: ignore[attr-defined]
        assert real.get(f"/v1/customers/{customer}/churn").status_code == 404


def test_broken_champion_is_refused_and_the_old_one_keeps_serving(real: TestClient,
                                                                   trained_settings: ServingSettings,
                                                                   tmp_path: Path) -> None:
    from training.tracking import download_model, promote, register_model, tracked_run

    model = serving(real, "recommender")
    folder = tmp_path / "broken"
    shutil.copytree(download_model(trained_settings, "recommender", ref=model.version), folder)
    for npz in folder.rglob("arrays.npz"):
        npz.write_bytes(b"not an npz file")
    with tracked_run(trained_settings, "recommender", "broken") as run_id:
        broken = register_model(run_id, "recommender", folder, candidate_score=0.0, champion_score=1.0,
                                metric="ndcg@10_all_items").version
    promote(trained_settings, "recommender", broken)
    try:
        r = real.post("/v1/admin/reload", headers=ADMIN)
        (rec,) = [x for x in r.json()["results"] if x["family"] == "recommender"]
        assert rec["outcome"] == "refused" and r.json()["serving"]["recommender"] == model.version
        answer = real.get(f"/v1/recommendations/{model.runtime.customer_ids()[0]}")
        assert answer.status_code == 200 and answer.json()["model_version"] == model.version
    finally:
        promote(trained_settings, "recommender", model.version)


# ---- forecast ------------------------------------------------------------------------------------
def test_forecasts_and_replenishment(real: TestClient) -> None:
    model = serving(real, "forecast")
    series = [s for s in model.runtime.series_ids() if not s.startswith("category:") and s != "_total"]
    body = real.get(f"/v1/forecasts/{series[0]}", params={"horizon": 4, "freq": "W"}).json()
    assert len(body["points"]) == 4 and body["model_version"] == model.version
    assert all(dt.date.fromisoformat(p["date"]).weekday() == 0 for p in body["points"])
    assert all(p["p10"] <= p["p50"] <= p["p90"] for p in body["points"])
    assert real.get("/v1/forecasts/_total", params={"horizon": 7, "freq": "D"}).status_code == 200
    assert real.get("/v1/forecasts/NOT-A-SERIES").status_code == 404
    too_far = model.runtime.max_horizon("W") + 1
    if too_far <= 104:
        r = real.get(f"/v1/forecasts/{series[0]}", params={"horizon": too_far})
        assert r.status_code == 422 and "'horizon'" in r.json()["message"]
    plan = real.get(f"/v1/inventory/{series[0]}/replenishment", params={"on_hand": 3})
    assert plan.status_code == 200 and plan.json()["item_id"] == series[0]
    # the review week must fit in the forecast too, and the lead time starts after the begun week's past days
    longest = model.runtime.max_horizon("W") * 7 - model.runtime.elapsed_days() - 7
    fits = real.get(f"/v1/inventory/{series[0]}/replenishment", params={"lead_time_days": longest})
    assert fits.status_code == 200
    beyond = real.get(f"/v1/inventory/{series[0]}/replenishment", params={"lead_time_days": longest + 1})
    assert beyond.status_code == 422 and "'lead_time_days'" in beyond.json()["message"]
    assert f"at most {longest}" in beyond.json()["message"]
    eoq = real.get(f"/v1/inventory/{series[0]}/replenishment",
                   params={"lead_time_days": 7, "on_hand": 0, "order_cost": 40, "holding_cost": 2}).json()
    assert eoq["order_policy"] == "eoq" and eoq["eoq"] > 0
    lots = eoq["suggested_order_quantity"] / math.ceil(eoq["eoq"])
    assert lots == int(lots) >= 1 and eoq["suggested_order_quantity"] > eoq["reorder_point"]


# ---- churn ---------------------------------------------------------------------------------------
def test_churn_profile_and_at_risk(real: TestClient) -> None:
    model = serving(real, "churn")
    customer = model.runtime.customer_ids()[-1]
    churn = real.get(f"/v1/customers/{customer}/churn").json()
    assert 0 <= churn["probability"] <= 1 and churn["horizon_days"] > 0 and churn["model_version"] == model.version
    assert real.get(f"/v1/customers/{customer}/profile").status_code == 200
    assert real.get("/v1/customers/NOT-A-CUSTOMER/churn").status_code == 404
    at_risk = real.get("/v1/customers/at-risk", params={"limit": 5}).json()["customers"]
    assert len(at_risk) <= 5
