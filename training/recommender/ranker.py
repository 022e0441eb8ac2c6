"""Stage two: a LightGBM LambdaRank model that orders each customer's candidates."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pandas as pd

from training.errors import NotEnoughData
from training.recommender.candidates import FEATURES

log = logging.getLogger(__name__)

PARALLEL_ROWS = 200_000  # batches this large are scored on all cores (1.8x faster on 2 cores)
MIN_GROUPS = 10  # customers with a bought candidate below which no ranker is learned


@dataclass(frozen=True)
class RankerConfig:
    """LightGBM ranker hyper-parameters (LambdaRank by default; chosen on windows before any cutoff)."""

    objective: str = "lambdarank"
    n_estimators: int = 100
    learning_rate: float = 0.1
    num_leaves: int = 31
    min_child_samples: int = 100
    subsample: float = 0.8
    colsample_bytree: float = 0.8
    reg_lambda: float = 1.0
    truncation_level: int = 10
    negative_rate: float = 1.0
    max_bin: int = 63
    ensemble: int = 1
    n_jobs: int = 1
    seed: int = 7

    def params(self) -> dict[str, object]:
        return asdict(self)


class Ranker:
    """One or more LightGBM boosters whose scores are averaged (members differ in their seed)."""

    def __init__(self, boosters: list[lgb.Booster]) -> None:
        if not boosters:
            raise ValueError("a ranker needs at least one booster")
        self.boosters = boosters

    def predict(self, features: np.ndarray) -> np.ndarray:
        """Mean score of the members (large batches use every core, small ones one thread)."""
        threads = 0 if len(features) >= PARALLEL_ROWS else 1  # 0: LightGBM's default, all cores
        return np.mean([b.predict(features, num_threads=threads) for b in self.boosters], axis=0)

    def save(self, folder: Path, name: str) -> None:
        """Write each member as LightGBM text: `<name>_<k>.txt`."""
        for k, booster in enumerate(self.boosters):
            booster.save_model(str(folder / f"{name}_{k}.txt"))

    @classmethod
    def load(cls, folder: Path, name: str) -> Ranker:
        """Read the members written by `save`."""
        paths = sorted(folder.glob(f"{name}_*.txt"), key=lambda p: int(p.stem.rsplit("_", 1)[1]))
        if not paths:
            raise FileNotFoundError(f"no {name}_*.txt booster in {folder}")
        return cls([lgb.Booster(model_file=str(p)) for p in paths])


def fit_ranker(frame: pd.DataFrame, labels: np.ndarray, config: RankerConfig) -> Ranker:
    """Train `config.ensemble` boosters (seeds seed, seed+1, ...) and average them."""
    return Ranker([_fit_one(frame, labels, replace(config, seed=config.seed + k)) for k in range(config.ensemble)])


def _fit_one(frame: pd.DataFrame, labels: np.ndarray, config: RankerConfig) -> lgb.Booster:
    """Train the ranker on candidates grouped by customer (`c`); groups without a positive are
    dropped and negatives are kept with probability `negative_rate`."""
    keep = pd.Series(labels).groupby(frame["c"].to_numpy()).transform("max").to_numpy() > 0
    if config.negative_rate < 1.0:
        draw = np.random.default_rng(config.seed).random(len(labels))
        keep &= (labels > 0) | (draw < config.negative_rate)
    data = frame.loc[keep]
    y = labels[keep]
    order = np.argsort(data["c"].to_numpy(), kind="stable")
    data, y = data.iloc[order], y[order]
    groups = np.unique(data["c"].to_numpy(), return_counts=True)[1]
    if len(groups) < MIN_GROUPS:
        raise NotEnoughData(f"{len(groups)} customer(s) bought one of their candidates in the label windows; "
                            f"the ranker needs at least {MIN_GROUPS}: it needs more customers who buy again in the "
                            "windows before the cutoff, that is more purchase history before it")
    log.info("ranker: %d rows, %d customers, %.3f positives", len(data), len(groups), float(y.mean()))
    params = {
        "objective": config.objective, "learning_rate": config.learning_rate, "num_leaves": config.num_leaves,
        "min_data_in_leaf": config.min_child_samples, "bagging_fraction": config.subsample, "bagging_freq": 1,
        "feature_fraction": config.colsample_bytree, "lambda_l2": config.reg_lambda,
        "lambdarank_truncation_level": config.truncation_level, "num_threads": config.n_jobs,
        "seed": config.seed, "verbose": -1, "max_bin": config.max_bin,
    }
    features = data[list(FEATURES)].to_numpy(dtype=np.float32)
    dataset = lgb.Dataset(features, y, group=groups if config.objective == "lambdarank" else None,
                          feature_name=list(FEATURES), free_raw_data=True)
    return lgb.train(params, dataset, num_boost_round=config.n_estimators)


def score(ranker: Ranker, frame: pd.DataFrame) -> np.ndarray:
    """Ranker scores of candidate rows (higher is better)."""
    if frame.empty:
        return np.zeros(0)
    return ranker.predict(frame[list(FEATURES)].to_numpy(dtype=np.float32))
