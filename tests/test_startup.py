"""Start-up failures as the one line `meetbot run` prints (the processes themselves are run in
tests/e2e/test_run_command.py); here the wording of the cases a test machine cannot provoke."""

from __future__ import annotations

import errno
import socket
from pathlib import Path

import asyncpg
import pytest

from bot.startup import StartupError, database_problem, listen_problem, trust


def test_the_database_line_never_carries_the_password() -> None:
    url = "postgresql://meetbot:s3cret-pw@db.contoso.internal:6432/meetbot"
    error = asyncpg.InvalidPasswordError("password s3cret-pw rejected for user meetbot")
    line = str(database_problem(url, error))
    assert line == (
        "DATABASE_URL: cannot open the PostgreSQL database 'meetbot' at db.contoso.internal:6432: "
        "password [redacted] rejected for user meetbot"
    )


def test_a_timeout_and_a_multi_line_error_are_one_line() -> None:
    url = "postgresql://meetbot@db/meetbot"
    assert str(database_problem(url, TimeoutError())).endswith(": no answer in time")
    multi = asyncpg.PostgresError("first line\n  second line")
    assert str(database_problem(url, multi)).endswith(": first line second line")


@pytest.mark.parametrize(
    ("code", "hint"),
    [
        (errno.EADDRINUSE, "the port is in use (choose another with PORT or --port)"),
        (errno.EADDRNOTAVAIL, "10.9.8.7 is not an address of this machine (change HOST)"),
        (
            errno.EACCES,
            "permission denied (ports below 1024 need privileges; change PORT or --port)",
        ),
    ],
)
def test_listen_problems_say_what_to_change(code: int, hint: str) -> None:
    line = str(listen_problem("10.9.8.7", 80, OSError(code, "whatever the OS says")))
    assert line == f"cannot listen on 10.9.8.7:80: {hint}"


def test_an_unknown_host_names_host() -> None:
    error = socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    line = str(listen_problem("nohost", 3978, error))
    assert line == "HOST: cannot listen on 'nohost': unknown host (Name or service not known)"


def test_a_certificate_file_that_is_missing_or_not_pem_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "missing.pem"
    with pytest.raises(StartupError, match=f"^GRAPH_CA_BUNDLE: no certificate file at {missing}$"):
        trust(missing, "GRAPH_CA_BUNDLE")
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate")
    with pytest.raises(StartupError, match=f"^BOT_CA_BUNDLE: {junk} is not a readable PEM"):
        trust(junk, "BOT_CA_BUNDLE")
