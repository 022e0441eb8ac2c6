"""Serving-side churn and customer value: dict lookups over answers precomputed at training time.

Public API (stable; the serving layer codes against it):
- `ChurnRuntime.load(path)` reads the model folder logged by `shopml train churn`;
- `.customer_ids() -> list[str]`;
- `.as_of` (YYYY-MM-DD): the answers use the events before this date, `.horizon_days` the churn horizon
  the model was trained for;
- `.churn(customer_id) -> {probability, risk ("low"|"medium"|"high"), horizon_days, top_factors: [str], as_of}`;
- `.profile(customer_id) -> {rfm_segment, recency_days, frequency, monetary, lifecycle_stage,
  expected_value_12m, p_alive, expected_purchases_12m, as_of}`;
- `.at_risk(limit, *, offset=0, stages=None) -> {customers: [{customer_id, probability,
  expected_value_lost, rfm_segment, lifecycle_stage}], total, stages}`: the customers with at least a
  medium churn risk in the given lifecycle stages (DEFAULT_STAGES when None), most value lost first,
  how many there are in all, and the stages listed;
- `.forget_customer(customer_id) -> bool` drops a customer from every answer (right to be deleted);
- `.smoke_check()` raises if the loaded answers are unusable.
`churn` and `profile` raise KeyError for an unknown customer. No pandas, no MLflow, no model fitting.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

PROFILES_FILE = "customers.json"
RISKS = ("low", "medium", "high")
PROFILE_KEYS = ("rfm_segment", "recency_days", "frequency", "monetary", "lifecycle_stage", "expected_value_12m",
                "p_alive", "expected_purchases_12m")
# Lifecycle stages (training/value/segments.py STAGES; "at_risk" and "won_back" are accepted too).
STAGES = ("new", "active", "at risk", "churned", "won back")
# The default win-back list: customers who are overdue by their own rhythm or gone. New, active and
# won-back customers bought within their usual gap, so a win-back offer would come too early.
DEFAULT_STAGES = ("at risk", "churned")


def stage_names(stages: Iterable[str] | None) -> tuple[str, ...]:
    """The lifecycle stages asked for ("at_risk" reads as "at risk"), DEFAULT_STAGES for None;
    ValueError naming the allowed values for an unknown one."""
    if stages is None:
        return DEFAULT_STAGES
    names = tuple(dict.fromkeys(s.replace("_", " ") for s in stages))
    unknown = [s for s in names if s not in STAGES]
    if unknown:
        raise ValueError(f"unknown lifecycle stage {unknown[0]!r}; allowed: {', '.join(STAGES)}")
    return names


def _date(value: str) -> str:
    """A saved as-of timestamp ("2010-12-10" or "2010-12-10 00:00:00+00:00") as YYYY-MM-DD."""
    return dt.datetime.fromisoformat(str(value)).date().isoformat()


class ChurnRuntime:
    """Precomputed churn answers for every known customer, as of the latest event at training time."""

    def __init__(self, customers: dict[str, dict[str, Any]], at_risk: list[str], *, horizon_days: int, as_of: str) -> None:
        self._customers = customers
        self._rank = {c: i for i, c in enumerate(c for c in at_risk if c in customers)}
        self._by_stage: dict[str, list[str]] = {s: [] for s in STAGES}
        for cid in self._rank:
            self._by_stage.setdefault(str(customers[cid]["lifecycle_stage"]), []).append(cid)
        self.horizon_days = int(horizon_days)
        self.as_of = _date(as_of)

    @classmethod
    def load(cls, path: Path) -> ChurnRuntime:
        """Load from a model folder (or the `model` folder inside a downloaded artefact)."""
        path = Path(path)
        file = path / PROFILES_FILE
        if not file.exists() and (path / "model" / PROFILES_FILE).exists():
            file = path / "model" / PROFILES_FILE
        if not file.exists():
            raise FileNotFoundError(f"no {PROFILES_FILE} in {path}: not a churn model folder")
        data = json.loads(file.read_text())
        return cls(data["customers"], data["at_risk"], horizon_days=data["horizon_days"], as_of=data["as_of"])

    def customer_ids(self) -> list[str]:
        """Every customer with an answer."""
        return list(self._customers)

    def _get(self, customer_id: str) -> dict[str, Any]:
        try:
            return self._customers[str(customer_id)]
        except KeyError:
            raise KeyError(f"unknown customer {customer_id!r}") from None

    def churn(self, customer_id: str) -> dict[str, Any]:
        """Churn probability in the next horizon_days, its risk level and the main reasons."""
        row = self._get(customer_id)
        return {"probability": row["probability"], "risk": row["risk"], "horizon_days": self.horizon_days,
                "top_factors": list(row["top_factors"]), "as_of": self.as_of}

    def profile(self, customer_id: str) -> dict[str, Any]:
        """RFM segment, recency/frequency/monetary, lifecycle stage and expected value over 12 months."""
        row = self._get(customer_id)
        return {**{key: row[key] for key in PROFILE_KEYS}, "as_of": self.as_of}

    def _ranked(self, stages: tuple[str, ...]) -> Iterator[str]:
        lists = [self._by_stage.get(s, []) for s in stages]
        return iter(lists[0]) if len(lists) == 1 else heapq.merge(*lists, key=self._rank.__getitem__)

    def at_risk(self, limit: int, *, offset: int = 0, stages: Iterable[str] | None = None) -> dict[str, Any]:
        """One page of the win-back list: customers with at least a medium churn risk in `stages`
        (DEFAULT_STAGES when None), by expected value lost, from position `offset`, at most `limit`;
        `total` counts the whole list, `stages` names the stages listed."""
        if limit < 0 or offset < 0:
            raise ValueError(f"limit and offset must be >= 0, got {limit} and {offset}")
        names = stage_names(stages)
        out = []
        for cid in itertools.islice(self._ranked(names), offset, offset + limit):
            row = self._customers[cid]
            out.append({"customer_id": cid, "probability": row["probability"],
                        "expected_value_lost": row["expected_value_lost"], "rfm_segment": row["rfm_segment"],
                        "lifecycle_stage": row["lifecycle_stage"]})
        return {"customers": out, "total": sum(len(self._by_stage.get(s, [])) for s in names), "stages": list(names)}

    def forget_customer(self, customer_id: str) -> bool:
        """Remove a customer's answers (no error if unknown); returns whether there were any."""
        cid = str(customer_id)
        row = self._customers.pop(cid, None)
        if row is not None and self._rank.pop(cid, None) is not None:
            self._by_stage[str(row["lifecycle_stage"])].remove(cid)
        return row is not None

    def smoke_check(self) -> None:
        """Raise RuntimeError unless every answer is well formed (probabilities in [0, 1], known risk levels)."""
        for cid, row in self._customers.items():
            p = row.get("probability")
            if not isinstance(p, (int, float)) or not 0.0 <= p <= 1.0 or row.get("risk") not in RISKS:
                raise RuntimeError(f"churn answer of customer {cid!r} is malformed: {row}")
            missing = [k for k in PROFILE_KEYS if k not in row]
            if missing:
                raise RuntimeError(f"profile of customer {cid!r} lacks {missing}")
        if self._customers:
            first = next(iter(self._customers))
            self.churn(first)
            self.profile(first)
        self.at_risk(1)
