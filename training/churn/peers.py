"""Peer churn models fitted in the same run: recency alone, BG/NBD, LightGBM on 8 plain RFM features."""

from __future__ import annotations

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

RFM8: tuple[str, ...] = (
    "recency_days", "tenure_days", "frequency", "purchase_days", "monetary_total", "monetary_mean",
    "orders_30d", "orders_90d",
)


def recency_peer(train: pd.DataFrame, test: pd.DataFrame) -> np.ndarray:
    """Logistic regression of the label on log(1 + recency), fitted on the training window."""
    lr = LogisticRegression().fit(np.log1p(train[["recency_days"]].to_numpy()), train["churned"].to_numpy())
    return lr.predict_proba(np.log1p(test[["recency_days"]].to_numpy()))[:, 1]


def bgnbd_peer(test: pd.DataFrame) -> np.ndarray:
    """BG/NBD fitted on the history before the as-of date: P(no purchase in the horizon)."""
    return test["p_no_purchase_h"].to_numpy(dtype=float)


def bgnbd_expected_purchases_score(test: pd.DataFrame) -> np.ndarray:
    """BG/NBD expected purchases in the horizon, as a churn ranking score (fewer purchases, more risk)."""
    return -test["expected_purchases_h"].to_numpy(dtype=float)


def rfm8_lightgbm_peer(train: pd.DataFrame, test: pd.DataFrame, *, seed: int = 7, n_jobs: int = 2) -> np.ndarray:
    """LightGBM with default-sized trees on the 8 plain RFM features, fitted on the training window."""
    clf = lgb.LGBMClassifier(n_estimators=200, learning_rate=0.05, num_leaves=15, random_state=seed,
                             n_jobs=n_jobs, verbose=-1)
    clf.fit(train[list(RFM8)].astype(float), train["churned"].to_numpy())
    return np.asarray(clf.predict_proba(test[list(RFM8)].astype(float)))[:, 1]
