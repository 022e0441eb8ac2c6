"""The event store as the command line opens it: a store the settings cannot open stops the command
with one line naming SHOPML_DATABASE_URL or SHOPML_HOME and the reason (exit code 2)."""

from __future__ import annotations

import typer

from features.settings import Settings
from features.store import EventStore


def open_store(settings: Settings) -> EventStore:
    """The event store the settings point at; exit code 2 with the variable and the reason when it cannot
    be opened. Only errors of opening it are caught: those of later reads and writes are not."""
    from sqlalchemy.exc import ArgumentError, DBAPIError

    try:
        return EventStore.from_settings(settings)
    except ArgumentError as exc:  # not a URL, or an unknown dialect
        reason = f"not a database URL ({_redacted(str(exc), settings)})"
    except ImportError as exc:  # the dialect's driver
        reason = f"its database driver is not installed ({exc})"
    except DBAPIError as exc:  # refused, unknown host or database, bad password, unwritable SQLite file
        reason = "cannot open the event store: " + _redacted(str(exc.orig).strip().splitlines()[0], settings)
    except FileExistsError as exc:
        reason = f"{exc.filename} is a file, not a folder"
    except OSError as exc:
        reason = f"cannot create the event store there ({exc.strerror}: {exc.filename})"
    if settings.database_url:
        variable, value = "SHOPML_DATABASE_URL", redact(settings.database_url)
    else:
        variable, value = "SHOPML_HOME", str(settings.home)
    typer.echo(f"{variable}={value!r}: {reason}", err=True)
    raise typer.Exit(code=2)


def check_store(settings: Settings) -> None:
    """Stop the command (see `open_store`) unless the event store opens; before work that reads it."""
    open_store(settings).close()


def redact(url: str) -> str:
    """`url` with its user and password replaced by ***."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


def _redacted(text: str, settings: Settings) -> str:
    url = settings.database_url
    return text.replace(url, redact(url)) if url else text
