"""Non-personal candidates: popular in the last days, trending, popular in the customer's region."""

from __future__ import annotations

import numpy as np
import pandas as pd

from training.recommender.interactions import Interactions


class PopularitySource:
    """Distinct recent buyers per item, overall and per region, and a trend score."""

    def __init__(self, *, window_days: int = 30, region_window_days: int = 90) -> None:
        self.window_days = window_days
        self.region_window_days = region_window_days

    def fit(self, events: pd.DataFrame, history: Interactions, regions: dict[str, str]) -> PopularitySource:
        """Count recent distinct buyers of every history item (customers without an id count too)."""
        as_of = history.as_of
        n_items = len(history.items)
        window = events[(events["timestamp"] < as_of)
                        & (events["timestamp"] >= as_of - pd.Timedelta(days=2 * self.region_window_days))]
        if "event_type" in window.columns:
            window = window[window["event_type"] == "purchase"]
        idx = pd.Categorical(window["item_id"].astype(str), categories=history.items).codes
        age = ((as_of - window["timestamp"]).dt.total_seconds() / 86400.0).to_numpy()
        buyer = window["customer_id"].fillna(window.get("order_id", "")).astype(str).to_numpy()
        frame = pd.DataFrame({"i": idx, "b": buyer, "age": age})
        frame = frame[frame["i"] >= 0]

        def distinct(days_from: float, days_to: float) -> np.ndarray:
            part = frame[(frame["age"] >= days_from) & (frame["age"] < days_to)].drop_duplicates(["i", "b"])
            return np.bincount(part["i"].to_numpy(), minlength=n_items).astype(np.float32)

        self.popular_ = distinct(0, self.window_days)
        previous = distinct(self.window_days, 2 * self.window_days)
        self.trending_ = (self.popular_ - previous) / np.sqrt(previous + 10.0)
        self.region_names_, self.region_popular_ = self._by_region(history, regions)
        region_of = np.array([regions.get(c, "") for c in history.customers], dtype=object)
        lookup = {r: k for k, r in enumerate(self.region_names_)}
        self.customer_region_ = np.array([lookup.get(r, -1) for r in region_of], dtype=np.int64)
        return self

    def _by_region(self, history: Interactions, regions: dict[str, str]) -> tuple[np.ndarray, np.ndarray]:
        start = history.as_of - pd.Timedelta(days=self.region_window_days)
        names = np.array(sorted({regions.get(c, "") for c in history.customers} - {""}), dtype=object)
        if len(names) == 0:
            return names, np.zeros((0, len(history.items)), dtype=np.float32)
        recent = (history.last_age.tocoo())
        keep = recent.data - 1.0 < (history.as_of - start).days
        region_of = pd.Categorical([regions.get(c, "") for c in history.customers], categories=names).codes
        r = region_of[recent.row[keep]]
        ok = r >= 0
        counts = np.zeros((len(names), len(history.items)), dtype=np.float32)
        np.add.at(counts, (r[ok], recent.col[keep][ok]), 1.0)
        totals = np.bincount(region_of[region_of >= 0], minlength=len(names)).astype(np.float32)
        return names, counts / np.maximum(totals, 1.0)[:, None]

    def region_scores(self, rows: np.ndarray) -> np.ndarray:
        """Dense block (rows x items): share of the customer's region who bought the item lately."""
        out = np.zeros((len(rows), len(self.popular_)), dtype=np.float32)
        reg = self.customer_region_[rows]
        has = reg >= 0
        out[has] = self.region_popular_[reg[has]]
        return out
