"""Gamma-Gamma spend model (Fader, Hardie & Lee 2005b): expected value of a customer's future orders.

Fitted on repeat buyers only: `frequency` x > 0 repeat purchases with mean order value `monetary` m > 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize, special

from training.value.bgnbd import FitError

PARAM_NAMES: tuple[str, ...] = ("p", "q", "v")


def log_likelihood_terms(params: np.ndarray, x: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Per-customer log-likelihood of (p, q, v) given x repeat orders of mean value m."""
    p, q, v = params
    return (
        special.gammaln(p * x + q) - special.gammaln(p * x) - special.gammaln(q) + q * np.log(v)
        + (p * x - 1.0) * np.log(m) + p * x * np.log(x) - (p * x + q) * np.log(x * m + v)
    )


@dataclass
class GammaGammaModel:
    """Gamma-Gamma model of order values; `fit` sets params_ (p, q, v)."""

    penalizer: float = 0.0
    params_: np.ndarray | None = None
    log_likelihood_: float | None = None

    def fit(self, frequency: np.ndarray, monetary: np.ndarray) -> GammaGammaModel:
        """Maximum likelihood on customers with frequency > 0 and monetary > 0."""
        x, m = np.asarray(frequency, dtype=float), np.asarray(monetary, dtype=float)
        keep = (x > 0) & (m > 0) & np.isfinite(m)
        x, m = x[keep], m[keep]
        if len(x) < 3:
            raise FitError(f"Gamma-Gamma needs at least 3 repeat buyers with positive value, got {len(x)}")
        scale = float(np.mean(m))

        def objective(log_params: np.ndarray) -> float:
            params = np.exp(log_params) * np.array([1.0, 1.0, scale])
            with np.errstate(all="ignore"):
                value = -log_likelihood_terms(params, x, m).mean() + self.penalizer * np.sum(np.exp(log_params) ** 2)
            return float(value) if np.isfinite(value) else 1e12

        res = optimize.minimize(objective, np.log([1.0, 2.0, 1.0]), method="L-BFGS-B", bounds=[(-10.0, 10.0)] * 3,
                                options={"maxiter": 1000, "ftol": 1e-13, "gtol": 1e-9})
        if not res.fun < 1e12:
            raise FitError("Gamma-Gamma likelihood did not converge")
        self.params_ = np.exp(res.x) * np.array([1.0, 1.0, scale])
        self.log_likelihood_ = float(log_likelihood_terms(self.params_, x, m).sum())
        return self

    def _params(self) -> tuple[float, float, float]:
        if self.params_ is None:
            raise RuntimeError("GammaGammaModel is not fitted; call fit first")
        p, q, v = (float(val) for val in self.params_)
        return p, q, v

    def population_mean(self) -> float:
        """Mean order value of a customer with no repeat history (p v / (q - 1), or NaN if q <= 1)."""
        p, q, v = self._params()
        return p * v / (q - 1.0) if q > 1.0 else float("nan")

    def expected_order_value(self, frequency: np.ndarray, monetary: np.ndarray) -> np.ndarray:
        """Expected value of each customer's future orders, shrunk from their own mean to the population's."""
        p, q, v = self._params()
        x = np.asarray(frequency, dtype=float)
        m = np.nan_to_num(np.asarray(monetary, dtype=float), nan=0.0)
        m = np.where(x > 0, np.maximum(m, 0.0), 0.0)
        if q * 1.0 + p * x.min(initial=0.0) <= 1.0:
            return np.where(x > 0, m, self.population_mean())
        return (p * (v + x * m)) / (p * x + q - 1.0)

    def to_dict(self) -> dict[str, float]:
        """Fitted parameters by name."""
        p, q, v = self._params()
        return {"p": p, "q": q, "v": v, "log_likelihood": float(self.log_likelihood_ or 0.0)}

    @classmethod
    def from_dict(cls, values: dict[str, float]) -> GammaGammaModel:
        """A fitted model from `to_dict` output."""
        return cls(params_=np.array([values[n] for n in PARAM_NAMES], dtype=float),
                   log_likelihood_=values.get("log_likelihood"))
