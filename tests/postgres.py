"""A throwaway PostgreSQL server for the tests, from the Debian binaries.

    python3 tests/postgres.py start DIR   # prints `export MEETBOT_TEST_POSTGRES_URL=...`
    python3 tests/postgres.py stop DIR
    python3 tests/postgres.py watch DIR PID   # stop it once process PID has ended

`frozen(DIR)` stops every process of a running server (SIGSTOP) and continues them after: a
database that accepts connections and then answers nothing, for the timeout tests.

The server keeps everything in DIR (data, socket, log) and listens on 127.0.0.1 on a free port,
with durability off (fsync, full_page_writes, synchronous_commit): it is fast and disposable.
initdb refuses to run as root, so as root (CI) the server runs as the `postgres` user that the
Debian package creates, and DIR is handed to it (so DIR's parents must let that user through:
/tmp does, root's 0700 pytest directories do not).
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

USER = "meetbot"
URL_VARIABLE = "MEETBOT_TEST_POSTGRES_URL"
SERVER_USER = "postgres"  # who runs the server when we are root


class NoPostgres(RuntimeError):
    """No PostgreSQL server binaries on this machine."""


def bindir() -> Path:
    """The newest installed server's bin directory (initdb, pg_ctl)."""
    candidates = [Path(p) for p in glob.glob("/usr/lib/postgresql/*/bin")]
    candidates = [p for p in candidates if (p / "initdb").exists() and (p / "pg_ctl").exists()]
    if candidates:
        return max(candidates, key=lambda p: _version(p.parent.name))
    pg_config = shutil.which("pg_config")
    if pg_config:
        found = subprocess.run(
            [pg_config, "--bindir"], capture_output=True, text=True, check=False
        ).stdout.strip()
        if found and (Path(found) / "initdb").exists():
            return Path(found)
    for name in ("initdb", "pg_ctl"):
        on_path = shutil.which(name)
        if on_path and (Path(on_path).parent / "pg_ctl").exists():
            return Path(on_path).parent
    raise NoPostgres(
        "no PostgreSQL server binaries (initdb, pg_ctl) in /usr/lib/postgresql/*/bin, "
        "pg_config --bindir or PATH: install them (apt-get install postgresql) "
        f"or set {URL_VARIABLE} to a server's URL"
    )


def _version(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in name.split(".") if part.isdigit())


def _as_server_user(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    try:
        pwd.getpwnam(SERVER_USER)
    except KeyError:
        raise NoPostgres(
            f"running as root, and initdb refuses root, but there is no {SERVER_USER!r} user"
        ) from None
    return ["runuser", "-u", SERVER_USER, "--", *command]


def _hand_over(directory: Path) -> None:
    if os.geteuid() == 0:
        entry = pwd.getpwnam(SERVER_USER)
        for path in [directory, *directory.rglob("*")]:
            os.chown(path, entry.pw_uid, entry.pw_gid)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _run(command: list[str], directory: Path) -> None:
    result = subprocess.run(
        _as_server_user(command), cwd=directory, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        log = directory / "server.log"
        tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        raise RuntimeError(
            f"{' '.join(command)} failed ({result.returncode}):\n"
            f"{result.stdout}{result.stderr}{tail}"
        )


def url(port: int, database: str = "postgres") -> str:
    return f"postgresql://{USER}@127.0.0.1:{port}/{database}"


def start(directory: Path, *, attempts: int = 3) -> tuple[str, Callable[[], None]]:
    """initdb into DIR/data and start a server; its URL and a function that stops it."""
    bin_dir = bindir()
    directory = directory.resolve()
    directory.mkdir(parents=True, exist_ok=True)
    data = directory / "data"
    _hand_over(directory)
    if not (data / "PG_VERSION").exists():
        _run(
            [
                str(bin_dir / "initdb"),
                "-D",
                str(data),
                "-A",
                "trust",
                "-U",
                USER,
                "--no-sync",
                "-E",
                "UTF8",
            ],
            directory,
        )
    for attempt in range(attempts):
        port = _free_port()  # another process may take it before the server binds it: retry
        options = (
            f"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c full_page_writes=off -c synchronous_commit=off -c max_connections=200 "
            "-c autovacuum=off"
        )
        try:
            _run(
                [
                    str(bin_dir / "pg_ctl"),
                    "-D",
                    str(data),
                    "-l",
                    str(directory / "server.log"),
                    "-o",
                    options,
                    "-w",
                    "start",
                ],
                directory,
            )
        except RuntimeError:
            if attempt == attempts - 1:
                raise
            continue
        (directory / "port").write_text(f"{port}\n")
        return url(port), lambda: stop(directory)
    raise AssertionError("unreachable")


def stop(directory: Path) -> None:
    """Stop the server started in DIR (immediately: its data is thrown away)."""
    directory = directory.resolve()
    if not (directory / "data" / "postmaster.pid").exists():
        return
    _run(
        [str(bindir() / "pg_ctl"), "-D", str(directory / "data"), "-m", "immediate", "-w", "stop"],
        directory,
    )


@contextlib.contextmanager
def frozen(directory: Path) -> Iterator[None]:
    """The server started in DIR with all its processes stopped (SIGSTOP): the postmaster and
    every backend, so connections open and queries go out, and nothing answers. They are
    continued (SIGCONT) however the block ends."""
    postmaster = int((directory / "data" / "postmaster.pid").read_text().split()[0])
    processes = [postmaster, *_children(postmaster)]
    stopped: list[int] = []
    try:
        for pid in processes:
            os.kill(pid, signal.SIGSTOP)
            stopped.append(pid)
        yield
    finally:
        for pid in stopped:
            os.kill(pid, signal.SIGCONT)


def _children(parent: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        if int(fields[1]) == parent:
            found.append(int(stat.parent.name))
    return found


@dataclass(frozen=True, slots=True)
class OwnServer:
    """A server of one test module's own (`own_postgres`), which it may stop (`frozen`)."""

    url: str
    directory: Path


def watch(directory: Path, pid: int) -> None:
    """Once process `pid` has ended, stop the server in DIR and remove DIR: a test session that
    was killed (a timeout, Ctrl-C twice) never ran its teardown, and would leave it running."""
    while _alive(pid):
        time.sleep(0.5)
    stop(directory)
    shutil.rmtree(directory, ignore_errors=True)


def start_watchdog(directory: Path) -> subprocess.Popen[bytes]:
    """`watch` this process from a detached child; terminate it after a normal stop."""
    return subprocess.Popen(
        [sys.executable, __file__, "watch", str(directory), str(os.getpid())],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    except OSError:  # no /proc
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has ended too


def main(argv: list[str]) -> int:
    commands = {"start": 2, "stop": 2, "watch": 3}
    if not argv or commands.get(argv[0]) != len(argv):
        print("usage: python3 tests/postgres.py start|stop DIR | watch DIR PID", file=sys.stderr)
        return 2
    command, directory = argv[0], Path(argv[1])
    try:
        if command == "start":
            server_url, _ = start(directory)
            print(f"export {URL_VARIABLE}={server_url}")
        elif command == "watch":
            watch(directory, int(argv[2]))
        else:
            stop(directory)
    except (NoPostgres, RuntimeError) as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
