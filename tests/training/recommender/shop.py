"""A small synthetic shop and a fast recommender configuration shared by the recommender tests."""

from __future__ import annotations

from functools import lru_cache

import pandas as pd

from features.synthetic import SyntheticShop, generate_shop
from training.recommender.candidates import CandidateConfig
from training.recommender.model import RecommenderConfig
from training.recommender.ranker import RankerConfig

FAST = RecommenderConfig(
    candidates=CandidateConfig(repeat_n=40, als_n=30, knn_n=20, copurchase_n=20, popular_n=10, region_n=10,
                               als_factors=16, als_iterations=5, knn_neighbours=30, copurchase_neighbours=30),
    ranker=RankerConfig(n_estimators=40, learning_rate=0.1, num_leaves=15, min_child_samples=20),
    window_days=70,
    train_windows=1,
)
WEAK = RecommenderConfig(
    candidates=FAST.candidates,
    ranker=RankerConfig(n_estimators=1, num_leaves=2, min_child_samples=10**7, learning_rate=1e-6),
    window_days=70,
    train_windows=1,
)


@lru_cache(maxsize=1)
def small_shop() -> SyntheticShop:
    """300 customers, 80 items, 300 days (the same every call)."""
    return generate_shop(n_customers=300, n_items=80, days=300, seed=3)


def cutoff_of(shop: SyntheticShop, days: int = 70) -> pd.Timestamp:
    """The evaluation cutoff `days` before the shop's last event."""
    return shop.events["timestamp"].max() - pd.Timedelta(days=days)
