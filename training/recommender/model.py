"""The two-stage model end to end: fit the sources, train the rankers on earlier windows, rank."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from features.timestamps import as_utc
from training.errors import NotEnoughData
from training.recommender.candidates import (
    CandidateConfig,
    FittedSources,
    candidate_frame,
    fit_sources,
)
from training.recommender.interactions import (
    Truth,
    build_interactions,
    sample_customers,
    truth_window,
)
from training.recommender.ranker import Ranker, RankerConfig, fit_ranker
from training.recommender.sources.catalogue import CatalogueConfig

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RecommenderConfig:
    """Everything that defines a recommender fit.

    Chosen on the Online Retail II windows ending 2010-07-23 (features as of 2010-05-14 and
    2010-03-05 for the rankers): two LambdaRank models, one on all candidates and one on items the
    customer never bought, each trained on the two latest 70-day windows with 30% of negatives and averaged over
    three seeds."""

    candidates: CandidateConfig = field(default_factory=CandidateConfig)
    catalogue: CatalogueConfig = field(default_factory=CatalogueConfig)
    ranker: RankerConfig = field(default_factory=lambda: RankerConfig(negative_rate=0.3, ensemble=3))
    new_ranker: RankerConfig = field(default_factory=lambda: RankerConfig(negative_rate=0.3, ensemble=3))
    window_days: int = 70
    train_windows: int = 2
    k: int = 10
    max_customers: int = 10_000  # buying customers per ranker window and holdout (a seeded sample above it)

    def __post_init__(self) -> None:
        for name in ("window_days", "train_windows", "k", "max_customers"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")

    @classmethod
    def from_recipe(cls, recipe: str) -> RecommenderConfig:
        """The settings a saved `recipe` (training.promotion.recipe) holds; ValueError when this
        version of shopml cannot rebuild them (unknown or missing fields)."""
        try:
            values = json.loads(recipe)
            parts = {"candidates": CandidateConfig, "catalogue": CatalogueConfig, "ranker": RankerConfig,
                     "new_ranker": RankerConfig}
            nested = {name: kind(**values.pop(name)) for name, kind in parts.items()}
            return cls(**nested, **values)
        except (TypeError, KeyError, AttributeError, json.JSONDecodeError) as exc:
            raise ValueError(f"the recipe cannot be rebuilt by this version: {exc}") from exc


@dataclass
class Context:
    """Side tables the sources read: customer -> region, item -> category and item -> name."""

    regions: dict[str, str] = field(default_factory=dict)
    categories: dict[str, str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)


@dataclass
class Rankers:
    """The LambdaRank boosters: one for all items, one for items the customer never bought."""

    all_items: Ranker
    new_items: Ranker
    trained_until: pd.Timestamp


def fit_at(events: pd.DataFrame, as_of: pd.Timestamp, context: Context, config: RecommenderConfig) -> FittedSources:
    """History and candidate sources from the purchases before `as_of`."""
    history = build_interactions(events, as_of=as_of, halflife_days=config.candidates.halflife_days)
    return fit_sources(events, history, regions=context.regions, categories=context.categories,
                       names=context.names, config=config.candidates)


def sampled_truth(events: pd.DataFrame, fitted: FittedSources, start: pd.Timestamp, config: RecommenderConfig) -> Truth:
    """What the history's customers bought in the window_days from `start`, for at most
    `config.max_customers` of them (the sample is seeded by the window's start)."""
    truth = truth_window(events, fitted.history, start=start, days=config.window_days)
    return sample_customers(truth, config.max_customers, seed=int(start.timestamp()))


def labelled_frame(fitted: FittedSources, truth: Truth, config: RecommenderConfig) -> tuple[pd.DataFrame, np.ndarray]:
    """Candidates of customers who bought something in the truth window, with 0/1 labels."""
    rows = np.flatnonzero(truth.total > 0)
    frame = candidate_frame(fitted, config.candidates, rows=rows)
    labels = np.asarray(truth.matrix[frame["c"].to_numpy(), frame["i"].to_numpy()]).ravel()
    return frame, labels.astype(np.float32)


def train_rankers(
    events: pd.DataFrame, *, until: pd.Timestamp | str, context: Context, config: RecommenderConfig
) -> tuple[Rankers, list[tuple[pd.DataFrame, np.ndarray]]]:
    """Train both rankers on `config.train_windows` windows that end at `until` (labels < until).

    Window w has features as of until - w * window_days and labels from the window_days after.
    Also returns the labelled frames (the most recent first) so callers can reuse them.
    """
    until = as_utc(until)
    frames: list[tuple[pd.DataFrame, np.ndarray]] = []
    for w in range(1, config.train_windows + 1):
        as_of = until - pd.Timedelta(days=w * config.window_days)
        try:
            fitted = fit_at(events, as_of, context, config)
        except ValueError as exc:
            log.info("skipping ranker window as of %s: %s", as_of.date(), exc)
            break
        truth = sampled_truth(events, fitted, as_of, config)
        frame, labels = labelled_frame(fitted, truth, config)
        frame["c"] += w * 10_000_000
        frames.append((frame, labels))
    if not frames:
        raise NotEnoughData(f"no purchases before {until.date()} minus {config.window_days} days to train on")
    frame = pd.concat([f for f, _ in frames], ignore_index=True)
    labels = np.concatenate([y for _, y in frames])
    new = (frame["pair_orders"] == 0).to_numpy()
    rankers = Rankers(
        all_items=fit_ranker(frame, labels, config.ranker),
        new_items=fit_ranker(frame.loc[new].reset_index(drop=True), labels[new], config.new_ranker),
        trained_until=until,
    )
    return rankers, frames


def ranked_lists(frame: pd.DataFrame, scores: np.ndarray, rows: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Each row's n best candidate items by score (item columns, -1 pads) and their scores."""
    items = np.full((len(rows), n), -1, dtype=np.int64)
    values = np.full((len(rows), n), np.nan, dtype=np.float32)
    if frame.empty:
        return items, values
    c = frame["c"].to_numpy()
    order = np.lexsort((-scores, c))
    c_sorted = c[order]
    starts = np.searchsorted(c_sorted, rows, side="left")
    ends = np.searchsorted(c_sorted, rows, side="right")
    i_sorted = frame["i"].to_numpy()[order]
    s_sorted = scores[order]
    for j, (a, b) in enumerate(zip(starts, ends)):
        m = min(b - a, n)
        items[j, :m] = i_sorted[a:a + m]
        values[j, :m] = s_sorted[a:a + m]
    return items, values


def fill_with(items: np.ndarray, fallback: np.ndarray, exclude: np.ndarray | None = None) -> np.ndarray:
    """Fill -1 slots of each row with the first `fallback` items not already in it (nor excluded)."""
    out = items.copy()
    for j in np.flatnonzero((out < 0).any(axis=1)):
        have = set(out[j][out[j] >= 0].tolist())
        if exclude is not None:
            have |= set(np.flatnonzero(exclude[j]).tolist())
        extra = [x for x in fallback.tolist() if x not in have]
        slots = np.flatnonzero(out[j] < 0)
        out[j, slots[:len(extra)]] = extra[:len(slots)]
    return out


def popular_order(fitted: FittedSources) -> np.ndarray:
    """Item columns by recent popularity, most popular first."""
    return np.argsort(-fitted.popularity.popular_, kind="stable")
