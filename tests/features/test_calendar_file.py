"""A shop's calendar file: its regions and festivals reach the forecaster; a bad file is named, field by field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from features.calendar import CalendarConfig, FestivalDates
from features.calendar_file import CalendarFileError, load_calendar_file


def _write(tmp_path: Path, content: object) -> Path:
    path = tmp_path / "calendar.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


def test_the_file_sets_regions_and_adds_the_shops_festivals(tmp_path: Path) -> None:
    path = _write(tmp_path, {"regions": ["uk"], "festivals": [
        {"name": "summer_sale", "dates": ["2010-07-05", "2011-07-04"], "days_before": 7, "days_after": 6}]})
    cfg = load_calendar_file(path)
    assert cfg == CalendarConfig(regions=("UK",), festivals=(
        FestivalDates("summer_sale", ("2010-07-05", "2011-07-04"), days_before=7, days_after=6),))
    names = [f.name for f in cfg.calendar().festivals]
    assert names == ["christmas", "easter", "black_friday", "summer_sale"]  # no CN festivals
    assert str(cfg.calendar().festivals[-1].day(2011)) == "2011-07-04"


@pytest.mark.parametrize(("content", "message"), [
    ("{not json", "not JSON (line 1, column 2"),
    ([], "expected a JSON object"),
    ({"region": ["UK"]}, "unknown field(s) ['region']"),
    ({"regions": ["FR"]}, "unknown calendar region(s) ['FR']"),
    ({"regions": "UK"}, "regions must be a list"),
    ({"festivals": [{"name": "sale day", "dates": ["2010-01-01"]}]}, "festivals[0].name must be an identifier"),
    ({"festivals": [{"name": "sale", "dates": []}]}, "festivals[0].dates (sale) must be a non-empty list"),
    ({"festivals": [{"name": "sale", "dates": ["2010-01-01", "2010-13-01"]}]},
     "festivals[0].dates[1] (sale) is not an ISO date (YYYY-MM-DD): '2010-13-01'"),
    ({"festivals": [{"name": "sale", "dates": ["2010-01-01", "2010-06-01"]}]}, "two days in one year"),
    ({"festivals": [{"name": "sale", "dates": ["2010-01-01"], "days_before": -1}]},
     "festivals[0].days_before (sale) must be a whole number of days 0..90, got -1"),
    ({"festivals": [{"name": "sale", "dates": ["2010-01-01"], "days_before": 400}]},
     "festivals[0].days_before (sale) must be a whole number of days 0..90, got 400"),
    ({"festivals": [{"name": "sale", "dates": ["2010-01-01"], "days_after": "3"}]}, "festivals[0].days_after"),
    ({"festivals": [{"name": "sale", "dates": ["2010-01-01"], "when": 1}]}, "festivals[0]: unknown field(s) ['when']"),
    ({"festivals": [{"name": "christmas", "dates": ["2010-12-20"]}]}, "['christmas'] used twice"),
])
def test_a_bad_file_names_itself_and_the_field(tmp_path: Path, content: object, message: str) -> None:
    path = _write(tmp_path, content)
    with pytest.raises(CalendarFileError) as err:
        load_calendar_file(path)
    assert str(err.value).startswith(f"{path}: ")
    assert message in str(err.value)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(CalendarFileError, match="missing.json: cannot read the calendar file"):
        load_calendar_file(tmp_path / "missing.json")


def test_closures_are_read_with_their_days(tmp_path: Path) -> None:
    from datetime import date

    from features.calendar import Closure

    path = _write(tmp_path, {"closures": [{"from": "2010-12-24", "to": "2011-01-03"}]})
    cfg = load_calendar_file(path)
    assert cfg.closures == (Closure("2010-12-24", "2011-01-03"),)
    closed = cfg.calendar().closed_days
    assert len(closed) == 11 and date(2010, 12, 31) in closed and date(2011, 1, 4) not in closed


@pytest.mark.parametrize(("closure", "message"), [
    ({"from": "2010-12-24"}, "closures[0] needs ['to'] (its first and last closed day)"),
    ({"from": "2010-12-24", "to": "2010-12-20"}, "closures[0]: closure 2010-12-24..2010-12-20 ends before it starts"),
    ({"from": "2010-01-01", "to": "2011-06-01"}, "is longer than 366 days"),
    ({"from": "24/12/2010", "to": "2011-01-03"}, "closures[0].from is not an ISO date (YYYY-MM-DD): '24/12/2010'"),
    ({"from": "20101224", "to": "2011-01-03"}, "closures[0].from is not an ISO date (YYYY-MM-DD): '20101224'"),
    ({"from": "2010-W52-5", "to": "2011-01-03"}, "closures[0].from is not an ISO date (YYYY-MM-DD): '2010-W52-5'"),
    ({"from": 20101224, "to": "2011-01-03"}, "closures[0].from is not an ISO date (YYYY-MM-DD): 20101224"),
    ({"from": "2010-12-24", "to": "2011-01-03", "why": "holiday"}, "closures[0]: unknown field(s) ['why']"),
    ("2010-12-24", "closures[0] must be an object with 'from' and 'to'"),
])
def test_a_bad_closure_is_named(tmp_path: Path, closure: object, message: str) -> None:
    path = _write(tmp_path, {"closures": [closure]})
    with pytest.raises(CalendarFileError) as err:
        load_calendar_file(path)
    assert message in str(err.value)


def test_repeat_closures_switches_off_the_yearly_rule(tmp_path: Path) -> None:
    assert load_calendar_file(_write(tmp_path, {})).calendar().repeat_closures is True
    cfg = load_calendar_file(_write(tmp_path, {"repeat_closures": False}))
    assert cfg.repeat_closures is False and cfg.calendar().repeat_closures is False
    with pytest.raises(CalendarFileError, match="repeat_closures must be true or false, got 'no'"):
        load_calendar_file(_write(tmp_path, {"repeat_closures": "no"}))
