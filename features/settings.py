"""The one settings object of every shopml process, read from `SHOPML_*` environment variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Where data and models live and how the service runs."""

    model_config = SettingsConfigDict(env_prefix="SHOPML_", extra="ignore")

    environment: Literal["development", "production"] = "development"
    home: Path = Path(".shopml")
    database_url: str | None = None
    mlflow_tracking_uri: str | None = Field(
        default=None,
        validation_alias=AliasChoices("MLFLOW_TRACKING_URI", "SHOPML_MLFLOW_TRACKING_URI"),
    )
    mlruns_dir: Path = Path("mlruns")
    admin_api_key: str | None = None
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int = Field(default=2, ge=1, le=64)
    max_body_bytes: int = Field(default=1_000_000, ge=1_000)
    log_level: str = "info"
    calendar_file: Path | None = None  # the shop's festivals and regions (`features.calendar_file`)

    @field_validator("calendar_file", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        """An empty SHOPML_CALENDAR_FILE means the built-in calendar, as an unset one does."""
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Settings:
        if self.environment == "production" and not self.admin_api_key:
            raise ValueError(
                "SHOPML_ADMIN_API_KEY must be set when SHOPML_ENVIRONMENT=production"
            )
        return self

    @property
    def store_url(self) -> str:
        """SQLAlchemy URL of the event store: PostgreSQL if configured, else embedded SQLite."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.home / 'events.db').resolve()}"

    @property
    def tracking_uri(self) -> str:
        """MLflow tracking URI: the configured one, else a SQLite store under `mlruns/`."""
        if self.mlflow_tracking_uri:
            return self.mlflow_tracking_uri
        return f"sqlite:///{(self.mlruns_dir / 'mlflow.db').resolve()}"

    @property
    def artifact_root(self) -> Path:
        """Where MLflow keeps artefacts when the tracking store is the default one."""
        return (self.mlruns_dir / "artifacts").resolve()


def settings_errors(exc: ValidationError) -> list[str]:
    """One line per invalid setting, naming its environment variable and the value given."""
    lines = []
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else ""
        if not field:
            lines.append(str(error["msg"]).removeprefix("Value error, "))
            continue
        variable = "MLFLOW_TRACKING_URI" if field == "mlflow_tracking_uri" else f"SHOPML_{field.upper()}"
        lines.append(f"{variable}={error.get('input')!r}: {error['msg']}")
    return lines


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
