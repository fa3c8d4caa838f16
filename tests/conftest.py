"""Shared fixtures: the two emulators and the bot, each on a real loopback socket."""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import shutil
import ssl
import tempfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import pytest
from aiohttp import web

from bot.app import create_app
from bot.graph import graph_http
from bot.serve import serve
from bot.services import SERVICES
from bot.settings import load_settings, resolve
from emulators.connector import ConnectorEmulator
from emulators.graph import GraphEmulator
from emulators.tls import TlsIdentity, make_loopback_identity
from tests import outside, postgres


@dataclass
class RunningGraph:
    emulator: GraphEmulator
    url: str
    ca_file: Path
    identity: TlsIdentity

    def client(self) -> httpx.AsyncClient:
        ctx = ssl.create_default_context(cadata=self.identity.cert_pem.decode())
        return httpx.AsyncClient(base_url=self.url, verify=ctx)

    def graph_http(self) -> httpx.AsyncClient:
        """What `GraphClient` is given in production, for this Graph and trusting its CA."""
        ctx = ssl.create_default_context(cadata=self.identity.cert_pem.decode())
        return graph_http(f"{self.url}/v1.0", verify=ctx)


@dataclass
class RunningConnector:
    emulator: ConnectorEmulator
    url: str


@pytest.fixture(scope="session")
def tls_identity() -> TlsIdentity:
    return make_loopback_identity()


@pytest.fixture
async def graph(tls_identity: TlsIdentity, tmp_path: Path) -> AsyncIterator[RunningGraph]:
    emulator = GraphEmulator()
    served = await serve(emulator.app, ssl_context=tls_identity.server_context())
    ca_file = tls_identity.write_cert(tmp_path / "graph-ca.pem")
    yield RunningGraph(emulator, served.url, ca_file, tls_identity)
    await served.close()


@pytest.fixture
async def connector() -> AsyncIterator[RunningConnector]:
    emulator = ConnectorEmulator()
    served = await serve(emulator.app)
    yield RunningConnector(emulator, served.url)
    await served.close()


@pytest.fixture
async def bot_app(
    graph: RunningGraph, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> AsyncIterator[tuple[str, web.Application]]:
    """The bot in local mode against the test's Graph emulator, served on a real socket: its
    base URL and its app."""
    monkeypatch.chdir(tmp_path)  # no stray .env from the developer's checkout
    settings = load_settings(GRAPH_BASE_URL=f"{graph.url}/v1.0", GRAPH_CA_BUNDLE=str(graph.ca_file))
    app = create_app(resolve(settings))
    served = await serve(app)
    yield served.url, app
    await served.close()


@pytest.fixture
def bot_url(bot_app: tuple[str, web.Application]) -> str:
    return bot_app[0]


Post = Callable[[dict[str, Any]], Awaitable[httpx.Response]]


@pytest.fixture(scope="session")
def default_trust() -> ssl.SSLContext:
    """httpx's default verification (certifi's CAs), loaded once for the session: a client
    built without `verify` loads the whole CA bundle again, which costs more than a turn."""
    return httpx.create_ssl_context()


@pytest.fixture
async def post(
    bot_app: tuple[str, web.Application], default_trust: ssl.SSLContext
) -> AsyncIterator[Post]:
    """POST an activity to the bot's /api/messages the way the Bot Connector does, and return
    its answer once the turn has finished: Teams gets its answer within its window even while
    the turn is still at work (its card follows), and the tests look at all the turn did."""
    url, app = bot_app
    async with httpx.AsyncClient(base_url=url, timeout=30, verify=default_trust) as client:

        async def _post(activity: dict[str, Any]) -> httpx.Response:
            response = await client.post("/api/messages", json=activity)
            pacer = app[SERVICES].pacer
            if pacer is not None:
                await pacer.drain()
            return response

        yield _post


# --- PostgreSQL ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A PostgreSQL server's base URL: $MEETBOT_TEST_POSTGRES_URL, else a throwaway one.

    Without PostgreSQL binaries the PostgreSQL tests are skipped on a developer's machine but
    fail in CI (`CI` set), where skipping would silently hide the engine from the suite.
    """
    given = os.environ.get(postgres.URL_VARIABLE)
    if given:
        yield given
        return
    try:
        postgres.bindir()
    except postgres.NoPostgres as absent:
        outside.missing("the PostgreSQL tests", str(absent))
    # Not under pytest's tmp_path: as root the server runs as `postgres`, which cannot enter
    # root's 0700 pytest directories.
    directory = Path(tempfile.mkdtemp(prefix="meetbot-pg-"))
    url, stop = postgres.start(directory)
    watchdog = postgres.start_watchdog(directory)  # stops it should this session be killed
    try:
        yield url
    finally:
        stop()
        shutil.rmtree(directory, ignore_errors=True)
        watchdog.terminate()
        watchdog.wait()


@pytest.fixture(scope="module")
def own_postgres() -> Iterator[postgres.OwnServer]:
    """A throwaway PostgreSQL server of the test module's own, never the shared one: tests
    stop its processes (`postgres.frozen`), which no other test may notice."""
    try:
        postgres.bindir()
    except postgres.NoPostgres as absent:
        outside.missing("the PostgreSQL tests", str(absent))
    directory = Path(tempfile.mkdtemp(prefix="meetbot-pg-own-"))
    url, stop = postgres.start(directory)
    watchdog = postgres.start_watchdog(directory)
    try:
        yield postgres.OwnServer(url, directory)
    finally:
        stop()
        shutil.rmtree(directory, ignore_errors=True)
        watchdog.terminate()
        watchdog.wait()


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A fresh, empty database on the test server, dropped after the test."""
    name = f"t_{uuid.uuid4().hex}"
    _in_thread(_create_database(postgres_server, name))
    yield urlunsplit(urlsplit(postgres_server)._replace(path=f"/{name}"))
    _in_thread(_drop_database(postgres_server, name))


async def _create_database(url: str, name: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        # FILE_COPY (PostgreSQL 15+) is ~10x faster than the default for a near-empty template.
        fast = " STRATEGY FILE_COPY" if conn.get_server_version().major >= 15 else ""
        await conn.execute(f'CREATE DATABASE "{name}"{fast}')
    finally:
        await conn.close()


async def _drop_database(url: str, name: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def _in_thread(work: Coroutine[Any, Any, None]) -> None:
    """Run a coroutine from a synchronous fixture, on a thread with its own event loop, so the
    test's loop (pytest-asyncio's) is never touched."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, work).result()
