"""`shopml serve`: run the HTTP API under uvicorn."""

from __future__ import annotations

import inspect
import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from features.settings import Settings
from training.cli.apps import app, exit_invalid_settings

if TYPE_CHECKING:
    from serving.config import ServingSettings


@app.command("serve")
def serve_command(
    host: str = typer.Option(None, help="interface to bind (default SHOPML_HOST or 127.0.0.1)"),
    port: int = typer.Option(None, min=1, max=65535, help="port (default SHOPML_PORT or 8000)"),
    workers: int = typer.Option(None, min=1, max=64, help="worker processes (default SHOPML_WORKERS)"),
) -> None:
    """Serve the champions of the model registry over HTTP."""
    import uvicorn

    settings = checked_settings()
    n_workers = workers or settings.workers
    if n_workers > 1:
        prepare_registry(settings)
    metrics_dir = _multiprocess_metrics_dir(settings) if n_workers > 1 else None
    try:
        uvicorn.run(
            "serving.main:create_app",
            factory=True,
            host=host or settings.host,
            port=port or settings.port,
            workers=n_workers,
            log_level=settings.log_level.lower(),
            access_log=False,
            **worker_patience(uvicorn.Config),
        )
    finally:
        if metrics_dir is not None:
            shutil.rmtree(metrics_dir, ignore_errors=True)
            os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)  # the folder it named is gone


WORKER_STARTUP_SECONDS = 60  # a worker imports pandas, LightGBM and MLflow and loads every model first


def worker_patience(config: type) -> dict[str, Any]:
    """How long uvicorn waits for a worker's health answer before it kills and restarts it (its own
    default, 5 s, restarted workers over and over on a busy 2-core machine); {} where uvicorn has no such option."""
    if "timeout_worker_healthcheck" not in inspect.signature(config).parameters:
        return {}
    return {"timeout_worker_healthcheck": WORKER_STARTUP_SECONDS}


def checked_settings() -> ServingSettings:
    """The settings every worker will read, checked before uvicorn starts: an invalid `SHOPML_*` value
    raises the ValidationError `main` prints; a log level uvicorn does not know stops here the same way."""
    from uvicorn.config import LOG_LEVELS

    from serving.config import ServingSettings

    settings = ServingSettings()
    if settings.log_level.lower() not in LOG_LEVELS:
        exit_invalid_settings([f"SHOPML_LOG_LEVEL={settings.log_level!r}: must be one of {', '.join(LOG_LEVELS)}"])
    return settings


def prepare_registry(settings: Settings) -> None:
    """Open the MLflow store once before the workers start: a new SQLite store is created and migrated
    here, not by several workers at once (their race left it half-migrated). A store that cannot be
    reached is left to the workers, which serve without it and say so."""
    import logging

    from mlflow import MlflowClient

    from training.tracking import configure

    try:
        configure(settings)
        MlflowClient(tracking_uri=settings.tracking_uri).search_registered_models(max_results=1)
    except Exception as exc:  # noqa: BLE001 - serving starts without a registry and reports it
        logging.getLogger(__name__).warning("MLflow registry not ready before the workers start: %s", exc)


def _multiprocess_metrics_dir(settings: Settings) -> Path | None:
    """A fresh Prometheus multiprocess folder of this server's own, so /metrics sums every worker.

    None when the operator set PROMETHEUS_MULTIPROC_DIR (theirs is used as it is).
    """
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return None
    parent = Path(settings.home) / "prometheus"
    parent.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=f"serve-{os.getpid()}-", dir=parent))  # never another server's
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)
    return folder
