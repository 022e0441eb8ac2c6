"""The shopml churn classifier: LightGBM on stacked as-of frames, its log-odds averaged with a linear
model's (linear.py), calibrated (Platt) on the latest training windows, then retrained on every window;
`anchor` sets the overall level from BG/NBD's forecast for the scored population (anchor.py).

Saved as a folder: `booster.txt` (LightGBM text model; `booster_1.txt`, ... for further seeds) and
`churn_model.json` (columns, region codes, calibrator, linear part, level shift). No pickles.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression

from training.churn.anchor import level_shift, shifted
from training.churn.dataset import NUMERIC_COLUMNS
from training.churn.linear import LinearPart
from training.churn.logodds import logit
from training.errors import NotEnoughData

log = logging.getLogger(__name__)

BOOSTER_FILE = "booster.txt"
META_FILE = "churn_model.json"
# Features left out of the classifier: undefined without item categories, constant in every training
# window when the history is shorter than a year, or no better on the validation windows (2010-06-11
# on Online Retail II, 1997-12-31 on CDNOW). They stay in the feature frame.
EXCLUDED: tuple[str, ...] = ("distinct_categories", "season_share", "season_orders_last_year", "gap_cv",
                             "recency_tenure_ratio", "active_month_share")
MODEL_COLUMNS: tuple[str, ...] = tuple(c for c in NUMERIC_COLUMNS if c not in EXCLUDED) + ("region_code",)
CALIBRATIONS = ("platt", "isotonic", "blend", "none")
ANCHORS = ("bgnbd", "none")
# More days since the last order can only raise the churn risk; more orders lately can only lower it.
MONOTONE: dict[str, int] = {"recency_days": 1, "orders_30d": -1, "orders_90d": -1, "p_no_purchase_h": 1}


@dataclass
class ChurnConfig:
    """How the churn model is trained (hyper-parameters chosen on windows before every evaluation cutoff)."""

    horizon_days: int = 90
    step_days: int = 7
    min_history_days: int = 30
    max_customers: int = 20_000  # customers whose history trains the model (a seeded sample above it)
    calibration: str = "platt"
    calibration_dates: int = 4
    exclude: tuple[str, ...] = ()  # further feature columns to leave out
    date_weight: float = 0.0  # rows of the latest date weigh (1 + date_weight) times those of the oldest
    boost_from_bgnbd: bool = False  # start boosting from the BG/NBD log-odds instead of a constant
    refit_all: bool = True  # after calibrating, retrain the booster on every date, calibration dates included
    linear_weight: float = 0.5  # share of the linear model (linear.py) in the log-odds, the rest is LightGBM
    linear_c: float = 1.0  # inverse L2 strength of the linear model
    anchor: str = "bgnbd"  # "bgnbd": the mean churn of the scored population is BG/NBD's (see anchor.py)
    min_region_customers: int = 50
    learning_rate: float = 0.03
    n_estimators: int = 200
    num_leaves: int = 7
    min_child_samples: int = 100
    reg_lambda: float = 20.0
    subsample: float = 0.8
    colsample_bytree: float = 0.7
    seed: int = 7
    n_seeds: int = 1  # boosters trained with different seeds, log-odds averaged
    n_jobs: int = 2

    def __post_init__(self) -> None:
        if self.calibration not in CALIBRATIONS:
            raise ValueError(f"calibration must be one of {CALIBRATIONS}, got {self.calibration!r}")
        if self.horizon_days <= 0 or self.step_days <= 0:
            raise ValueError(f"horizon_days and step_days must be positive, got {self.horizon_days}, {self.step_days}")
        if self.anchor not in ANCHORS:
            raise ValueError(f"anchor must be one of {ANCHORS}, got {self.anchor!r}")
        if not 0.0 <= self.linear_weight <= 1.0:
            raise ValueError(f"linear_weight must be in [0, 1], got {self.linear_weight}")
        if self.n_seeds < 1:
            raise ValueError(f"n_seeds must be >= 1, got {self.n_seeds}")
        if self.max_customers < 1:
            raise ValueError(f"max_customers must be >= 1, got {self.max_customers}")
        if self.calibration_dates < 0:
            raise ValueError(f"calibration_dates must be >= 0, got {self.calibration_dates}")


def required_history_days(config: ChurnConfig) -> int:
    """Days of events an evaluation as-of date needs before it. `run_backtest` wants 2 training as-of
    dates and `ChurnModel.fit` more than `calibration_dates`; `training_dates` puts them `step_days`
    apart, the newest `horizon_days` before the as-of and the oldest `min_history_days` after the first event."""
    calibration = config.calibration_dates if config.calibration != "none" else 0
    dates = max(2, calibration + 1)
    return config.min_history_days + config.horizon_days + (dates - 1) * config.step_days


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
    """Maps a raw probability to a calibrated one: Platt on the log-odds, isotonic, identity, or "blend"
    (logistic regression on the model's and BG/NBD's log-odds, so the later window also sets their weights)."""

    kind: str = "none"
    coef: list[float] = field(default_factory=lambda: [1.0, 0.0])
    x: list[float] = field(default_factory=list)
    y: list[float] = field(default_factory=list)

    @classmethod
    def fit(cls, kind: str, raw: np.ndarray, labels: np.ndarray, bgnbd: np.ndarray | None = None) -> Calibrator:
        """Fit on raw probabilities of a later window and its labels (and BG/NBD's for "blend")."""
        if kind == "none" or len(np.unique(labels)) < 2:
            return cls("none")
        if kind == "blend":
            if bgnbd is None:
                raise ValueError("blend calibration needs the BG/NBD probabilities")
            lr = LogisticRegression(C=1e4).fit(np.c_[logit(raw), logit(bgnbd)], labels)
            return cls("blend", coef=[float(lr.coef_[0, 0]), float(lr.intercept_[0]), float(lr.coef_[0, 1])])
        if kind == "platt":
            lr = LogisticRegression(C=1e4).fit(logit(raw)[:, None], labels)
            return cls("platt", coef=[float(lr.coef_[0, 0]), float(lr.intercept_[0])])
        iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(raw, labels)
        return cls("isotonic", x=[float(v) for v in iso.X_thresholds_], y=[float(v) for v in iso.y_thresholds_])

    def apply(self, raw: np.ndarray, bgnbd: np.ndarray | None = None) -> np.ndarray:
        """Calibrated probabilities."""
        raw = np.asarray(raw, dtype=float)
        if self.kind == "blend":
            if bgnbd is None:
                raise ValueError("blend calibration needs the BG/NBD probabilities")
            z = self.coef[0] * logit(raw) + self.coef[2] * logit(bgnbd) + self.coef[1]
            return 1.0 / (1.0 + np.exp(-z))
        if self.kind == "platt":
            return 1.0 / (1.0 + np.exp(-(self.coef[0] * logit(raw) + self.coef[1])))
        if self.kind == "isotonic":
            return np.interp(raw, self.x, self.y)
        return raw


def _booster_file(i: int) -> str:
    """File name of the i-th booster: booster.txt, then booster_1.txt, booster_2.txt, ..."""
    return BOOSTER_FILE if i == 0 else BOOSTER_FILE.replace(".txt", f"_{i}.txt")


def _bgnbd(frame: pd.DataFrame) -> np.ndarray:
    p = frame["p_no_purchase_h"].to_numpy(dtype=float) if "p_no_purchase_h" in frame else np.full(len(frame), 0.5)
    return np.where(np.isfinite(p), p, 0.5)


class ChurnModel:
    """Calibrated LightGBM churn classifier over `MODEL_COLUMNS` minus `config.exclude`."""

    def __init__(self, config: ChurnConfig | None = None) -> None:
        self.config = config or ChurnConfig()
        self.boosters_: list[lgb.Booster] = []
        self.regions_: list[str] = []
        self.calibrator_ = Calibrator()
        self.trained_on_: list[str] = []
        self.calibrated_on_: list[str] = []
        self.init_mean_ = 0.0
        self.level_shift_ = 0.0
        self.linear_: LinearPart | None = None

    @property
    def columns(self) -> tuple[str, ...]:
        """Input columns: MODEL_COLUMNS without the configured exclusions."""
        return tuple(c for c in MODEL_COLUMNS if c not in self.config.exclude)

    def matrix(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The model's input columns for a snapshot frame (region as a small integer code, missing for
        rare or unknown regions: LightGBM's reading of a negative code, without its warning)."""
        codes = {r: float(i) for i, r in enumerate(self.regions_)}
        x = frame.reindex(columns=[c for c in self.columns if c != "region_code"]).astype(float)
        if "region_code" in self.columns:
            x["region_code"] = frame["region"].map(codes).astype(float) if "region" in frame else np.nan
        return x

    def fit(self, stacked: pd.DataFrame) -> ChurnModel:
        """Train on all but the latest `calibration_dates` as-of dates, calibrate on those; returns self.

        With `refit_all`, the booster is then trained again on every date (the calibration dates
        included) and the calibrator fitted on the held-out dates is kept for it.
        """
        dates = sorted(stacked["as_of"].unique())
        n_cal = self.config.calibration_dates if self.config.calibration != "none" else 0
        if len(dates) <= n_cal:
            raise NotEnoughData(f"need more than {n_cal} as-of dates to train and calibrate, got {len(dates)}")
        cal_dates = dates[len(dates) - n_cal:] if n_cal else []
        train = stacked[~stacked["as_of"].isin(cal_dates)]
        counts = train["region"].value_counts() if "region" in train else pd.Series(dtype=int)
        self.regions_ = sorted(str(r) for r in counts[counts >= self.config.min_region_customers].index)
        self._train_booster(train)
        self.trained_on_ = [str(pd.Timestamp(d).date()) for d in dates if d not in cal_dates]
        if cal_dates:
            cal = stacked[stacked["as_of"].isin(cal_dates)]
            self.calibrator_ = Calibrator.fit(self.config.calibration, self.predict_raw(cal), cal["churned"].to_numpy(),
                                              _bgnbd(cal))
            self.calibrated_on_ = [str(pd.Timestamp(d).date()) for d in cal_dates]
            if self.config.refit_all:
                self._train_booster(stacked)
                self.trained_on_ = [str(pd.Timestamp(d).date()) for d in dates]
        log.info("churn model: trained on %d dates, calibrated (%s) on %s", len(self.trained_on_),
                 self.calibrator_.kind, self.calibrated_on_)
        return self

    def _train_booster(self, train: pd.DataFrame) -> None:
        """Fit `n_seeds` LightGBM boosters (seeds differ), and the linear part, on `train` (labelled rows)."""
        x = self.matrix(train)
        init = self._init_score(train)
        cats: list[str] | Literal["auto"] = ["region_code"] if "region_code" in x.columns else "auto"
        self.boosters_ = []
        for i in range(self.config.n_seeds):
            params = {**lgbm_params(self.config, tuple(x.columns)), "random_state": self.config.seed + 101 * i}
            clf = lgb.LGBMClassifier(**params)  # type: ignore[arg-type]
            clf.fit(x, train["churned"].to_numpy(), categorical_feature=cats, init_score=init,
                    sample_weight=self._weights(train))
            self.boosters_.append(clf.booster_)
        self.init_mean_ = float(np.mean(init)) if init is not None else 0.0
        self.linear_ = None
        if self.config.linear_weight > 0:
            self.linear_ = LinearPart.fit(train, train["churned"].to_numpy(), c=self.config.linear_c,
                                          sample_weight=self._weights(train))

    def _boosters(self) -> list[lgb.Booster]:
        if not self.boosters_:
            raise RuntimeError("ChurnModel is not fitted; call fit or load first")
        return self.boosters_

    def _weights(self, train: pd.DataFrame) -> np.ndarray | None:
        """Per-row weights growing linearly with the as-of date (None when date_weight is 0)."""
        if not self.config.date_weight:
            return None
        t = train["as_of"].astype("int64").to_numpy(dtype=float)
        span = max(t.max() - t.min(), 1.0)
        return 1.0 + self.config.date_weight * (t - t.min()) / span

    def _init_score(self, frame: pd.DataFrame) -> np.ndarray | None:
        """BG/NBD log-odds of no purchase in the horizon (when boosting from BG/NBD), else None."""
        if not self.config.boost_from_bgnbd:
            return None
        p = frame["p_no_purchase_h"].to_numpy(dtype=float)
        return logit(np.where(np.isfinite(p), p, 0.5))

    def _tree_margin(self, frame: pd.DataFrame) -> np.ndarray:
        x = self.matrix(frame)
        raw = np.mean([np.asarray(b.predict(x, raw_score=True), dtype=float) for b in self._boosters()], axis=0)
        init = self._init_score(frame)
        return raw if init is None else raw + init

    def margin(self, frame: pd.DataFrame) -> np.ndarray:
        """Uncalibrated log-odds of churn: LightGBM's, averaged with the linear part's by `linear_weight`."""
        trees = self._tree_margin(frame)
        if self.linear_ is None:
            return trees
        w = self.config.linear_weight
        return (1 - w) * trees + w * self.linear_.margin(frame)

    def predict_raw(self, frame: pd.DataFrame) -> np.ndarray:
        """Uncalibrated churn probabilities."""
        return 1.0 / (1.0 + np.exp(-self.margin(frame)))

    def calibrated(self, frame: pd.DataFrame) -> np.ndarray:
        """Churn probabilities after calibration, before the level shift."""
        return self.calibrator_.apply(self.predict_raw(frame), _bgnbd(frame))

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        """Calibrated, level-anchored churn probabilities, one per row of `frame`."""
        return shifted(self.calibrated(frame), self.level_shift_)

    def anchor(self, population: pd.DataFrame) -> ChurnModel:
        """Set the level shift from the whole customer population at one as-of (features only, no labels).

        With `anchor="bgnbd"` the mean churn probability over `population` becomes the mean BG/NBD
        P(no purchase in the horizon); customers without a BG/NBD value are left out of both means.
        """
        self.level_shift_ = 0.0
        if self.config.anchor == "none" or "p_no_purchase_h" not in population:
            return self
        reference = population["p_no_purchase_h"].to_numpy(dtype=float)
        known = np.isfinite(reference)
        if known.any():
            self.level_shift_ = level_shift(self.calibrated(population)[known], float(reference[known].mean()))
        log.info("churn model: level shift %.3f (log-odds) to the BG/NBD mean", self.level_shift_)
        return self

    def contributions(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Contributions (log-odds) per input column, LightGBM SHAP plus the linear part's exact terms,
        weighted like `margin`; the `bias` column is the expected value. Rows add up to `margin`."""
        x = self.matrix(frame)
        contrib = np.mean([np.asarray(b.predict(x, pred_contrib=True)) for b in self._boosters()], axis=0)
        out = pd.DataFrame(contrib, index=frame.index, columns=[*self.columns, "bias"])
        init = self._init_score(frame)
        if init is not None:  # the BG/NBD starting point counts as the p_no_purchase_h feature's share
            out["p_no_purchase_h"] += init - self.init_mean_
            out["bias"] += self.init_mean_
        if self.linear_ is None:
            return out
        w = self.config.linear_weight
        return out.mul(1 - w).add(self.linear_.contributions(frame).mul(w), fill_value=0.0)

    def save(self, folder: Path) -> None:
        """Write booster.txt and churn_model.json into `folder`."""
        folder.mkdir(parents=True, exist_ok=True)
        for i, booster in enumerate(self._boosters()):
            booster.save_model(str(folder / _booster_file(i)))
        meta = {"config": asdict(self.config), "columns": list(self.columns), "regions": self.regions_,
                "calibrator": asdict(self.calibrator_), "trained_on": self.trained_on_,
                "calibrated_on": self.calibrated_on_, "init_mean": self.init_mean_,
                "level_shift": self.level_shift_,
                "linear": asdict(self.linear_) if self.linear_ is not None else None}
        (folder / META_FILE).write_text(json.dumps(meta, indent=1))

    @classmethod
    def load(cls, folder: Path) -> ChurnModel:
        """A model saved by `save`."""
        meta = json.loads((Path(folder) / META_FILE).read_text())
        config = meta["config"]
        model = cls(ChurnConfig(**{**config, "exclude": tuple(config.get("exclude", ()))}))
        if tuple(meta["columns"]) != model.columns:
            raise ValueError(f"saved churn model has columns {meta['columns']}, this code expects {list(model.columns)}")
        model.boosters_ = [lgb.Booster(model_file=str(Path(folder) / _booster_file(i)))
                           for i in range(model.config.n_seeds)]
        model.regions_ = list(meta["regions"])
        model.calibrator_ = Calibrator(**meta["calibrator"])
        model.trained_on_, model.calibrated_on_ = meta["trained_on"], meta["calibrated_on"]
        model.init_mean_ = float(meta.get("init_mean", 0.0))
        model.level_shift_ = float(meta.get("level_shift", 0.0))
        model.linear_ = LinearPart(**meta["linear"]) if meta.get("linear") else None
        return model
