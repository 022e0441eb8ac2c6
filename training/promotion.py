"""When a newly trained version takes the `champion` alias: the promotion rule, without MLflow."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, is_dataclass

import pandas as pd


@dataclass(frozen=True)
class Verdict:
    """Whether a candidate takes the champion alias, the version tag that says so, and why."""

    promote: bool
    status: str
    reason: str


def judge(*, champion: str | None, compared: str | None, champion_store: str | None, store: str | None,
          candidate_score: float, champion_score: float | None, metric: str, higher_is_better: bool,
          data_end: str | None = None, champion_data_end: str | None = None,
          champion_by: str | None = None) -> Verdict:
    """Promote only over no champion, or over the champion that was scored on the same holdout and wins.

    A tie wins when the candidate was trained on later data: the champion's own recipe, refitted
    before this holdout, scores exactly the candidate's score, and the candidate adds the newer events.
    A champion restored by a rollback (`champion_by` "rollback") is held: a winner is registered, not
    promoted, until a version is promoted by hand."""
    verdict = _compare(champion=champion, compared=compared, champion_store=champion_store, store=store,
                       candidate_score=candidate_score, champion_score=champion_score, metric=metric,
                       higher_is_better=higher_is_better, data_end=data_end, champion_data_end=champion_data_end)
    if verdict.promote and champion is not None and champion_by == "rollback":
        return Verdict(False, "held_after_rollback", f"{verdict.reason}; not promoted: champion v{champion} was "
                       "restored by a rollback and stays until a version is promoted by hand (shopml models promote)")
    return verdict


def _compare(*, champion: str | None, compared: str | None, champion_store: str | None, store: str | None,
             candidate_score: float, champion_score: float | None, metric: str, higher_is_better: bool,
             data_end: str | None, champion_data_end: str | None) -> Verdict:
    if champion is None:
        return Verdict(True, "passed", "no champion yet")
    if compared is not None and compared != champion:
        was = "no champion" if compared == "none" else f"v{compared}"
        return Verdict(False, "not_compared", f"the champion moved to v{champion} while this run trained "
                       f"(it was compared with {was}); registered, not promoted")
    if champion_store and store and champion_store != store:
        return Verdict(False, "not_compared", f"champion v{champion} was trained on another event store "
                       f"({champion_store}); registered, not promoted")
    if champion_score is None or not math.isfinite(champion_score):
        return Verdict(False, "not_compared", f"champion v{champion} could not be scored on this holdout; "
                       "registered, not promoted")
    if math.isclose(candidate_score, champion_score, rel_tol=1e-12, abs_tol=1e-12) and _later(data_end, champion_data_end):
        return Verdict(True, "passed", f"{metric} {candidate_score:.4f} ties champion v{champion} (the same "
                       f"settings, or the same score) with data to {data_end}, newer than its {champion_data_end}: "
                       "refreshed")
    wins = candidate_score > champion_score if higher_is_better else candidate_score < champion_score
    verb = "beats" if wins else "does not beat"
    return Verdict(wins, "passed" if wins else "not_better_than_champion",
                   f"{metric} {candidate_score:.4f} {verb} champion v{champion} {champion_score:.4f}")


def _later(data_end: str | None, champion_data_end: str | None) -> bool:
    """Whether `data_end` is a later instant than `champion_data_end` (False when either is unknown)."""
    try:
        return bool(pd.Timestamp(data_end) > pd.Timestamp(champion_data_end))
    except (TypeError, ValueError):
        return False


def recipe(config: object) -> str:
    """A model's settings (a dataclass) as canonical JSON: equal strings mean the same recipe."""
    value = asdict(config) if is_dataclass(config) and not isinstance(config, type) else config
    return json.dumps(value, sort_keys=True, default=str)
