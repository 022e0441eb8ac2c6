"""Dates on the evaluate commands: a bad --cutoff / --as-of is refused up front, naming the option."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from features.settings import Settings
from training.cli.apps import app
from training.cli.dates import check_split, parse_date

runner = CliRunner()
STAMPS = pd.Series(pd.to_datetime(["2010-01-04 09:00", "2010-03-01 10:00", "2010-06-30 17:00"], utc=True))


def flat(text: str) -> str:
    """CLI output without rich's box characters and line breaks."""
    return re.sub(r"\s+", " ", re.sub(r"[│╭╮╰╯─]", " ", text))


def test_parse_date_reads_iso_dates_as_utc() -> None:
    assert parse_date("2010-10-04", "--cutoff") == pd.Timestamp("2010-10-04", tz="UTC")


@pytest.mark.parametrize("value", ["notadate", "2010-13-45", ""])
def test_parse_date_names_the_option(value: str) -> None:
    with pytest.raises(typer.BadParameter, match="is not a date") as info:
        parse_date(value, "--as-of")
    assert info.value.param_hint == "--as-of"


def test_check_split_accepts_a_complete_window() -> None:
    check_split(pd.Timestamp("2010-06-01", tz="UTC"), STAMPS, param="--cutoff", test_days=30, history_days=30)


def test_check_split_refuses_a_window_past_the_data() -> None:
    with pytest.raises(typer.BadParameter, match=r"no complete 30-day test window: the events end on 2010-06-30 "
                                                 r"\(latest cutoff: 2010-06-01\)"):
        check_split(pd.Timestamp("2010-06-02", tz="UTC"), STAMPS, param="--cutoff", test_days=30)


def test_check_split_suggests_a_monday_when_asked() -> None:
    with pytest.raises(typer.BadParameter, match=r"latest cutoff: 2010-05-31\)"):
        check_split(pd.Timestamp("2010-06-07", tz="UTC"), STAMPS, param="--cutoff", test_days=30, weekday=0)


def test_check_split_refuses_a_cutoff_without_history() -> None:
    with pytest.raises(typer.BadParameter, match=r"too little history: the events start on 2010-01-04 .* "
                                                 r"\(earliest cutoff: 2010-03-06\)"):
        check_split(pd.Timestamp("2010-02-01", tz="UTC"), STAMPS, param="--cutoff", test_days=10, history_days=60)


@pytest.mark.parametrize(("weekday", "earliest"), [(None, "2010-03-06"), (0, "2010-03-08")])
def test_check_split_accepts_the_earliest_date_it_suggests(weekday: int | None, earliest: str) -> None:
    # the events start at 09:00, so 60 days later is 2010-03-05 09:00: the first midnight after is the 6th
    day = pd.Timestamp(earliest, tz="UTC")
    check_split(day, STAMPS, param="--cutoff", test_days=10, history_days=60, weekday=weekday)
    with pytest.raises(typer.BadParameter, match=rf"\(earliest cutoff: {earliest}\)"):
        check_split(day - pd.Timedelta(days=1), STAMPS, param="--cutoff", test_days=10, history_days=60,
                    weekday=weekday)


def test_check_split_says_when_no_date_fits() -> None:
    with pytest.raises(typer.BadParameter, match=r"the events \(2010-01-04 to 2010-06-30\) are too short for any "
                                                 r"as-of: it needs 150 days of events before it and a complete "
                                                 r"90-day label window after it"):
        check_split(pd.Timestamp("2010-05-01", tz="UTC"), STAMPS, param="--as-of", test_days=90, history_days=150,
                    window="label")


@pytest.fixture
def events_file(tmp_path: Path) -> Path:
    days = pd.date_range("2010-01-04", "2010-06-30", freq="D")
    frame = pd.DataFrame({"customer_id": [f"C{k % 7}" for k in range(len(days))],
                          "item_id": [f"I{k % 5}" for k in range(len(days))],
                          "timestamp": days.strftime("%Y-%m-%dT10:00:00Z"), "quantity": 1, "price": 2.0})
    path = tmp_path / "events.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.mark.parametrize(("args", "expected"), [
    (["evaluate", "recommender", "--cutoff", "notadate"], "Invalid value for --cutoff: 'notadate' is not a date"),
    (["evaluate", "recommender", "--cutoff", "2011-01-01"], "no complete 70-day test window"),
    (["evaluate", "recommender", "--cutoff", "2010-02-01"], "too little history"),
    (["evaluate", "forecast", "--cutoff", "2010-05-04"], "2010-05-04 is a Tuesday; weekly buckets start on Mondays"),
    (["evaluate", "forecast", "--cutoff", "2010-06-14", "--freq", "W"],  # six months hold no weekly backtest
     "the events (2010-01-04 to 2010-06-30) are too short for any cutoff: it needs 31 weeks of purchases"),
])
def test_evaluate_refuses_bad_cutoffs(settings: Settings, events_file: Path, args: list[str], expected: str) -> None:
    result = runner.invoke(app, [*args, "--source", str(events_file), "--format", "canonical"])
    assert result.exit_code == 2, result.output
    assert expected in flat(result.output)


@pytest.mark.parametrize(("as_of", "expected"), [
    ("2030-01-01", ("2030-01-01 leaves no complete 30-day label window: the events end on 2010-06-30 "
                   "(latest as-of: 2010-06-01)")),
    ("2010-02-01", ("2010-02-01 leaves too little history: the events start on 2010-01-04 and this needs 88 days "
                   "of events before the as-of (earliest as-of: 2010-04-03)")),
])
def test_evaluate_churn_gives_the_latest_and_earliest_as_of(settings: Settings, events_file: Path, as_of: str,
                                                            expected: str) -> None:
    result = runner.invoke(app, ["evaluate", "churn", "--as-of", as_of, "--horizon-days", "30",
                                 "--source", str(events_file), "--format", "canonical"])
    assert result.exit_code == 2, result.output
    assert f"Invalid value for --as-of: {expected}" in flat(result.output)


def test_churn_history_days_give_the_model_enough_training_dates() -> None:
    # the rule the CLI checks against the rules the churn backtest and model apply
    from training.churn.dataset import training_dates
    from training.churn.model import ChurnConfig
    from training.churn.model import required_history_days as history_days

    config = ChurnConfig(horizon_days=30)
    events = pd.DataFrame({"timestamp": STAMPS})
    earliest = STAMPS.min().ceil("D") + pd.Timedelta(days=history_days(config))

    def dates(as_of: pd.Timestamp) -> int:
        return len(training_dates(events, before=as_of, horizon_days=30, step_days=config.step_days,
                                  min_history_days=config.min_history_days))

    assert dates(earliest) == max(2, config.calibration_dates + 1)  # ChurnModel.fit needs more than calibration_dates
    assert dates(earliest - pd.Timedelta(days=1)) < dates(earliest)


def test_evaluate_churn_refuses_a_bad_as_of(settings: Settings, events_file: Path) -> None:
    result = runner.invoke(app, ["evaluate", "churn", "--as-of", "soon", "--source", str(events_file),
                                 "--format", "canonical"])
    assert result.exit_code == 2, result.output
    assert "Invalid value for --as-of: 'soon' is not a date" in flat(result.output)


@pytest.mark.parametrize(("args", "expected"), [
    (["evaluate", "recommender", "--window-days", "100000"], "Invalid value for '--window-days'"),
    (["evaluate", "forecast", "--horizon", "100000"], "Invalid value for '--horizon'"),
    (["evaluate", "recommender", "--window-days", "400"],
     ("Invalid value for --window-days: the events (2010-01-04 to 2010-06-30) are too short for 400 days: a backtest "
     "needs 401 days of history before the cutoff (the rankers train on the window before it) and a complete "
     "400-day test window after it; the longest these events allow is 88 days")),
    (["evaluate", "forecast", "--horizon", "1000", "--freq", "D"],
     "Invalid value for --horizon: the events (2010-01-04 to 2010-06-30) are too short for 1000 days"),
    (["evaluate", "forecast", "--cutoff", "2030-01-06", "--freq", "D", "--horizon", "7"], "latest cutoff: 2010-06-24"),
])
def test_evaluate_names_a_window_too_long_for_the_events(settings: Settings, events_file: Path, args: list[str],
                                                         expected: str) -> None:
    """Not the cutoff: no cutoff would do; the message gives the longest window that fits."""
    result = runner.invoke(app, [*args, "--source", str(events_file), "--format", "canonical"])
    assert result.exit_code == 2, result.output
    assert expected in flat(result.output)
    assert "Traceback" not in result.output


def test_a_non_monday_cutoff_past_the_data_suggests_a_monday_that_fits(settings: Settings, tmp_path: Path) -> None:
    days = pd.date_range("2010-01-04", "2010-12-31", freq="D")
    frame = pd.DataFrame({"customer_id": [f"C{k % 7}" for k in range(len(days))],
                          "item_id": [f"I{k % 5}" for k in range(len(days))],
                          "timestamp": days.strftime("%Y-%m-%dT10:00:00Z"), "quantity": 1, "price": 2.0})
    frame.to_csv(tmp_path / "year.csv", index=False)
    result = runner.invoke(app, ["evaluate", "forecast", "--cutoff", "2030-01-08", "--freq", "W",
                                 "--source", str(tmp_path / "year.csv"), "--format", "canonical"])
    assert result.exit_code == 2
    assert "2030-01-08 is a Tuesday; weekly buckets start on Mondays (e.g. 2010-11-01)" in flat(result.output)


@pytest.mark.parametrize(("args", "longest"), [
    (["evaluate", "recommender", "--window-days", "400"], r"the longest these events allow is (\d+) days"),
    (["evaluate", "forecast", "--freq", "D", "--horizon", "1000"], r"the longest these events allow is (\d+) days"),
])
def test_the_longest_window_suggested_passes_the_checks(settings: Settings, events_file: Path, args: list[str],
                                                        longest: str) -> None:
    source = ["--source", str(events_file), "--format", "canonical"]
    refused = runner.invoke(app, [*args, *source])
    match = re.search(longest, flat(refused.output))
    assert match, refused.output
    again = runner.invoke(app, [*args[:-1], match.group(1), *source])
    assert "Invalid value" not in flat(again.output), again.output
