"""The forecaster's calendar comes from its settings (SHOPML_CALENDAR_FILE): regions and the shop's festivals."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pandas as pd

from features.calendar import CalendarConfig, FestivalDates
from features.settings import Settings
from tests.training.forecast.shop import small_events, small_items, tiny_config
from training.forecast.config import config_params, forecast_config
from training.forecast.global_model import GlobalForecaster
from training.forecast.history import prepare, top_items


def _write(tmp_path: Path, content: object) -> Path:
    path = tmp_path / "calendar.json"
    path.write_text(json.dumps(content))
    return path


def test_forecast_config_reads_the_file_of_the_settings(tmp_path: Path) -> None:
    assert forecast_config(Settings(calendar_file=None)).calendar == CalendarConfig()
    path = _write(tmp_path, {"festivals": [{"name": "anniversary", "dates": ["2010-03-01"]}]})
    cfg = forecast_config(Settings(calendar_file=path))
    assert cfg.calendar.regions == ("UK", "CN")
    params = config_params(cfg)
    assert params["calendar_regions"] == "UK,CN"
    assert str(params["calendar_festivals"]).endswith(",anniversary")
    assert "calendar" not in params and "specs" not in params


def test_the_model_reads_the_festivals_of_its_config() -> None:
    events = small_events(n_items=6, days=280)
    cut = events["timestamp"].max().normalize().tz_localize(None)
    cut = cut - pd.Timedelta(days=cut.dayofweek)
    ids = top_items(events, as_of=cut, n=6)
    hist = prepare(events, as_of=cut, freq="W", ids=ids, items=small_items(6)).history
    calendar = CalendarConfig(regions=("UK",), festivals=(FestivalDates("spring_sale", ("2023-04-10",), 7, 7),))
    cfg = replace(tiny_config(), train_items=6, calendar=calendar)
    model = GlobalForecaster(cfg.specs["W"], cfg).fit(hist, hist.y.shape[1])
    assert "t_in_spring_sale" in model.features_ and "t_in_christmas" in model.features_
    assert "t_in_double11" not in model.features_  # CN is not one of the shop's regions
    default = GlobalForecaster(cfg.specs["W"], replace(cfg, calendar=CalendarConfig())).fit(hist, hist.y.shape[1])
    assert "t_in_double11" in default.features_ and "t_in_spring_sale" not in default.features_
