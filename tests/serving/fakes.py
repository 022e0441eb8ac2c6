"""Small in-memory runtimes with the families' runtime APIs, for the HTTP layer's unit tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, ClassVar

from serving.registry import LoadedModel
from training.forecast.runtime import ForecastRuntime
from training.inventory.policy import LeadTimeTooLong, longest_lead_time

ITEMS = [f"I{i}" for i in range(1, 21)]
CATEGORY = {item: ("toys" if i % 2 else "garden") for i, item in enumerate(ITEMS)}
NEW_ITEM = "N1"  # a never-sold catalogue item: offered only in the last places, when asked for
HISTORY = {"C1": ["I1", "I2"], "C2": ["I3"], "C3": ["I4", "I5", "I6"], "C4": ["I2"], "C5": ["I7"]}


@dataclass
class RecAnswer:
    items: list[tuple[str, float, str]]
    fallback: bool


def with_arrival(items: list[tuple[str, float, str]], k: int, new_arrivals: int) -> list[tuple[str, float, str]]:
    """`items` cut to k, the last place going to NEW_ITEM when `new_arrivals` asks for one."""
    if new_arrivals <= 0:
        return items[:k]
    return [*items[:k - 1], (NEW_ITEM, 0.1, "new in the catalogue")]


class FakeRecommender:
    """Repeat purchases first, then popularity; unknown or opted-out customers get popularity only;
    NEW_ITEM last when `new_arrivals` is asked for."""

    data_end = "2026-11-02T00:00:00+00:00"  # the end of the (pretended) training data
    stored_through: int | None = 0  # trained on an empty store: every stored event is unseen

    def __init__(self, broken: bool = False) -> None:
        self.history = {c: list(items) for c, items in HISTORY.items()}
        self.live: set[tuple[str, str]] = set()  # purchases recorded since training
        self.in_stock: dict[str, bool] = {}
        self.opt_outs: set[str] = set()
        self.forgotten: set[str] = set()  # as the real runtime: erased customers take no new purchase
        self.last_change: dict[tuple[str, str], tuple[float, int]] = {}  # as the real runtime: latest wins, a return at a tie
        self.broken = broken

    def _popular(self, k: int, exclude: set[str], category: str | None) -> list[tuple[str, float, str]]:
        out = []
        for rank, item in enumerate(ITEMS):
            if item in exclude or self.in_stock.get(item) is False:
                continue
            if category is not None and CATEGORY[item] != category:
                continue
            out.append((item, 1.0 / (rank + 1), "popular"))
        return out[:k]

    def recommend(self, customer_id: str, k: int, *, exclude_purchased: bool = False,
                  category: str | None = None, new_arrivals: int = 0) -> RecAnswer:
        if customer_id not in self.history or customer_id in self.opt_outs:
            return RecAnswer(with_arrival(self._popular(k, set(), category), k, new_arrivals), True)
        bought = self.history[customer_id]
        repeat = [] if exclude_purchased else [(i, 2.0, "bought before") for i in reversed(bought)
                                               if category is None or CATEGORY[i] == category]
        rest = self._popular(k, set(bought), category)
        return RecAnswer(with_arrival(repeat + rest, k, new_arrivals), False)

    def recommend_recent(self, recent_items: list[str], k: int, *, category: str | None = None,
                         new_arrivals: int = 0) -> RecAnswer:
        known = [i for i in recent_items if i in CATEGORY]
        return RecAnswer(with_arrival(self._popular(k, set(known), category), k, new_arrivals), not known)

    def similar(self, item_id: str, k: int, *, new_arrivals: int = 0) -> list[tuple[str, float, str]]:
        if item_id not in CATEGORY:
            raise KeyError(item_id)
        return with_arrival([(i, 0.5, "bought together") for i in ITEMS if i != item_id], k, new_arrivals)

    def _stale(self, customer_id: str, item_id: str, at: float | None, kind: int) -> bool:
        last = self.last_change.get((customer_id, item_id))
        if at is not None and last is not None and (at, kind) < last:
            return True
        if at is not None:
            self.last_change[(customer_id, item_id)] = (at, kind)
        return False

    def record_purchase(self, customer_id: str, item_id: str, at: float | None = None) -> bool:
        if item_id not in CATEGORY or customer_id in self.forgotten or self._stale(customer_id, item_id, at, 0):
            return False
        history = self.history.setdefault(customer_id, [])
        if (customer_id, item_id) in self.live:  # as the real runtime: recording again changes nothing
            history.remove(item_id)
        history.append(item_id)
        self.live.add((customer_id, item_id))
        return True

    def record_return(self, customer_id: str, item_id: str, at: float | None = None) -> bool:
        if self._stale(customer_id, item_id, at, 1) or (customer_id, item_id) not in self.live:
            return False
        self.live.discard((customer_id, item_id))
        history = self.history[customer_id]
        del history[len(history) - 1 - history[::-1].index(item_id)]
        if not history:
            del self.history[customer_id]
        return True

    def forget_customer(self, customer_id: str) -> bool:
        self.forgotten.add(customer_id)
        return self.history.pop(customer_id, None) is not None

    def set_in_stock(self, in_stock: dict[str, bool]) -> None:
        self.in_stock = dict(in_stock)

    def set_opt_outs(self, customers: set[str]) -> None:
        self.opt_outs = set(customers)

    def set_categories(self, categories: dict[str, str]) -> None:
        self.categories_from_store = dict(categories)

    def customer_ids(self) -> list[str]:
        return list(self.history)

    def item_ids(self) -> list[str]:
        return list(ITEMS)

    def smoke_check(self) -> None:
        if self.broken:
            raise RuntimeError("factor matrix has NaNs")
        assert self.recommend("C1", 3).items


class FakeForecast:
    """Flat forecasts for the items, one category and the shop total."""

    MAX: ClassVar[dict[str, int]] = {"W": 52, "D": 90}

    def series_ids(self) -> list[str]:
        return [*ITEMS, "category:toys", "_total"]

    def max_horizon(self, freq: str) -> int:
        return self.MAX[freq]

    def forecast(self, series_id: str, horizon: int, freq: str) -> list[dict[str, Any]]:
        if series_id not in self.series_ids():
            raise KeyError(series_id)
        if horizon > self.MAX[freq]:
            raise ValueError(f"horizon {horizon} is above the maximum {self.MAX[freq]} for freq {freq}")
        start, step = dt.date(2026, 11, 23), dt.timedelta(days=7 if freq == "W" else 1)
        return [{"date": start + n * step, "mean": 5.0, "p10": 2.0, "p50": 5.0, "p90": 9.0} for n in range(horizon)]

    def set_items(self, items: dict[str, dict[str, Any]]) -> None:
        self.items_table = dict(items)

    def add_launches(self, items: dict[str, dict[str, Any]]) -> None:
        self.launched = [item for item in items if item not in self.series_ids()]

    def basis(self, series_id: str) -> dict[str, Any]:
        return {"basis": "history"}

    take_items_table = ForecastRuntime.take_items_table  # the real conversion, into set_items above

    def replenishment(self, item_id: str, *, service_level: float = 0.95, lead_time_days: int | None = None,
                      on_hand: float | None = None, order_cost: float | None = None,
                      holding_cost: float | None = None) -> dict[str, Any]:
        if item_id not in ITEMS:
            raise KeyError(item_id)
        lead = 10 if lead_time_days is None else lead_time_days  # the items table's lead time
        if lead > longest_lead_time(self.MAX["W"], 7):
            raise LeadTimeTooLong(f"lead_time_days must be at most {longest_lead_time(self.MAX['W'], 7)}")
        demand = 5.0 / 7 * lead
        safety = 3.0 * service_level
        out: dict[str, Any] = {"service_level": service_level, "lead_time_days": lead, "on_hand": on_hand,
                               "safety_stock": safety, "reorder_point": demand + safety,
                               "days_of_cover": float("inf") if on_hand else None, "missing": [],
                               "eoq": None if order_cost is None or holding_cost is None else 10.0}
        if on_hand is None:
            out["missing"] = ["stock_on_hand"]
        else:
            out["suggested_order_quantity"] = max(0.0, demand + safety - on_hand)
            out["stockout_probability"] = 0.0
        return out

    def smoke_check(self) -> None:
        self.forecast("_total", 2, "W")


class FakeChurn:
    """Churn probabilities and profiles for the customers of HISTORY."""

    horizon_days = 90
    as_of = "2026-11-02"

    def __init__(self) -> None:
        self.customers = {c: 0.1 * (n + 1) for n, c in enumerate(HISTORY)}

    def customer_ids(self) -> list[str]:
        return list(self.customers)

    def churn(self, customer_id: str) -> dict[str, Any]:
        p = self.customers[customer_id]
        return {"probability": p, "risk": "high" if p > 0.3 else "low", "horizon_days": 90,
                "top_factors": ["40 days since the last purchase", "fewer orders than usual"], "as_of": self.as_of}

    def profile(self, customer_id: str) -> dict[str, Any]:
        p = self.customers[customer_id]
        return {"rfm_segment": "loyal", "lifecycle_stage": "active", "expected_value_12m": 100 * (1 - p),
                "as_of": self.as_of}

    def at_risk(self, limit: int, *, offset: int = 0, stages: list[str] | None = None) -> dict[str, Any]:
        ranked = sorted(self.customers.items(), key=lambda kv: -kv[1])
        rows = [{"customer_id": c, "probability": p, "expected_value_lost": 100 * p, "rfm_segment": "loyal",
                 "lifecycle_stage": "at risk"} for c, p in ranked]
        return {"customers": rows[offset:offset + limit], "total": len(rows), "stages": ["at risk", "churned"]}

    def forget_customer(self, customer_id: str) -> bool:
        return self.customers.pop(customer_id, None) is not None

    def smoke_check(self) -> None:
        assert self.at_risk(1)


@dataclass
class FakeSource:
    """A model registry in memory: champion versions per family, some of them broken."""

    champions: dict[str, str] = field(default_factory=lambda: {"recommender": "1", "forecast": "1", "churn": "1"})
    broken: set[tuple[str, str]] = field(default_factory=set)  # fails its smoke check
    unloadable: set[tuple[str, str]] = field(default_factory=set)  # fails to download/load
    fetched: list[tuple[str, str]] = field(default_factory=list)

    def champion_version(self, family: str) -> str | None:
        return self.champions.get(family)

    def fetch(self, family: str, version: str) -> LoadedModel:
        self.fetched.append((family, version))
        if (family, version) in self.unloadable:
            raise OSError(f"cannot read {family} v{version}")
        runtime: Any
        if family == "recommender":
            runtime = FakeRecommender(broken=(family, version) in self.broken)
        elif family == "forecast":
            runtime = FakeForecast()
        else:
            runtime = FakeChurn()
            if (family, version) in self.broken:
                runtime.smoke_check = lambda: False  # type: ignore[method-assign]
        return LoadedModel(family, version, runtime, {"holdout_metric": "score", "holdout_score": "0.5"})
