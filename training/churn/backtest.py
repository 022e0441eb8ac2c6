"""The churn backtest: shopml and its peers fitted in one run on the same temporal split, one table."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, roc_auc_score

from features.timestamps import as_utc
from training.churn.dataset import customer_sample, labelled_frame, stacked_frame, training_dates
from training.churn.metrics import METRIC_COLUMNS, churn_metrics, top_decile_lift
from training.churn.model import ChurnConfig, ChurnModel
from training.churn.peers import (
    bgnbd_expected_purchases_score,
    bgnbd_peer,
    recency_peer,
    rfm8_lightgbm_peer,
)
from training.errors import NotEnoughData
from training.evaluation.bootstrap import paired_interval

log = logging.getLogger(__name__)

SHOPML = "shopml"
PEERS: tuple[str, ...] = ("recency alone", "BG/NBD P(no purchase)", "BG/NBD expected purchases",
                          "LightGBM on 8 RFM features")


@dataclass
class BacktestResult:
    """The metrics table (rows: models) and the evaluation frame with every model's scores."""

    table: pd.DataFrame
    scores: pd.DataFrame
    model: ChurnModel
    test: pd.DataFrame
    as_of: pd.Timestamp
    training_dates: list[pd.Timestamp]
    auc_gap: tuple[str, float, float, float] | None = None  # auc_gap_interval(self); set by pipeline.evaluate

    def targets(self) -> pd.DataFrame:
        """Each issue target with the measured value, the bar and whether it is met."""
        t, peers = self.table, self.table.drop(index=SHOPML)
        rows = [
            ("ROC-AUC >= best peer + 0.015", t.loc[SHOPML, "ROC-AUC"], peers["ROC-AUC"].max() + 0.015, True),
            ("Brier below every peer", t.loc[SHOPML, "Brier"], peers["Brier"].min(), False),
            ("ECE <= 0.03", t.loc[SHOPML, "ECE"], 0.03, False),
            ("top-decile lift >= best peer", t.loc[SHOPML, "lift@10%"], peers["lift@10%"].max(), True),
        ]
        out = pd.DataFrame(
            [(name, value, bar, bool(value >= bar) if higher else bool(value <= bar if "ECE" in name else value < bar))
             for name, value, bar, higher in rows],
            columns=["target", "shopml", "bar", "met"],
        )
        return out.set_index("target")


def rank_metrics(y: np.ndarray, score: np.ndarray) -> dict[str, float]:
    """Metrics of a score that is not a probability (Brier and ECE are undefined: NaN)."""
    return {"ROC-AUC": float(roc_auc_score(y, score)), "PR-AUC": float(average_precision_score(y, score)),
            "Brier": float("nan"), "ECE": float("nan"), "lift@10%": top_decile_lift(y, score)}


def run_backtest(
    events: pd.DataFrame,
    *,
    as_of: pd.Timestamp | str,
    config: ChurnConfig | None = None,
    customers: pd.DataFrame | None = None,
    items: pd.DataFrame | None = None,
) -> BacktestResult:
    """Fit shopml and the peers on windows whose labels end by `as_of`, evaluate all on (as_of, as_of + H]."""
    config = config or ChurnConfig()
    as_of = as_utc(as_of)
    horizon = config.horizon_days
    if events["timestamp"].max() < as_of + pd.Timedelta(days=horizon - 1):
        raise NotEnoughData(f"the events end {events['timestamp'].max()}, before the label window of {as_of.date()} "
                            f"+ {horizon} days is complete")
    dates = training_dates(events, before=as_of, horizon_days=horizon, step_days=config.step_days,
                           min_history_days=config.min_history_days)
    if len(dates) < 2:
        raise NotEnoughData(f"need at least 2 training as-of dates before {as_of.date()} with {horizon}-day labels, got {len(dates)}")
    log.info("churn backtest: %d training dates %s .. %s, evaluation %s", len(dates), dates[0].date(), dates[-1].date(), as_of.date())
    stacked = stacked_frame(customer_sample(events, config.max_customers, seed=config.seed), dates, horizon_days=horizon,
                            customers=customers, items=items)
    test = labelled_frame(events, as_of=as_of, horizon_days=horizon, customers=customers, items=items)
    latest = stacked[stacked["as_of"] == dates[-1]]
    model = ChurnModel(config).fit(stacked).anchor(test)  # the level shift reads features only, no labels
    y = test["churned"].to_numpy()
    probs = {
        "recency alone": recency_peer(latest, test),
        "BG/NBD P(no purchase)": bgnbd_peer(test),
        "LightGBM on 8 RFM features": rfm8_lightgbm_peer(latest, test, seed=config.seed, n_jobs=config.n_jobs),
        SHOPML: model.predict_proba(test),
    }
    rows = {name: churn_metrics(y, p) for name, p in probs.items()}
    expected = bgnbd_expected_purchases_score(test)
    rows["BG/NBD expected purchases"] = rank_metrics(y, expected)
    order = [*PEERS, SHOPML]
    table = pd.DataFrame.from_dict(rows, orient="index").loc[order, list(METRIC_COLUMNS)]
    table.index.name = "model"
    scores = pd.DataFrame({"churned": y, **probs, "BG/NBD expected purchases": expected}, index=test.index)
    return BacktestResult(table, scores, model, test, as_of, dates)


def auc_gap_interval(result: BacktestResult, *, draws: int = 1000) -> tuple[str, float, float, float]:
    """shopml's ROC-AUC minus the best peer's, with its 95% paired-bootstrap interval over customers:
    (best peer, gap, low, high)."""
    peer = str(result.table.drop(index=SHOPML)["ROC-AUC"].idxmax())
    y = result.scores["churned"].to_numpy()
    mine, theirs = result.scores[SHOPML].to_numpy(), result.scores[peer].to_numpy()

    def gap(units: np.ndarray) -> float:
        if len(np.unique(y[units])) < 2:
            return float("nan")
        return float(roc_auc_score(y[units], mine[units]) - roc_auc_score(y[units], theirs[units]))

    low, high = paired_interval(gap, len(y), draws=draws)
    return peer, gap(np.arange(len(y))), low, high
