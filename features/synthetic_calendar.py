"""Calendar of the synthetic shop: weekly and yearly seasonality, shopping festivals, shop intensity.

Time inside the generator is a float number of days since the shop's first day (midnight UTC).
The calendar turns that "real" time into "operational" time, the cumulative shop intensity, so a
customer whose next order is due after G operational days buys sooner when the shop is busy
(festivals, Sundays, December) and later when it is quiet.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

# Relative order intensity by weekday, Monday first: Sunday evening and Monday are busiest online.
WEEKDAY_LIFT = np.array([1.15, 1.00, 0.97, 1.00, 0.88, 0.70, 1.30])
# Relative share of orders by hour of day (UTC), quiet at night, peak in the evening.
# fmt: off
HOUR_WEIGHTS = np.array(
    [0.3, 0.2, 0.1, 0.1, 0.1, 0.2, 0.4, 0.7, 1.0, 1.2, 1.3, 1.3,
     1.4, 1.3, 1.2, 1.2, 1.3, 1.4, 1.5, 1.7, 1.9, 1.9, 1.4, 0.8]
)
# fmt: on
YEARLY_AMPLITUDE = 0.12  # peak in late December, trough in late June
YEARLY_PEAK_DOY = 355
GROWTH_PER_YEAR = 0.08
DEAL_SALE_LIFT = 8.0  # deal seekers' intensity x (1 + this x whole-shop discount)
PADDING_DAYS = 800  # intensity is also defined after the window so gaps can overshoot it


@dataclass(frozen=True)
class ShopWidePromotion:
    """A promotion on the whole shop: a festival's sale or a flash sale (end day inclusive)."""

    name: str
    start_day: int
    end_day: int
    discount: float


def _day(start: pd.Timestamp, when: pd.Timestamp) -> int:
    return int((when - start) / pd.Timedelta(days=1))


def black_friday(year: int) -> pd.Timestamp:
    """The day after the fourth Thursday of November."""
    first = pd.Timestamp(year=year, month=11, day=1, tz="UTC")
    first_thursday = first + pd.Timedelta(days=(3 - first.weekday()) % 7)
    return first_thursday + pd.Timedelta(days=22)


def _festival_profile(year: int) -> list[tuple[pd.Timestamp, pd.Timestamp, float]]:
    """(first day, last day inclusive, demand lift) spans of the festivals of one year."""

    def d(month: int, day: int) -> pd.Timestamp:
        return pd.Timestamp(year=year, month=month, day=day, tz="UTC")

    bf = black_friday(year)
    one = pd.Timedelta(days=1)
    spans = [
        (d(6, 1), d(6, 17), 1.25),
        (d(6, 18), d(6, 18), 2.6),
        (d(6, 19), d(6, 21), 0.85),  # 618
        (d(10, 31), d(11, 10), 1.3),
        (d(11, 11), d(11, 11), 3.2),
        (d(11, 12), d(11, 14), 0.85),
        (bf - 7 * one, bf - one, 0.9),
        (bf, bf, 2.6),
        (bf + one, bf + 2 * one, 1.4),
        (bf + 3 * one, bf + 3 * one, 1.9),  # Cyber Monday
        (d(12, 21), d(12, 23), 1.3),
        (d(12, 24), d(12, 26), 0.55),
        (d(12, 27), d(12, 31), 1.15),
    ]
    # Christmas run-up: a ramp from 1.1 on December 1 to 1.45 on December 20.
    spans += [(d(12, k), d(12, k), 1.1 + 0.35 * (k - 1) / 19) for k in range(1, 21)]
    return spans


def festival_sales(year: int) -> list[tuple[str, pd.Timestamp, pd.Timestamp, float]]:
    """The whole-shop sales that go with the festivals of one year: (name, start, end, discount)."""

    def d(month: int, day: int) -> pd.Timestamp:
        return pd.Timestamp(year=year, month=month, day=day, tz="UTC")

    bf = black_friday(year)
    return [
        ("618", d(6, 1), d(6, 18), 0.15),
        ("double-11", d(10, 31), d(11, 11), 0.20),
        ("black-friday", bf, bf + pd.Timedelta(days=3), 0.25),
        ("christmas-sale", d(12, 27), d(12, 31), 0.20),
    ]


def festival_lift(dates: pd.DatetimeIndex) -> np.ndarray:
    """Multiplicative demand lift of the shopping festivals on each date (1.0 on ordinary days)."""
    lift = np.ones(len(dates))
    first = dates[0]
    for year in range(dates[0].year, dates[-1].year + 1):
        for lo, hi, factor in _festival_profile(year):
            a, b = _day(first, lo), _day(first, hi) + 1
            a, b = max(a, 0), min(b, len(dates))
            if a < b:
                lift[a:b] *= factor
    return lift


def shop_wide_promotions(
    start: pd.Timestamp, days: int, rng: np.random.Generator
) -> list[ShopWidePromotion]:
    """Festival sales plus about two short flash sales a year, all inside the window."""
    end = start + pd.Timedelta(days=days - 1)
    found: list[ShopWidePromotion] = []
    for year in range(start.year, end.year + 1):
        for name, lo, hi, discount in festival_sales(year):
            a, b = _day(start, lo), _day(start, hi)
            if a >= 0 and b < days:
                found.append(ShopWidePromotion(name, a, b, discount))
    n_flash = rng.poisson(2.0 * days / 365)
    for _ in range(n_flash):
        a = int(rng.integers(0, max(days - 3, 1)))
        found.append(
            ShopWidePromotion("flash-sale", a, min(a + int(rng.integers(1, 3)), days - 1), 0.10)
        )
    return sorted(found, key=lambda p: (p.start_day, p.name))


@dataclass(frozen=True)
class Calendar:
    """Daily shop intensity over the window (and padding after it) and its operational time."""

    start: pd.Timestamp
    days: int
    intensity: np.ndarray  # order intensity per day, mean 1 over the window
    festival: np.ndarray  # festival lift per day
    shop_discount: np.ndarray  # whole-shop discount per day (0..1)
    cumulative: np.ndarray  # operational time at each day boundary, length len(intensity) + 1
    deal_cumulative: np.ndarray  # the same for deal seekers, who shop almost only on sales

    @property
    def weekday(self) -> np.ndarray:
        """Weekday (Monday = 0) of each day of the window."""
        return (np.arange(self.days) + self.start.weekday()) % 7

    def window(self, offset: int, days: int) -> Calendar:
        """The calendar seen from `offset` days after its start, for `days` days (time shifts)."""
        return Calendar(
            self.start + pd.Timedelta(days=offset),
            days,
            self.intensity[offset:],
            self.festival[offset:],
            self.shop_discount[offset:],
            self.cumulative[offset:] - self.cumulative[offset],
            self.deal_cumulative[offset:] - self.deal_cumulative[offset],
        )

    def to_operational(self, t: np.ndarray, deal: np.ndarray) -> np.ndarray:
        """Operational time at real time `t` (days since start), on the deal clock where `deal`."""
        grid = np.arange(len(self.cumulative), dtype=np.float64)
        return np.where(
            deal, np.interp(t, grid, self.deal_cumulative), np.interp(t, grid, self.cumulative)
        )

    def from_operational(self, u: np.ndarray, deal: np.ndarray) -> np.ndarray:
        """Real time (days since start) at operational time `u`; beyond the padding, its end."""
        grid = np.arange(len(self.cumulative), dtype=np.float64)
        return np.where(
            deal, np.interp(u, self.deal_cumulative, grid), np.interp(u, self.cumulative, grid)
        )


def build_calendar(start: pd.Timestamp, days: int, promotions: list[ShopWidePromotion]) -> Calendar:
    """Weekly x yearly x festival x whole-shop-sale x growth intensity, normalised on the window."""
    total = days + PADDING_DAYS
    dates = pd.date_range(start, periods=total, freq="D")
    weekly = WEEKDAY_LIFT[dates.weekday.to_numpy()]
    doy = dates.dayofyear.to_numpy()
    yearly = 1.0 + YEARLY_AMPLITUDE * np.cos(2 * np.pi * (doy - YEARLY_PEAK_DOY) / 365.25)
    growth = 1.0 + GROWTH_PER_YEAR * np.minimum(np.arange(total), days) / 365.0
    festival = festival_lift(dates)
    discount = np.zeros(total)
    for promo in promotions:
        seg = slice(promo.start_day, promo.end_day + 1)
        discount[seg] = np.maximum(discount[seg], promo.discount)
    sale_lift = np.ones(total)
    for promo in promotions:
        if promo.name == "flash-sale":  # festivals already carry their lift
            sale_lift[promo.start_day : promo.end_day + 1] *= 1.0 + 2.5 * promo.discount
    intensity = weekly * yearly * growth * festival * sale_lift
    intensity /= intensity[:days].mean()
    deal = weekly * growth * festival**2 * (1.0 + DEAL_SALE_LIFT * discount)
    deal /= deal[:days].mean()
    return Calendar(
        start,
        days,
        intensity,
        festival,
        discount,
        np.concatenate([[0.0], np.cumsum(intensity)]),
        np.concatenate([[0.0], np.cumsum(deal)]),
    )
