"""Settings of the forecaster, grouped per bucket frequency (weekly or daily)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from features.calendar import CalendarConfig
from features.calendar_file import load_calendar_file
from features.settings import Settings

QUANTILES: tuple[float, float, float] = (0.1, 0.5, 0.9)


@dataclass(frozen=True)
class FreqSpec:
    """Window lengths of one bucket frequency, in buckets."""

    freq: str
    season: int  # buckets per seasonal cycle used by seasonal peers and features (1 = none)
    week: int  # buckets per week
    horizon: int  # horizon the model is trained and evaluated on
    served_horizon: int  # horizon stored for serving
    origin_step: int  # spacing of the training origins
    min_history: int  # buckets of history an origin needs
    max_origins: int = 30  # latest training origins kept per fit (bounds the training time)
    train_items: int | None = None  # overrides ForecastConfig.train_items for this frequency
    # daily only: a weekday with no sale in the shop total on each of the last `closed_weeks` weeks
    # before the origin is a closed day, forecast 0 (see `closures.closed_weekdays`); 0 = off
    closed_weeks: int = 0
    # a run of at least this many days without any shop sale closes the same dates a year later
    # (see `closures.annual_closed`); 0 = off
    annual_closure_days: int = 7

    def __post_init__(self) -> None:
        if self.freq not in ("D", "W"):
            raise ValueError(f"freq must be 'D' or 'W', got {self.freq!r}")
        if min(self.season, self.week, self.horizon, self.origin_step) < 1:
            raise ValueError("season, week, horizon and origin_step must be positive integers")
        if self.annual_closure_days < 0:
            raise ValueError(f"annual_closure_days must be >= 0, got {self.annual_closure_days}")
        if self.closed_weeks < 0 or (self.closed_weeks and self.freq != "D"):
            raise ValueError(f"closed_weeks must be >= 0, and 0 unless freq is 'D'; got {self.closed_weeks}")
        if self.served_horizon < self.horizon:
            raise ValueError("served_horizon must be >= horizon")


WEEKLY = FreqSpec(freq="W", season=1, week=1, horizon=8, served_horizon=26, origin_step=1, min_history=8)
DAILY = FreqSpec(freq="D", season=7, week=7, horizon=28, served_horizon=90, origin_step=7, min_history=56,
                 max_origins=10, train_items=200, closed_weeks=8)
SPECS: dict[str, FreqSpec] = {"W": WEEKLY, "D": DAILY}


@dataclass(frozen=True)
class ForecastConfig:
    """Hyper-parameters of the global model, the training set and the calibration."""

    train_items: int = 350  # items (by volume) whose history trains the global model
    n_estimators: int = 80
    learning_rate: float = 0.12
    num_leaves: int = 31
    min_child_samples: int = 200
    n_jobs: int = 1  # one thread: on a shared 2-core machine, 2 OpenMP threads run ~5x slower
    bulk_factor: float = 4.0  # an order line above bulk_factor x the item's p90 line quantity is capped
    calibration_buckets: int | None = None  # validation span before the end of training (default: horizon)
    coverage_target: float = 0.80
    scale_p50: bool = False  # also learn a multiplicative p50 correction on the validation origins
    capped_targets: bool = True  # train on capped demand (True) or on the raw demand with bulk orders
    weight_by: str = "scaled"  # row weight: "scaled" = level / series scale (as the metrics), "level" = level
    recency_weeks: float | None = 13.0  # origins weigh exp(-age / recency_weeks) in training; None = equal
    # days_to_<festival>, week_of_year and month are a time index when the history spans one year
    # (each value is seen once); they are only used with at least two years of history.
    time_index_min_years: float = 2.0
    seed: int = 7
    calendar: CalendarConfig = field(default_factory=CalendarConfig)  # festivals the model reads
    specs: dict[str, FreqSpec] = field(default_factory=lambda: dict(SPECS))


def saved_config(config: dict[str, Any], specs: dict[str, dict[str, Any]]) -> ForecastConfig:
    """The settings a trained folder records (its `config` without specs, and a spec per frequency);
    ValueError when this version cannot rebuild them (unknown or missing fields)."""
    try:
        values = dict(config)
        calendar = CalendarConfig.from_values(values.pop("calendar", {}))
        return ForecastConfig(**values, calendar=calendar, specs={f: FreqSpec(**v) for f, v in specs.items()})
    except (TypeError, KeyError, AttributeError) as exc:
        raise ValueError(f"the saved settings cannot be rebuilt by this version: {exc}") from exc


def config_params(cfg: ForecastConfig) -> dict[str, object]:
    """The settings as flat MLflow parameters: the calendar as its regions, festival names and number of closures."""
    params: dict[str, object] = {k: v for k, v in asdict(cfg).items() if k not in ("specs", "calendar")}
    params["calendar_regions"] = ",".join(cfg.calendar.regions)
    params["calendar_festivals"] = ",".join(f.name for f in cfg.calendar.calendar().festivals)
    params["calendar_closures"] = len(cfg.calendar.closures)  # the days are in the run's settings/calendar.json
    return params


def forecast_config(settings: Settings) -> ForecastConfig:
    """This shop's forecaster settings: the defaults, reading the calendar of SHOPML_CALENDAR_FILE when
    set (`features.calendar_file.CalendarFileError` when it cannot be read)."""
    if settings.calendar_file is None:
        return ForecastConfig()
    return ForecastConfig(calendar=load_calendar_file(settings.calendar_file))
