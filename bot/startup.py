"""Why Meetbot could not start, as one line: `meetbot run` prints a `StartupError` and exits.

Settings that contradict each other are `bot.settings.SettingsError`, found before anything
starts. What only starting finds out (the database does not answer, the port is taken, a
certificate file is missing) is a `StartupError`, raised where it happens with a message that
names the setting to change. Anything else still escapes as a bug, with its traceback.
"""

from __future__ import annotations

import errno
import socket
import sqlite3
import ssl
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg


class StartupError(Exception):
    """Meetbot cannot start; the message is one line that says why and what to change."""


# What opening the store raises when the database is wrong rather than the code: the network
# (refused, unknown host, timeout), PostgreSQL's own refusals (no such database, password),
# asyncpg's reading of the URL, and SQLite's (cannot open, read-only).
DATABASE_ERRORS = (
    OSError,
    TimeoutError,
    sqlite3.Error,
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
)


def database_problem(database_url: str, error: BaseException) -> StartupError:
    """A store that failed to open, as the line `meetbot run` prints (never its password:
    this line is printed, not logged through the masking formatter)."""
    why = reason(error)
    password = urlsplit(database_url).password
    if password:
        why = why.replace(password, "[redacted]")
    return StartupError(f"DATABASE_URL: cannot open {_database(database_url)}: {why}")


def _database(database_url: str) -> str:
    if database_url.startswith("sqlite:///"):
        return f"the SQLite file {Path(database_url.removeprefix('sqlite:///')).absolute()}"
    parts = urlsplit(database_url)  # its port was checked with the settings
    where = f"{parts.hostname or 'localhost'}:{parts.port or 5432}"
    return f"the PostgreSQL database {parts.path.lstrip('/') or '(default)'!r} at {where}"


def listen_problem(
    host: str,
    port: int,
    error: OSError,
    *,
    host_option: str = "HOST",
    port_option: str = "PORT or --port",
) -> StartupError:
    """A socket that could not be bound to host:port; the options are what sets each."""
    if isinstance(error, socket.gaierror):
        return StartupError(
            f"{host_option}: cannot listen on {host!r}: unknown host ({reason(error)})"
        )
    hints = {
        errno.EADDRINUSE: f"the port is in use (choose another with {port_option})",
        errno.EADDRNOTAVAIL: f"{host} is not an address of this machine (change {host_option})",
        errno.EACCES: f"permission denied (ports below 1024 need privileges; change {port_option})",
    }
    return StartupError(
        f"cannot listen on {host}:{port}: {hints.get(error.errno or 0, reason(error))}"
    )


def trust(path: Path, setting: str) -> ssl.SSLContext:
    """A TLS context that trusts exactly the certificate(s) in `path` (named by `setting`)."""
    if not path.is_file():
        raise StartupError(f"{setting}: no certificate file at {path}")
    try:
        return ssl.create_default_context(cafile=str(path))
    except (ssl.SSLError, OSError) as error:
        raise StartupError(
            f"{setting}: {path} is not a readable PEM certificate ({reason(error)})"
        ) from None


def reason(error: BaseException) -> str:
    """What went wrong, in a few words on one line."""
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    if isinstance(error, TimeoutError):
        return "no answer in time"
    text = " ".join(str(error).split())  # one line, whatever the library wrote
    return text or type(error).__name__
