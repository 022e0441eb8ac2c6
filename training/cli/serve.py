"""`shopml serve`: run the HTTP API under uvicorn."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import typer

from features.settings import Settings
from training.cli.apps import app


@app.command("serve")
def serve_command(
    host: str = typer.Option(None, help="interface to bind (default SHOPML_HOST or 127.0.0.1)"),
    port: int = typer.Option(None, help="port (default SHOPML_PORT or 8000)"),
    workers: int = typer.Option(None, min=1, max=64, help="worker processes (default SHOPML_WORKERS)"),
) -> None:
    """Serve the champions of the model registry over HTTP."""
    import uvicorn

    settings = Settings()
    n_workers = workers or settings.workers
    if n_workers > 1:
        _prepare_multiprocess_metrics(settings)
    uvicorn.run(
        "serving.main:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=n_workers,
        log_level=settings.log_level,
        access_log=False,
    )


def _prepare_multiprocess_metrics(settings: Settings) -> None:
    """Give the workers one empty Prometheus multiprocess folder, so /metrics sums every worker."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return
    folder = Path(settings.home) / "prometheus"
    shutil.rmtree(folder, ignore_errors=True)  # counters of an earlier run must not leak into this one
    folder.mkdir(parents=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)
