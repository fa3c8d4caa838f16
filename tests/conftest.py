"""Shared fixtures: the two emulators and the bot, each on a real loopback socket."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.app import create_app
from bot.emulators.connector import ConnectorEmulator
from bot.emulators.graph import GraphEmulator
from bot.emulators.serve import serve
from bot.emulators.tls import TlsIdentity, make_loopback_identity
from bot.settings import load_settings, resolve


@dataclass
class RunningGraph:
    emulator: GraphEmulator
    url: str
    ca_file: Path
    identity: TlsIdentity

    def client(self) -> httpx.AsyncClient:
        ctx = ssl.create_default_context(cadata=self.identity.cert_pem.decode())
        return httpx.AsyncClient(base_url=self.url, verify=ctx)


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
async def bot_url(
    graph: RunningGraph, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> AsyncIterator[str]:
    """The bot in local mode against the test's Graph emulator, served on a real socket."""
    monkeypatch.chdir(tmp_path)  # no stray .env from the developer's checkout
    settings = load_settings(GRAPH_BASE_URL=f"{graph.url}/v1.0", GRAPH_CA_BUNDLE=str(graph.ca_file))
    served = await serve(create_app(resolve(settings)))
    yield served.url
    await served.close()


Post = Callable[[dict[str, Any]], Awaitable[httpx.Response]]


@pytest.fixture
async def post(bot_url: str) -> AsyncIterator[Post]:
    """POST an activity to the bot's /api/messages the way the Bot Connector does."""
    async with httpx.AsyncClient(base_url=bot_url, timeout=30) as client:

        async def _post(activity: dict[str, Any]) -> httpx.Response:
            return await client.post("/api/messages", json=activity)

        yield _post
