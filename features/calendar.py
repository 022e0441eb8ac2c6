"""A configurable calendar of holidays and shopping festivals, and calendar features of time buckets.

Built in (region codes `UK`, `CN`): Christmas, Easter and Black Friday (UK); 618, Double 11 and
Spring Festival (CN). A shop adds its own with `Festival.on_dates(...)` or `HolidayCalendar.from_records`.
A festival has a window: `days_before` its day (the run-up, when orders for it are placed) and
`days_after`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

# Chinese New Year (first day of the Spring Festival), 2000-2040.
SPRING_FESTIVAL: dict[int, date] = {
    y: date.fromisoformat(d)
    for y, d in {
        2000: "2000-02-05", 2001: "2001-01-24", 2002: "2002-02-12", 2003: "2003-02-01", 2004: "2004-01-22",
        2005: "2005-02-09", 2006: "2006-01-29", 2007: "2007-02-18", 2008: "2008-02-07", 2009: "2009-01-26",
        2010: "2010-02-14", 2011: "2011-02-03", 2012: "2012-01-23", 2013: "2013-02-10", 2014: "2014-01-31",
        2015: "2015-02-19", 2016: "2016-02-08", 2017: "2017-01-28", 2018: "2018-02-16", 2019: "2019-02-05",
        2020: "2020-01-25", 2021: "2021-02-12", 2022: "2022-02-01", 2023: "2023-01-22", 2024: "2024-02-10",
        2025: "2025-01-29", 2026: "2026-02-17", 2027: "2027-02-06", 2028: "2028-01-26", 2029: "2029-02-13",
        2030: "2030-02-03", 2031: "2031-01-23", 2032: "2032-02-11", 2033: "2033-01-31", 2034: "2034-02-19",
        2035: "2035-02-08", 2036: "2036-01-28", 2037: "2037-02-15", 2038: "2038-02-04", 2039: "2039-01-24",
        2040: "2040-02-12",
    }.items()
}

DayRule = Callable[[int], "date | None"]


def _fixed(month: int, day: int) -> DayRule:
    return lambda year: date(year, month, day)


def black_friday(year: int) -> date:
    """The Friday after the fourth Thursday of November."""
    first = date(year, 11, 1)
    first_thursday = first + timedelta(days=(3 - first.weekday()) % 7)
    return first_thursday + timedelta(days=22)


def easter(year: int) -> date:
    """Easter Sunday (Gregorian calendar, anonymous algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month = (h + l_ - 7 * m + 114) // 31
    day = (h + l_ - 7 * m + 114) % 31 + 1
    return date(year, month, day)


MAX_WINDOW_DAYS = 90  # days_before and days_after each: a longer run-up is a season, not a festival


@dataclass(frozen=True)
class Festival:
    """One recurring holiday or festival: a rule giving its day in a year, and its window."""

    name: str
    region: str
    rule: DayRule
    days_before: int = 14
    days_after: int = 0

    def __post_init__(self) -> None:
        if not self.name.isidentifier():
            raise ValueError(f"festival name must be an identifier (used in column names), got {self.name!r}")
        if not (0 <= self.days_before <= MAX_WINDOW_DAYS and 0 <= self.days_after <= MAX_WINDOW_DAYS):
            raise ValueError(f"days_before and days_after must be 0..{MAX_WINDOW_DAYS}")

    @classmethod
    def on_dates(cls, name: str, region: str, dates: Iterable[date | str], *, days_before: int = 14,
                 days_after: int = 0) -> Festival:
        """A festival given by explicit dates (one per year at most)."""
        by_year = {pd.Timestamp(d).date().year: pd.Timestamp(d).date() for d in dates}
        return cls(name, region, by_year.get, days_before, days_after)

    def day(self, year: int) -> date | None:
        """The festival's day in `year`, or None when the calendar does not know it."""
        return self.rule(year)


BUILT_IN: tuple[Festival, ...] = (
    Festival("christmas", "UK", _fixed(12, 25), days_before=42, days_after=1),
    Festival("easter", "UK", easter, days_before=14, days_after=1),
    Festival("black_friday", "UK", black_friday, days_before=7, days_after=3),
    Festival("f618", "CN", _fixed(6, 18), days_before=17, days_after=0),
    Festival("double11", "CN", _fixed(11, 11), days_before=10, days_after=0),
    Festival("spring_festival", "CN", SPRING_FESTIVAL.get, days_before=21, days_after=7),
)


@dataclass(frozen=True)
class HolidayCalendar:
    """A set of festivals, and days the shop says it is closed; `HolidayCalendar.default(("UK",))`
    keeps only the UK festivals."""

    festivals: tuple[Festival, ...] = field(default_factory=lambda: BUILT_IN)
    closed_days: frozenset[date] = frozenset()
    repeat_closures: bool = True  # a long closure of last year closes the same dates this year

    @classmethod
    def default(cls, regions: Sequence[str] = ("UK", "CN")) -> HolidayCalendar:
        """The built-in festivals of `regions`."""
        wanted = {r.upper() for r in regions}
        return cls(tuple(f for f in BUILT_IN if f.region in wanted))

    @classmethod
    def from_records(cls, records: Iterable[Mapping[str, object]], *, base: HolidayCalendar | None = None
                     ) -> HolidayCalendar:
        """Add festivals given as `{name, region, dates: [...], days_before?, days_after?}` records."""
        extra = [
            Festival.on_dates(str(r["name"]), str(r.get("region", "custom")), r["dates"],  # type: ignore[arg-type]
                              days_before=int(r.get("days_before", 14)),  # type: ignore[call-overload]
                              days_after=int(r.get("days_after", 0)))  # type: ignore[call-overload]
            for r in records
        ]
        return cls((base.festivals if base else ()) + tuple(extra))

    def names(self) -> list[str]:
        return [f.name for f in self.festivals]

    def occurrences(self, festival: Festival, start_year: int, end_year: int) -> list[date]:
        """The festival's days in the years start_year..end_year (unknown years skipped)."""
        days = (festival.day(y) for y in range(start_year, end_year + 1))
        return [d for d in days if d is not None]


@dataclass(frozen=True)
class FestivalDates:
    """A shop's own festival, by its explicit days (one per year at most) and its window."""

    name: str
    dates: tuple[str, ...]
    days_before: int = 14
    days_after: int = 0
    region: str = "custom"

    def festival(self) -> Festival:
        return Festival.on_dates(self.name, self.region, self.dates, days_before=self.days_before,
                                 days_after=self.days_after)


@dataclass(frozen=True)
class Closure:
    """Days the shop is closed, first to last (ISO dates, both included)."""

    first: str
    last: str

    def days(self) -> list[date]:
        start, end = date.fromisoformat(self.first), date.fromisoformat(self.last)
        if end < start:
            raise ValueError(f"closure {self.first}..{self.last} ends before it starts")
        if (end - start).days >= MAX_CLOSURE_DAYS:
            raise ValueError(f"closure {self.first}..{self.last} is longer than {MAX_CLOSURE_DAYS} days")
        return [start + timedelta(days=k) for k in range((end - start).days + 1)]


MAX_CLOSURE_DAYS = 366


@dataclass(frozen=True)
class CalendarConfig:
    """The festivals a model reads: the built-in ones of `regions` plus the shop's own `festivals`;
    and the shop's `closures` (past or planned), which its forecasts read as days without demand.

    Plain values only, so a model's settings (and its recipe) record the calendar it was fitted with."""

    regions: tuple[str, ...] = ("UK", "CN")
    festivals: tuple[FestivalDates, ...] = ()
    closures: tuple[Closure, ...] = ()
    repeat_closures: bool = True  # False: only the named closures close days (no inference from last year)

    def __post_init__(self) -> None:
        unknown = sorted({r.upper() for r in self.regions} - {f.region for f in BUILT_IN})
        if unknown:
            raise ValueError(f"unknown calendar region(s) {unknown}; built in: UK, CN")
        names = [f.name for f in HolidayCalendar.default(self.regions).festivals] + [f.name for f in self.festivals]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"festival name(s) {repeated} used twice (built-in festivals of the regions count)")
        for fest in self.festivals:
            fest.festival()  # checks the name and the window
        for closure in self.closures:
            closure.days()  # checks the dates

    @classmethod
    def from_values(cls, values: dict[str, Any]) -> CalendarConfig:
        """The settings whose plain values (`dataclasses.asdict`, e.g. read back from JSON) are `values`."""
        festivals = tuple(FestivalDates(**{**f, "dates": tuple(f["dates"])}) for f in values.get("festivals", ()))
        return cls(regions=tuple(values.get("regions", ("UK", "CN"))), festivals=festivals,
                   closures=tuple(Closure(**c) for c in values.get("closures", ())),
                   repeat_closures=bool(values.get("repeat_closures", True)))

    def calendar(self) -> HolidayCalendar:
        """The HolidayCalendar these settings describe."""
        base = HolidayCalendar.default(self.regions)
        closed = frozenset(d for c in self.closures for d in c.days())
        return HolidayCalendar(base.festivals + tuple(f.festival() for f in self.festivals), closed_days=closed,
                               repeat_closures=self.repeat_closures)


def calendar_features(starts: Sequence[pd.Timestamp] | pd.DatetimeIndex, *, freq: str,
                      calendar: HolidayCalendar | None = None, horizon_cap: int = 120) -> pd.DataFrame:
    """Calendar features of buckets starting at `starts` (one row each, same order).

    Columns: `month`, `week_of_year`, `day_of_week` (daily only), and per festival `days_to_<name>`
    (days from the bucket's start to the next festival day, capped at `horizon_cap`) and `in_<name>`
    (share of the bucket's days inside the festival window).
    """
    if freq not in ("D", "W"):
        raise ValueError(f"freq must be 'D' or 'W', got {freq!r}")
    cal = calendar or HolidayCalendar.default()
    idx = pd.DatetimeIndex(starts).tz_localize(None) if pd.DatetimeIndex(starts).tz else pd.DatetimeIndex(starts)
    out = pd.DataFrame({"month": idx.month.astype(np.int16),
                        "week_of_year": idx.isocalendar().week.to_numpy().astype(np.int16)})
    if freq == "D":
        out["day_of_week"] = idx.dayofweek.astype(np.int16)
    length = 1 if freq == "D" else 7
    if len(idx) == 0:
        return out
    years = (int(idx.year.min()) - 1, int(idx.year.max()) + 2)
    days = idx.to_numpy(dtype="datetime64[D]")
    for fest in cal.festivals:
        occ = np.array(cal.occurrences(fest, *years), dtype="datetime64[D]")
        out[f"days_to_{fest.name}"] = _days_to_next(days, occ, horizon_cap)
        out[f"in_{fest.name}"] = _share_in_window(days, occ, length, fest.days_before, fest.days_after)
    return out


def _days_to_next(days: np.ndarray, occ: np.ndarray, cap: int) -> np.ndarray:
    if occ.size == 0:
        return np.full(days.shape, cap, dtype=np.float32)
    occ = np.sort(occ)
    pos = np.searchsorted(occ, days, side="left")
    nxt = occ[np.minimum(pos, occ.size - 1)]
    gap = (nxt - days).astype(np.int64).astype(np.float32)
    gap[(pos >= occ.size) | (gap < 0)] = cap
    return np.minimum(gap, cap)


def _share_in_window(days: np.ndarray, occ: np.ndarray, length: int, before: int, after: int) -> np.ndarray:
    share = np.zeros(days.shape, dtype=np.float32)
    for offset in range(length):
        d = days + np.timedelta64(offset, "D")
        for o in occ:
            share += ((d >= o - np.timedelta64(before, "D")) & (d <= o + np.timedelta64(after, "D")))
    return share / length
