"""An evaluate table logged to MLflow: its cells become metrics named after the row and column."""

from __future__ import annotations

import pandas as pd

from features.settings import Settings
from training.evaluation.report import log_table
from training.tracking import tracked_run


def logged_metrics(settings: Settings, frame: pd.DataFrame) -> dict[str, float]:
    from mlflow import MlflowClient

    with tracked_run(settings, "test", run_name="evaluate") as run_id:
        log_table(frame, "backtest")
    metrics = MlflowClient(tracking_uri=settings.tracking_uri).get_run(run_id).data.metrics
    return {key: value for key, value in metrics.items() if key.startswith("backtest.")}  # not the run's own


def test_a_two_level_row_is_named_by_its_levels(settings: Settings) -> None:
    # the recommender's table is indexed by (mode, model)
    index = pd.MultiIndex.from_tuples([("all items", "shopml"), ("new items", "als")], names=["mode", "model"])
    frame = pd.DataFrame({"ndcg@10": [0.4, 0.1], "customers": [120, 80]}, index=index)
    assert logged_metrics(settings, frame) == {
        "backtest.all_items.shopml.ndcg_10": 0.4, "backtest.all_items.shopml.customers": 120.0,
        "backtest.new_items.als.ndcg_10": 0.1, "backtest.new_items.als.customers": 80.0,
    }


def test_a_plain_row_keeps_its_name_and_nan_cells_are_left_out(settings: Settings) -> None:
    frame = pd.DataFrame({"ROC-AUC": [0.7, 0.6], "Brier": [0.2, float("nan")]},
                         index=pd.Index(["shopml", "BG/NBD expected purchases"], name="model"))
    assert logged_metrics(settings, frame) == {
        "backtest.shopml.ROC-AUC": 0.7, "backtest.shopml.Brier": 0.2, "backtest.BG/NBD_expected_purchases.ROC-AUC": 0.6,
    }
