"""The shopml churn classifier: LightGBM on stacked as-of frames, calibrated on the latest training window.

Saved as a folder: `booster.txt` (LightGBM text model) and `churn_model.json` (columns, region codes,
calibrator). No pickles.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression

from training.churn.dataset import NUMERIC_COLUMNS

log = logging.getLogger(__name__)

BOOSTER_FILE = "booster.txt"
META_FILE = "churn_model.json"
# Features left out of the classifier: undefined without item categories, or constant in every
# training window when the history is shorter than a year (they stay in the customer profile).
EXCLUDED: tuple[str, ...] = ("distinct_categories", "season_share", "season_orders_last_year")
MODEL_COLUMNS: tuple[str, ...] = tuple(c for c in NUMERIC_COLUMNS if c not in EXCLUDED) + ("region_code",)
CALIBRATIONS = ("platt", "isotonic", "none")
# More days since the last order can only raise the churn risk; more orders lately can only lower it.
MONOTONE: dict[str, int] = {"recency_days": 1, "orders_30d": -1, "orders_90d": -1, "p_no_purchase_h": 1}


@dataclass
class ChurnConfig:
    """How the churn model is trained (hyper-parameters chosen on windows before every evaluation cutoff)."""

    horizon_days: int = 90
    step_days: int = 7
    min_history_days: int = 30
    calibration: str = "platt"
    calibration_dates: int = 4
    min_region_customers: int = 50
    learning_rate: float = 0.03
    n_estimators: int = 200
    num_leaves: int = 7
    min_child_samples: int = 100
    reg_lambda: float = 20.0
    subsample: float = 0.8
    colsample_bytree: float = 0.7
    seed: int = 7
    n_jobs: int = 2

    def __post_init__(self) -> None:
        if self.calibration not in CALIBRATIONS:
            raise ValueError(f"calibration must be one of {CALIBRATIONS}, got {self.calibration!r}")
        if self.horizon_days <= 0 or self.step_days <= 0:
            raise ValueError(f"horizon_days and step_days must be positive, got {self.horizon_days}, {self.step_days}")
        if self.calibration_dates < 0:
            raise ValueError(f"calibration_dates must be >= 0, got {self.calibration_dates}")


def lgbm_params(config: ChurnConfig, columns: tuple[str, ...]) -> dict[str, object]:
    """LightGBM parameters of `config`, with monotone constraints aligned to `columns`."""
    return {
        "objective": "binary", "learning_rate": config.learning_rate, "num_leaves": config.num_leaves,
        "min_child_samples": config.min_child_samples, "reg_lambda": config.reg_lambda,
        "subsample": config.subsample, "subsample_freq": 1, "colsample_bytree": config.colsample_bytree,
        "n_estimators": config.n_estimators, "random_state": config.seed, "n_jobs": config.n_jobs,
        "verbose": -1, "monotone_constraints": [MONOTONE.get(c, 0) for c in columns],
    }


@dataclass
class Calibrator:
    """Maps a raw probability to a calibrated one (Platt on the log-odds, isotonic, or identity)."""

    kind: str = "none"
    coef: list[float] = field(default_factory=lambda: [1.0, 0.0])
    x: list[float] = field(default_factory=list)
    y: list[float] = field(default_factory=list)

    @classmethod
    def fit(cls, kind: str, raw: np.ndarray, labels: np.ndarray) -> Calibrator:
        """Fit on raw probabilities of a later window and its labels."""
        if kind == "none" or len(np.unique(labels)) < 2:
            return cls("none")
        if kind == "platt":
            lr = LogisticRegression(C=1e4).fit(_logit(raw)[:, None], labels)
            return cls("platt", coef=[float(lr.coef_[0, 0]), float(lr.intercept_[0])])
        iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(raw, labels)
        return cls("isotonic", x=[float(v) for v in iso.X_thresholds_], y=[float(v) for v in iso.y_thresholds_])

    def apply(self, raw: np.ndarray) -> np.ndarray:
        """Calibrated probabilities."""
        raw = np.asarray(raw, dtype=float)
        if self.kind == "platt":
            return 1.0 / (1.0 + np.exp(-(self.coef[0] * _logit(raw) + self.coef[1])))
        if self.kind == "isotonic":
            return np.interp(raw, self.x, self.y)
        return raw


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=float), 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


class ChurnModel:
    """Calibrated LightGBM churn classifier over `MODEL_COLUMNS`."""

    def __init__(self, config: ChurnConfig | None = None) -> None:
        self.config = config or ChurnConfig()
        self.booster_: lgb.Booster | None = None
        self.regions_: list[str] = []
        self.calibrator_ = Calibrator()
        self.trained_on_: list[str] = []
        self.calibrated_on_: list[str] = []

    def matrix(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The model's input columns for a snapshot frame (region as a small integer code, -1 for rare)."""
        codes = {r: i for i, r in enumerate(self.regions_)}
        x = frame.reindex(columns=list(MODEL_COLUMNS[:-1])).astype(float)
        x["region_code"] = frame["region"].map(codes).fillna(-1).astype(int) if "region" in frame else -1
        return x

    def fit(self, stacked: pd.DataFrame) -> ChurnModel:
        """Train on all but the latest `calibration_dates` as-of dates, calibrate on those; returns self."""
        dates = sorted(stacked["as_of"].unique())
        n_cal = self.config.calibration_dates if self.config.calibration != "none" else 0
        if len(dates) <= n_cal:
            raise ValueError(f"need more than {n_cal} as-of dates to train and calibrate, got {len(dates)}")
        cal_dates = dates[len(dates) - n_cal:] if n_cal else []
        train = stacked[~stacked["as_of"].isin(cal_dates)]
        counts = train["region"].value_counts() if "region" in train else pd.Series(dtype=int)
        self.regions_ = sorted(str(r) for r in counts[counts >= self.config.min_region_customers].index)
        x = self.matrix(train)
        params = lgbm_params(self.config, tuple(x.columns))
        clf = lgb.LGBMClassifier(**params)  # type: ignore[arg-type]
        clf.fit(x, train["churned"].to_numpy(), categorical_feature=["region_code"])
        self.booster_ = clf.booster_
        self.trained_on_ = [str(pd.Timestamp(d).date()) for d in dates if d not in cal_dates]
        if cal_dates:
            cal = stacked[stacked["as_of"].isin(cal_dates)]
            self.calibrator_ = Calibrator.fit(self.config.calibration, self.predict_raw(cal), cal["churned"].to_numpy())
            self.calibrated_on_ = [str(pd.Timestamp(d).date()) for d in cal_dates]
        log.info("churn model: %d rows on %d dates, calibrated (%s) on %s", len(train), len(self.trained_on_),
                 self.calibrator_.kind, self.calibrated_on_)
        return self

    def _booster(self) -> lgb.Booster:
        if self.booster_ is None:
            raise RuntimeError("ChurnModel is not fitted; call fit or load first")
        return self.booster_

    def predict_raw(self, frame: pd.DataFrame) -> np.ndarray:
        """Uncalibrated churn probabilities."""
        return np.asarray(self._booster().predict(self.matrix(frame)), dtype=float)

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        """Calibrated churn probabilities, one per row of `frame`."""
        return self.calibrator_.apply(self.predict_raw(frame))

    def contributions(self, frame: pd.DataFrame) -> pd.DataFrame:
        """LightGBM SHAP contributions (log-odds) per input column; the `bias` column is the expected value."""
        contrib = np.asarray(self._booster().predict(self.matrix(frame), pred_contrib=True))
        return pd.DataFrame(contrib, index=frame.index, columns=[*MODEL_COLUMNS, "bias"])

    def save(self, folder: Path) -> None:
        """Write booster.txt and churn_model.json into `folder`."""
        folder.mkdir(parents=True, exist_ok=True)
        self._booster().save_model(str(folder / BOOSTER_FILE))
        meta = {"config": asdict(self.config), "columns": list(MODEL_COLUMNS), "regions": self.regions_,
                "calibrator": asdict(self.calibrator_), "trained_on": self.trained_on_,
                "calibrated_on": self.calibrated_on_}
        (folder / META_FILE).write_text(json.dumps(meta, indent=1))

    @classmethod
    def load(cls, folder: Path) -> ChurnModel:
        """A model saved by `save`."""
        meta = json.loads((Path(folder) / META_FILE).read_text())
        if tuple(meta["columns"]) != MODEL_COLUMNS:
            raise ValueError(f"saved churn model has columns {meta['columns']}, this code expects {list(MODEL_COLUMNS)}")
        model = cls(ChurnConfig(**meta["config"]))
        model.booster_ = lgb.Booster(model_file=str(Path(folder) / BOOSTER_FILE))
        model.regions_ = list(meta["regions"])
        model.calibrator_ = Calibrator(**meta["calibrator"])
        model.trained_on_, model.calibrated_on_ = meta["trained_on"], meta["calibrated_on"]
        return model
