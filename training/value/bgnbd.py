"""BG/NBD (Fader, Hardie & Lee 2005): purchase counts and dropout, fitted by maximum likelihood.

Inputs per customer: `frequency` x (repeat purchases), `recency` t_x (time of the last purchase since
the first) and `T` (time since the first purchase), all in one time unit (days or weeks).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize, special

PARAM_NAMES: tuple[str, ...] = ("r", "alpha", "a", "b")
LOG_BOUND = 12.0  # parameters are searched in [e^-12, e^12] (alpha in units of the mean age)


class FitError(RuntimeError):
    """The maximum-likelihood fit did not converge."""


def _check(frequency: np.ndarray, recency: np.ndarray, T: np.ndarray) -> None:
    if not (len(frequency) == len(recency) == len(T)):
        raise ValueError(f"frequency, recency and T must have the same length, got {len(frequency)}, {len(recency)}, {len(T)}")
    if np.any(frequency < 0) or np.any(recency < 0) or np.any(recency > T + 1e-9):
        raise ValueError("need frequency >= 0 and 0 <= recency <= T for every customer")
    if np.any((frequency == 0) & (recency > 0)):
        raise ValueError("a customer with frequency 0 must have recency 0")


def log_likelihood_terms(params: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
    """Per-customer log-likelihood of (r, alpha, a, b)."""
    r, alpha, a, b = params
    a1 = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
    a2 = special.gammaln(a + b) + special.gammaln(b + x) - special.gammaln(b) - special.gammaln(a + b + x)
    a3 = -(r + x) * np.log(alpha + T)
    repeat = x > 0
    bx1 = np.where(repeat, b + x - 1.0, 1.0)
    a4 = np.log(a) - np.log(bx1) - (r + x) * np.log(alpha + t_x)
    mixed = np.where(repeat, np.logaddexp(a3, a4), a3)
    return a1 + a2 + mixed


@dataclass
class BetaGeoModel:
    """BG/NBD model; `fit` estimates r, alpha, a, b by maximum likelihood (params_ after fitting)."""

    penalizer: float = 0.0
    params_: np.ndarray | None = None
    log_likelihood_: float | None = None

    def fit(self, frequency: np.ndarray, recency: np.ndarray, T: np.ndarray) -> BetaGeoModel:
        """Maximise the likelihood over log-parameters; raises FitError if it fails."""
        x, t_x, big_t = (np.asarray(v, dtype=float) for v in (frequency, recency, T))
        _check(x, t_x, big_t)
        if len(x) == 0:
            raise FitError("cannot fit BG/NBD on zero customers")
        scale = max(float(np.mean(big_t)), 1e-9)

        def objective(log_params: np.ndarray) -> float:
            params = np.exp(np.clip(log_params, -LOG_BOUND, LOG_BOUND))
            with np.errstate(all="ignore"):
                ll = log_likelihood_terms(params * np.array([1.0, scale, 1.0, 1.0]), x, t_x, big_t).sum()
            value = -ll / len(x) + self.penalizer * np.sum(params**2)
            return float(value) if np.isfinite(value) else 1e12

        best = None
        bounds = [(-LOG_BOUND, LOG_BOUND)] * 4
        for start in (np.zeros(4), np.log([0.5, 0.5, 0.5, 2.0])):
            res = optimize.minimize(objective, start, method="L-BFGS-B", bounds=bounds,
                                    options={"maxiter": 2000, "ftol": 1e-14, "gtol": 1e-10})
            res = optimize.minimize(objective, res.x, method="Nelder-Mead",
                                    options={"maxiter": 1500, "xatol": 1e-9, "fatol": 1e-13})
            res.x = np.clip(res.x, -LOG_BOUND, LOG_BOUND)
            if res.fun < 1e12 and (best is None or res.fun < best.fun):
                best = res
        if best is None or not np.isfinite(best.fun):
            raise FitError("BG/NBD likelihood did not converge")
        self.params_ = np.exp(best.x) * np.array([1.0, scale, 1.0, 1.0])
        self.log_likelihood_ = float(log_likelihood_terms(self.params_, x, t_x, big_t).sum())
        return self

    def _params(self) -> tuple[float, float, float, float]:
        if self.params_ is None:
            raise RuntimeError("BetaGeoModel is not fitted; call fit first")
        r, alpha, a, b = (float(v) for v in self.params_)
        return r, alpha, a, b

    def p_alive(self, frequency: np.ndarray, recency: np.ndarray, T: np.ndarray) -> np.ndarray:
        """Probability that each customer is still active at T."""
        r, alpha, a, b = self._params()
        x, t_x, big_t = (np.asarray(v, dtype=float) for v in (frequency, recency, T))
        ratio = _dropout_odds(r, alpha, a, b, x, t_x, big_t)
        return 1.0 / (1.0 + ratio)

    def expected_purchases(self, t: float, frequency: np.ndarray, recency: np.ndarray, T: np.ndarray) -> np.ndarray:
        """Expected number of purchases in the next `t` time units, given each customer's history."""
        r, alpha, a, b = self._params()
        x, t_x, big_t = (np.asarray(v, dtype=float) for v in (frequency, recency, T))
        z = t / (alpha + big_t + t)
        hyp = special.hyp2f1(r + x, b + x, a + b + x - 1.0, z)
        first = (a + b + x - 1.0) / (a - 1.0)
        second = 1.0 - np.power((alpha + big_t) / (alpha + big_t + t), r + x) * hyp
        out = first * second / (1.0 + _dropout_odds(r, alpha, a, b, x, t_x, big_t))
        return np.clip(np.nan_to_num(out, nan=0.0), 0.0, None)

    def p_no_purchase(self, t: float, frequency: np.ndarray, recency: np.ndarray, T: np.ndarray) -> np.ndarray:
        """Probability of no purchase in the next `t` time units: dead, or alive with no Poisson event.

        Given alive at T, lambda ~ Gamma(r + x, alpha + T), and dropout only happens after a purchase.
        """
        r, alpha, _, _ = self._params()
        x, big_t = np.asarray(frequency, dtype=float), np.asarray(T, dtype=float)
        quiet = np.power((alpha + big_t) / (alpha + big_t + t), r + x)
        return 1.0 - self.p_alive(frequency, recency, T) * (1.0 - quiet)

    def expected_purchases_new(self, t: float) -> float:
        """Expected purchases in `t` time units of a customer just acquired (population level)."""
        r, alpha, a, b = self._params()
        z = t / (alpha + t)
        return float((a + b - 1.0) / (a - 1.0) * (1.0 - (alpha / (alpha + t)) ** r * special.hyp2f1(r, b, a + b - 1.0, z)))

    def to_dict(self) -> dict[str, float]:
        """Fitted parameters and log-likelihood by name."""
        r, alpha, a, b = self._params()
        return {"r": r, "alpha": alpha, "a": a, "b": b, "log_likelihood": float(self.log_likelihood_ or 0.0)}

    @classmethod
    def from_dict(cls, values: dict[str, float]) -> BetaGeoModel:
        """A fitted model from `to_dict` output."""
        return cls(params_=np.array([values[n] for n in PARAM_NAMES], dtype=float),
                   log_likelihood_=values.get("log_likelihood"))


def _dropout_odds(r: float, alpha: float, a: float, b: float, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
    """a/(b+x-1) * ((alpha+T)/(alpha+t_x))^(r+x) for repeat buyers, 0 for the others."""
    repeat = x > 0
    bx1 = np.where(repeat, b + x - 1.0, 1.0)
    log_odds = np.log(a) - np.log(bx1) + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
    return np.where(repeat, np.exp(np.minimum(log_odds, 700.0)), 0.0)
