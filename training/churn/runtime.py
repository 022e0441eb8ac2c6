"""Serving-side churn and customer value: dict lookups over answers precomputed at training time.

Public API (stable; the serving layer codes against it):
- `ChurnRuntime.load(path)` reads the model folder logged by `shopml train churn`;
- `.customer_ids() -> list[str]`;
- `.churn(customer_id) -> {probability, risk ("low"|"medium"|"high"), horizon_days, top_factors: [str]}`;
- `.profile(customer_id) -> {rfm_segment, recency_days, frequency, monetary, lifecycle_stage,
  expected_value_12m, p_alive, expected_purchases_12m}`;
- `.at_risk(limit) -> [{customer_id, probability, expected_value_lost, rfm_segment}]`, most valuable first;
- `.forget_customer(customer_id) -> bool` drops a customer from every answer (right to be deleted);
- `.smoke_check()` raises if the loaded answers are unusable.
`churn` and `profile` raise KeyError for an unknown customer. No pandas, no MLflow, no model fitting.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

PROFILES_FILE = "customers.json"
RISKS = ("low", "medium", "high")
PROFILE_KEYS = ("rfm_segment", "recency_days", "frequency", "monetary", "lifecycle_stage", "expected_value_12m",
                "p_alive", "expected_purchases_12m")


class ChurnRuntime:
    """Precomputed churn answers for every known customer, as of the latest event at training time."""

    def __init__(self, customers: dict[str, dict[str, Any]], at_risk: list[str], *, horizon_days: int, as_of: str) -> None:
        self._customers = customers
        self._at_risk = [c for c in at_risk if c in customers]
        self.horizon_days = int(horizon_days)
        self.as_of = as_of

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
                "top_factors": list(row["top_factors"])}

    def profile(self, customer_id: str) -> dict[str, Any]:
        """RFM segment, recency/frequency/monetary, lifecycle stage and expected value over 12 months."""
        row = self._get(customer_id)
        return {key: row[key] for key in PROFILE_KEYS}

    def at_risk(self, limit: int) -> list[dict[str, Any]]:
        """The win-back list: at-risk customers ordered by expected value lost, at most `limit`."""
        if limit < 0:
            raise ValueError(f"limit must be >= 0, got {limit}")
        out = []
        for cid in self._at_risk[:limit]:
            row = self._customers[cid]
            out.append({"customer_id": cid, "probability": row["probability"],
                        "expected_value_lost": row["expected_value_lost"], "rfm_segment": row["rfm_segment"]})
        return out

    def forget_customer(self, customer_id: str) -> bool:
        """Remove a customer's answers (no error if unknown); returns whether there were any."""
        cid = str(customer_id)
        held = self._customers.pop(cid, None) is not None
        self._at_risk = [c for c in self._at_risk if c != cid]
        return held

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
