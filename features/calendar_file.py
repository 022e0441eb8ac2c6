"""A shop's calendar file (`SHOPML_CALENDAR_FILE`): which built-in regions it trades in, and its own festivals.

JSON, for example::

    {"regions": ["UK"],
     "festivals": [{"name": "summer_sale", "dates": ["2010-07-05", "2011-07-04"],
                    "days_before": 7, "days_after": 6}],
     "closures": [{"from": "2010-12-24", "to": "2011-01-03"}]}

`regions` defaults to UK and CN; each festival needs `name` (an identifier) and `dates` (ISO days,
one per year at most), and takes `days_before` (default 14) and `days_after` (default 0). Each
closure names its first and last day (`from`, `to`, included, at most 366 days): past ones keep
the days out of training, planned ones are forecast 0. `repeat_closures` (default true) also closes
the dates one year after a closure of a week or more seen in the sales (`training.forecast.closures`);
false keeps only the named closures (a shop whose data has gaps that are not closures).
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

from features.calendar import MAX_WINDOW_DAYS, CalendarConfig, Closure, FestivalDates

FILE_KEYS = {"regions", "festivals", "closures", "repeat_closures"}
FESTIVAL_KEYS = {"name", "dates", "days_before", "days_after"}
CLOSURE_KEYS = {"from", "to"}
ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


class CalendarFileError(ValueError):
    """The calendar file cannot be read; the message names the file and the field."""


def load_calendar_file(path: Path) -> CalendarConfig:
    """The calendar settings in `path`, or CalendarFileError naming the file and the bad field."""
    try:
        raw = json.loads(path.read_text())
    except OSError as exc:
        raise CalendarFileError(f"{path}: cannot read the calendar file ({exc.strerror or exc})") from exc
    except json.JSONDecodeError as exc:
        raise CalendarFileError(f"{path}: not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from exc
    if not isinstance(raw, dict):
        raise CalendarFileError(f"{path}: expected a JSON object with 'regions', 'festivals' and/or 'closures'")
    _no_unknown_keys(path, "", raw, FILE_KEYS)
    regions = raw.get("regions", ["UK", "CN"])
    if not isinstance(regions, list) or not all(isinstance(r, str) for r in regions):
        raise CalendarFileError(f"{path}: regions must be a list of region codes (UK, CN), got {regions!r}")
    festivals = raw.get("festivals", [])
    if not isinstance(festivals, list):
        raise CalendarFileError(f"{path}: festivals must be a list of objects, got {festivals!r}")
    parsed = tuple(_festival(path, k, f) for k, f in enumerate(festivals))
    closures = raw.get("closures", [])
    if not isinstance(closures, list):
        raise CalendarFileError(f"{path}: closures must be a list of objects, got {closures!r}")
    shut = tuple(_closure(path, k, c) for k, c in enumerate(closures))
    repeat = raw.get("repeat_closures", True)
    if not isinstance(repeat, bool):
        raise CalendarFileError(f"{path}: repeat_closures must be true or false, got {repeat!r}")
    try:
        return CalendarConfig(regions=tuple(r.upper() for r in regions), festivals=parsed, closures=shut,
                              repeat_closures=repeat)
    except ValueError as exc:
        raise CalendarFileError(f"{path}: {exc}") from exc


def _no_unknown_keys(path: Path, where: str, value: dict[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise CalendarFileError(f"{path}: {where}unknown field(s) {unknown}; allowed: {sorted(allowed)}")


def _iso(path: Path, where: str, value: object) -> str:
    try:
        if not isinstance(value, str) or not ISO_DAY.fullmatch(value):
            raise ValueError(value)
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise CalendarFileError(f"{path}: {where} is not an ISO date (YYYY-MM-DD): {value!r}") from None


def calendar_document(config: CalendarConfig) -> dict[str, Any]:
    """The calendar settings as a calendar file holds them: `load_calendar_file` reads this back."""
    return {"regions": list(config.regions),
            "festivals": [{"name": f.name, "dates": list(f.dates), "days_before": f.days_before,
                           "days_after": f.days_after} for f in config.festivals],
            "closures": [{"from": c.first, "to": c.last} for c in config.closures],
            "repeat_closures": config.repeat_closures}


def _closure(path: Path, k: int, value: object) -> Closure:
    where = f"closures[{k}]"
    if not isinstance(value, dict):
        raise CalendarFileError(f"{path}: {where} must be an object with 'from' and 'to', got {value!r}")
    _no_unknown_keys(path, f"{where}: ", value, CLOSURE_KEYS)
    missing = sorted(CLOSURE_KEYS - set(value))
    if missing:
        raise CalendarFileError(f"{path}: {where} needs {missing} (its first and last closed day)")
    closure = Closure(_iso(path, f"{where}.from", value["from"]), _iso(path, f"{where}.to", value["to"]))
    try:
        closure.days()
    except ValueError as exc:
        raise CalendarFileError(f"{path}: {where}: {exc}") from None
    return closure


def _festival(path: Path, k: int, value: object) -> FestivalDates:
    where = f"festivals[{k}]"
    if not isinstance(value, dict):
        raise CalendarFileError(f"{path}: {where} must be an object, got {value!r}")
    _no_unknown_keys(path, f"{where}: ", value, FESTIVAL_KEYS)
    name = value.get("name")
    if not isinstance(name, str) or not name.isidentifier():
        raise CalendarFileError(f"{path}: {where}.name must be an identifier (letters, digits, _), got {name!r}")
    dates = value.get("dates")
    if not isinstance(dates, list) or not dates:
        raise CalendarFileError(f"{path}: {where}.dates ({name}) must be a non-empty list of ISO dates")
    days = [_iso(path, f"{where}.dates[{j}] ({name})", d) for j, d in enumerate(dates)]
    years = [d[:4] for d in days]
    if len(set(years)) < len(years):
        raise CalendarFileError(f"{path}: {where}.dates ({name}) has two days in one year; a festival "
                                "has one day a year (use days_before/days_after for its window)")
    window: dict[str, int] = {}
    for key in ("days_before", "days_after"):
        given = value.get(key, 14 if key == "days_before" else 0)
        if isinstance(given, bool) or not isinstance(given, int) or not 0 <= given <= MAX_WINDOW_DAYS:
            raise CalendarFileError(f"{path}: {where}.{key} ({name}) must be a whole number of days "
                                    f"0..{MAX_WINDOW_DAYS}, got {given!r}")
        window[key] = given
    return FestivalDates(name=name, dates=tuple(days), days_before=window["days_before"],
                         days_after=window["days_after"])
