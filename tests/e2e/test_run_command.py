"""`meetbot run` as a user starts it: a real process, with no configuration at all, and with
configurations it must refuse in one line."""

from __future__ import annotations

import asyncio
import importlib.metadata
import os
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest

from tests.conftest import RunningConnector
from tests.factories import make_message
from tests.processes import clean_env, meetbot_command, start, start_bot, stop
from tests.processes import read_until as _read_until


@dataclass
class BotProcess:
    url: str
    process: asyncio.subprocess.Process
    log_lines: list[str]


@pytest.fixture
async def bot_process(tmp_path: Path) -> AsyncIterator[BotProcess]:
    process = await start(["run"], tmp_path, PORT="0")
    assert process.stdout is not None and process.stderr is not None
    seen: list[str] = []
    line = await asyncio.wait_for(_read_until(process.stdout, "listening on", seen), 30)
    url = line.rsplit(" ", 1)[1].removesuffix("/api/messages")
    log_lines: list[str] = []
    await asyncio.wait_for(_read_until(process.stderr, "simulated", log_lines), 5)
    yield BotProcess(url, process, log_lines)
    process.terminate()
    assert await asyncio.wait_for(process.wait(), 10) == 0


async def test_meetbot_run_with_no_configuration_answers_meet(
    bot_process: BotProcess, connector: RunningConnector
) -> None:
    assert bot_process.url.startswith("http://127.0.0.1:")  # no app id: loopback only
    assert any("Local mode" in line for line in bot_process.log_lines)
    activity = make_message("meet Design review tomorrow 3pm", service_url=connector.url)
    async with httpx.AsyncClient(base_url=bot_process.url, timeout=30) as client:
        assert (await client.get("/healthz")).json()["mode"] == "local"
        response = await client.post("/api/messages", json=activity)
    assert response.status_code in {200, 201}
    [reply] = connector.emulator.activities(activity["conversation"]["id"])
    card = reply.body["attachments"][0]["content"]
    [join] = [a for a in card["actions"] if a["type"] == "Action.OpenUrl"]
    assert join["url"].startswith("https://teams.microsoft.com/l/meetup-join/")


async def test_the_built_in_graph_emulator_is_a_child_that_ends_with_the_bot(
    tmp_path: Path,
) -> None:
    """Local mode's Graph emulator is its own process (`bot/` never imports the emulators), and
    it goes when the bot goes, even when the bot is killed without a chance to clean up."""
    process, _ = await start_bot(tmp_path)
    [child] = _children(process.pid)
    assert "emulators" in _command_line(child)
    ended = asyncio.Event()
    watch = os.pidfd_open(child)  # readable once the child has ended (Linux)
    asyncio.get_running_loop().add_reader(watch, ended.set)
    try:
        process.kill()
        await process.wait()
        await asyncio.wait_for(ended.wait(), 10)
    finally:
        asyncio.get_running_loop().remove_reader(watch)
        os.close(watch)


def _children(pid: int) -> list[int]:
    return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def _command_line(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")


async def test_a_standalone_graph_emulator_is_found_through_graph_base_url(
    tmp_path: Path, connector: RunningConnector
) -> None:
    emulator = await start(["graph-emulator", "--port", "0"], tmp_path)
    assert emulator.stdout is not None
    try:
        line = await asyncio.wait_for(_read_until(emulator.stdout, "GRAPH_BASE_URL=", []), 30)
        graph_base_url = line.split("GRAPH_BASE_URL=", 1)[1].split()[0]
        # No certificate setting: the bot finds the emulator's certificate by its port.
        bot = await start(["run"], tmp_path, PORT="0", GRAPH_BASE_URL=graph_base_url)
        assert bot.stdout is not None
        try:
            line = await asyncio.wait_for(_read_until(bot.stdout, "listening on", []), 30)
            bot_url = line.rsplit(" ", 1)[1].removesuffix("/api/messages")
            activity = make_message("meet now Sync", service_url=connector.url)
            async with httpx.AsyncClient(base_url=bot_url, timeout=30) as client:
                await client.post("/api/messages", json=activity)
        finally:
            bot.terminate()
            await bot.wait()
        [reply] = connector.emulator.activities(activity["conversation"]["id"])
        card = reply.body["attachments"][0]["content"]
        assert any(a["type"] == "Action.OpenUrl" for a in card["actions"])
    finally:
        emulator.terminate()
        assert await asyncio.wait_for(emulator.wait(), 10) == 0


async def test_an_inconsistent_configuration_stops_with_one_line(tmp_path: Path) -> None:
    process = await start(["run"], tmp_path, MicrosoftAppPassword="secret")
    _stdout, stderr = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 2
    lines = stderr.decode().strip().splitlines()
    assert len(lines) == 1 and "MicrosoftAppPassword" in lines[0]


# --- start-up refusals: one line on stderr, no traceback, a non-zero exit ------------------------

TENANT = "8f3c1d2e-4b5a-4c6d-8e7f-9a0b1c2d3e4f"
REAL_GRAPH = {  # an app registration for a real tenant: Graph's own defaults, no app id
    "GRAPH_CLIENT_ID": "3b9d7a52-6c1e-4f08-9a2d-5e7b1c4f8a60",
    "GRAPH_CLIENT_SECRET": "gS8~" + "x" * 30,
    "GRAPH_TENANT_ID": TENANT,
}
BOT = {
    "MicrosoftAppType": "SingleTenant",
    "MicrosoftAppId": "7d2c9e4f-1a3b-4c5d-9e8f-a1b2c3d4e5f6",
    "MicrosoftAppPassword": "bP4~" + "q" * 30,
    "MicrosoftAppTenantId": TENANT,
}


async def refused_start(
    tmp_path: Path, *args: str, prefix: list[str] | None = None, **env: str
) -> str:
    """Run `meetbot run` (plus `args`) with `env`; it must exit non-zero with exactly one line
    on stderr, no traceback and nothing on stdout. Returns that line."""
    process = await asyncio.create_subprocess_exec(
        *(prefix or []),
        *meetbot_command(),
        "run",
        *args,
        cwd=tmp_path,
        env=clean_env(tmp_path, **({"PORT": "0"} | env)),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), 60)
    text = stderr.decode()
    assert process.returncode not in (0, None), text
    assert "Traceback" not in text, text
    assert stdout == b"", stdout
    lines = text.splitlines()
    assert len(lines) == 1, text
    assert lines[0].startswith("meetbot: "), lines[0]
    return lines[0]


@pytest.fixture
def dead_port() -> Iterator[int]:
    """A loopback port nothing answers on (bound, not listening) while the test runs."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield int(sock.getsockname()[1])


async def test_real_graph_credentials_without_an_app_id_refuse_to_start(
    tmp_path: Path, dead_port: int
) -> None:
    """Graph for a real tenant with incoming authentication off would let anyone who reaches
    the port act on any user's calendar: the bot does not start, so nothing answers."""
    line = await refused_start(tmp_path, PORT=str(dead_port), **REAL_GRAPH)
    assert line == (
        "meetbot: configuration error: MicrosoftAppId is required when Graph credentials reach "
        "a real tenant: without it incoming requests are not authenticated and anyone who "
        "reaches the port could act on any user's calendar"
    )
    activity = make_message("meet now Quick sync", service_url="http://127.0.0.1:9")
    async with httpx.AsyncClient(timeout=5) as client:
        with pytest.raises(httpx.ConnectError):
            await client.post(f"http://127.0.0.1:{dead_port}/api/messages", json=activity)


async def test_real_graph_credentials_with_an_app_id_start_and_refuse_unsigned_activities(
    tmp_path: Path,
) -> None:
    process, url = await start_bot(tmp_path, HOST="127.0.0.1", **REAL_GRAPH, **BOT)
    try:
        activity = make_message("meet now Quick sync", service_url="http://127.0.0.1:9")
        async with httpx.AsyncClient(base_url=url, timeout=30) as client:
            response = await client.post("/api/messages", json=activity)
        assert response.status_code == 401  # an unsigned activity, refused before any network
    finally:
        await stop(process)


@pytest.fixture
def listening() -> Iterator[socket.socket]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock


async def test_a_port_in_use_is_one_line(tmp_path: Path, listening: socket.socket) -> None:
    port = listening.getsockname()[1]
    line = await refused_start(tmp_path, PORT=str(port))
    assert line == (
        f"meetbot: cannot start: cannot listen on 127.0.0.1:{port}: the port is in use "
        "(choose another with PORT or --port)"
    )
    assert await refused_start(tmp_path, "--port", str(port)) == line


@pytest.mark.parametrize("command", ["graph-emulator", "connector-emulator"])
async def test_an_emulator_on_a_port_in_use_is_one_line(
    tmp_path: Path, listening: socket.socket, command: str
) -> None:
    port = listening.getsockname()[1]
    process = await start([command, "--port", str(port)], tmp_path)
    stdout, stderr = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 1 and stdout == b""
    assert stderr.decode() == (
        f"meetbot: cannot start: cannot listen on 127.0.0.1:{port}: the port is in use "
        "(choose another with --port)\n"
    )


@pytest.mark.parametrize("command", ["graph-emulator", "connector-emulator"])
async def test_an_emulator_with_an_unknown_log_level_is_one_line(
    tmp_path: Path, command: str
) -> None:
    process = await start([command, "--port", "0"], tmp_path, LOG_LEVEL="chatty")
    stdout, stderr = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 2 and stdout == b""
    assert stderr.decode() == "meetbot: configuration error: LOG_LEVEL: unknown level 'chatty'\n"


async def test_an_unknown_host_is_one_line(tmp_path: Path) -> None:
    line = await refused_start(tmp_path, HOST="no-such-host.invalid")
    assert line.startswith("meetbot: cannot start: HOST: cannot listen on 'no-such-host.invalid': ")
    assert "unknown host" in line


async def test_an_unreachable_postgresql_is_one_line(tmp_path: Path, dead_port: int) -> None:
    url = f"postgresql://meetbot:db-password@127.0.0.1:{dead_port}/meetbot"
    line = await refused_start(tmp_path, DATABASE_URL=url)
    assert line.startswith(
        f"meetbot: cannot start: DATABASE_URL: cannot open the PostgreSQL database 'meetbot' at "
        f"127.0.0.1:{dead_port}: "
    )
    assert "db-password" not in line


async def test_a_database_that_does_not_exist_is_one_line(
    tmp_path: Path, postgres_server: str
) -> None:
    url = urlunsplit(urlsplit(postgres_server)._replace(path="/no_such_database"))
    line = await refused_start(tmp_path, DATABASE_URL=url)
    assert line.startswith("meetbot: cannot start: DATABASE_URL: cannot open the PostgreSQL ")
    assert line.endswith('database "no_such_database" does not exist'), line


async def test_an_unopenable_sqlite_file_is_one_line(tmp_path: Path) -> None:
    line = await refused_start(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path}")  # a directory
    assert line == (
        f"meetbot: cannot start: DATABASE_URL: cannot open the SQLite file {tmp_path}: "
        "unable to open database file"
    )


async def test_a_read_only_sqlite_file_is_one_line(tmp_path: Path) -> None:
    database = tmp_path / "meetbot.db"
    first = await start_bot(tmp_path, DATABASE_URL=f"sqlite:///{database}")
    await stop(first[0])  # a database as a previous run left it, schema and all
    _make_read_only(tmp_path, "meetbot.db*")
    # root writes read-only files anyway: run without that privilege, as any other user would
    unprivileged = (
        ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--"]
        if os.geteuid() == 0
        else []
    )
    line = await refused_start(tmp_path, prefix=unprivileged, DATABASE_URL=f"sqlite:///{database}")
    assert line == (
        f"meetbot: cannot start: DATABASE_URL: cannot open the SQLite file {database}: "
        "attempt to write a readonly database"
    )


def _make_read_only(directory: Path, pattern: str) -> None:
    for path in directory.glob(pattern):  # the database and its WAL files
        path.chmod(0o444)


async def test_a_missing_emulator_certificate_is_one_line_naming_the_file(
    tmp_path: Path, dead_port: int
) -> None:
    expected = tmp_path / "cache" / "meetbot" / f"graph-emulator-{dead_port}.pem"
    line = await refused_start(tmp_path, GRAPH_BASE_URL=f"https://127.0.0.1:{dead_port}/v1.0")
    assert line == (
        f"meetbot: cannot start: GRAPH_BASE_URL: no certificate for a Graph emulator on port "
        f"{dead_port} at {expected}: start `meetbot graph-emulator --port {dead_port}` first, "
        "or set GRAPH_CA_BUNDLE to its certificate"
    )
    missing = tmp_path / "nowhere.pem"
    line = await refused_start(
        tmp_path,
        GRAPH_BASE_URL=f"https://127.0.0.1:{dead_port}/v1.0",
        GRAPH_CA_BUNDLE=str(missing),
    )
    assert line == f"meetbot: cannot start: GRAPH_CA_BUNDLE: no certificate file at {missing}"


async def test_local_mode_without_a_writable_home_is_one_line(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.write_text("a file, not a directory")
    line = await refused_start(tmp_path, HOME=str(home), XDG_CACHE_HOME="")
    assert line.startswith(
        "meetbot: cannot start: local mode keeps the Graph emulator's certificate in "
        "$XDG_CACHE_HOME or $HOME/.cache, which cannot be written ("
    )
    assert line.endswith("): set HOME or XDG_CACHE_HOME to a writable directory")


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        (
            {"GRAPH_BASE_URL": "http://graph.microsoft.com/v1.0"},
            "GRAPH_BASE_URL must be https:// for a real tenant",
        ),
        (
            {"GRAPH_BASE_URL": "https://graph.microsoft.com"},
            "GRAPH_BASE_URL must end in the API version (v1.0)",
        ),
        (
            {"ALLOWED_TENANTS": "contoso.onmicrosoft.com"},
            "ALLOWED_TENANTS: 'contoso.onmicrosoft.com'",
        ),
    ],
    ids=["graph-over-http", "graph-without-version", "tenant-not-a-guid"],
)
async def test_bad_graph_and_tenant_settings_fail_at_start_up(
    tmp_path: Path, env: dict[str, str], expected: str
) -> None:
    line = await refused_start(tmp_path, **BOT, **env)
    assert line.startswith(f"meetbot: configuration error: {expected}"), line


# --- the command line ---------------------------------------------------------------------------


async def test_run_port_sets_the_port_over_the_environment(tmp_path: Path, dead_port: int) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = await start(["run", "--port", str(port)], tmp_path, PORT=str(dead_port))
    assert process.stdout is not None
    try:
        line = await asyncio.wait_for(_read_until(process.stdout, "listening on", []), 30)
        assert line == f"Meetbot listening on http://127.0.0.1:{port}/api/messages"
        async with httpx.AsyncClient(timeout=30) as client:
            assert (await client.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200
    finally:
        await stop(process)


async def test_meetbot_version(tmp_path: Path) -> None:
    process = await start(["--version"], tmp_path)
    stdout, stderr = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, stderr
    assert stdout.decode() == f"meetbot {importlib.metadata.version('meetbot')}\n"
