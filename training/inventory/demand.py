"""Demand over a lead time as a count distribution: negative binomial, or Poisson when not overdispersed.

Units are sold whole and never negative, and the demand of lumpy wholesale items has a spread well
above its mean. A normal distribution with that spread puts a fifth of its mass below zero and calls
a daily seller with no stock "80% likely to run out"; the negative binomial with the same mean and
variance does not. Demand whose variance is at most its mean is Poisson. scipy.special only, so
serving can call it per request.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy.special import betainc, gammaincc


@dataclass(frozen=True)
class CountDemand:
    """Total demand (units) over some days, with the given mean and standard deviation."""

    mean: float
    sd: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.mean) and math.isfinite(self.sd)) or self.mean < 0 or self.sd < 0:
            raise ValueError(f"demand needs a finite mean and sd >= 0, got {self.mean} and {self.sd}")

    def cdf(self, units: float) -> float:
        """P(demand <= units)."""
        if units < 0:
            return 0.0
        k = math.floor(units)
        if self.mean <= 0:
            return 1.0
        variance = self.sd**2
        if variance <= self.mean:  # not overdispersed: Poisson
            return float(gammaincc(k + 1, self.mean))
        r = self.mean**2 / (variance - self.mean)
        return float(betainc(r, k + 1, r / (r + self.mean)))

    def exceeds(self, units: float) -> float:
        """P(demand > units)."""
        return max(0.0, 1.0 - self.cdf(units))

    def quantile(self, level: float) -> int:
        """The fewest units that cover demand with probability `level`."""
        if not 0.0 < level < 1.0:
            raise ValueError(f"level must be in (0, 1), got {level}")
        lo, hi = -1, max(1, math.ceil(self.mean + 10.0 * self.sd + 10.0))
        while self.cdf(hi) < level:
            hi *= 2
        while hi - lo > 1:  # cdf(lo) < level <= cdf(hi)
            mid = (lo + hi) // 2
            if self.cdf(mid) >= level:
                hi = mid
            else:
                lo = mid
        return hi
