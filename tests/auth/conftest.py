"""A bot with an app id, signed by a channel identity the test owns.

The Bot Connector emulator carries the channel identity: its signing keys and OpenID metadata,
and the Bot Framework login the bot gets its own token from. One emulator serves plain HTTP
(the activities' `serviceUrl`, where replies land) and HTTPS with a loopback certificate (the
metadata and the login: msal only talks to an https authority). Graph is the Graph emulator,
reached with the bot's own app registration, as a deployed bot would.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiohttp import web

from bot.app import create_app
from bot.serve import serve
from bot.services import SERVICES, Services
from bot.settings import load_settings, resolve
from emulators.channel_identity import LOGIN_TENANT, METADATA_PATH, ChannelIdentity
from emulators.connector import ConnectorEmulator
from emulators.graph import GraphEmulator, GraphEmulatorConfig
from emulators.tls import TlsIdentity
from tests.factories import make_message

BOT_ID = "7d2c9e4f-1a3b-4c5d-9e8f-a1b2c3d4e5f6"
BOT_PASSWORD = "bP4~" + "q" * 10 + "_bot.password-" + "R" * 10
TENANT = "8f3c1d2e-4b5a-4c6d-8e7f-9a0b1c2d3e4f"


@dataclass
class Channel:
    """The connector emulator with its channel identity, and where it listens."""

    emulator: ConnectorEmulator
    identity: ChannelIdentity
    url: str  # http: the serviceUrl
    secure_url: str  # https: metadata and login
    ca_file: Path


@dataclass
class SignedBot:
    services: Services
    client: httpx.AsyncClient  # to the bot
    channel: Channel
    graph: GraphEmulator

    def message(self, text: str = "help", **overrides: Any) -> dict[str, Any]:
        return make_message(text, service_url=self.channel.url, **overrides)

    async def post(
        self, activity: dict[str, Any], headers: dict[str, str] | None = None
    ) -> httpx.Response:
        return await self.client.post("/api/messages", json=activity, headers=headers or {})

    async def post_signed(self, activity: dict[str, Any], **token: Any) -> httpx.Response:
        """Post with a channel token for the activity's serviceUrl (`token`: its options)."""
        authorization = self.channel.identity.authorization(activity["serviceUrl"], **token)
        return await self.post(activity, authorization)

    async def assert_untouched(self, activity: dict[str, Any]) -> None:
        """Nothing happened for this activity: no reply or call to the connector, no Graph
        request (not even for a token), no conversation reference or state stored."""
        assert self.channel.emulator.calls == []
        assert self.channel.emulator.unauthorized == []
        assert self.channel.identity.token_requests == 0
        assert self.graph.requests == []
        conversation = activity["conversation"]["id"]
        store = self.services.store
        assert await store.get_reference(conversation) is None
        assert await store.read([f"msteams/conversations/{conversation}"]) == {}


@pytest.fixture
async def channel(tls_identity: TlsIdentity, tmp_path: Path) -> AsyncIterator[Channel]:
    identity = ChannelIdentity(BOT_ID, BOT_PASSWORD)
    emulator = ConnectorEmulator(identity=identity)
    runner = web.AppRunner(emulator.app, access_log=None)
    await runner.setup()
    plain, secure = _loopback_socket(), _loopback_socket()
    await web.SockSite(runner, plain).start()
    await web.SockSite(runner, secure, ssl_context=tls_identity.server_context()).start()
    yield Channel(
        emulator,
        identity,
        url=f"http://127.0.0.1:{plain.getsockname()[1]}",
        secure_url=f"https://127.0.0.1:{secure.getsockname()[1]}",
        ca_file=tls_identity.write_cert(tmp_path / "channel-ca.pem"),
    )
    await runner.cleanup()


@pytest.fixture
async def graph_for_bot(
    tls_identity: TlsIdentity, tmp_path: Path
) -> AsyncIterator[tuple[GraphEmulator, str, Path]]:
    emulator = GraphEmulator(GraphEmulatorConfig(tenant_id=TENANT, clients={BOT_ID: BOT_PASSWORD}))
    served = await serve(emulator.app, ssl_context=tls_identity.server_context())
    yield emulator, served.url, tls_identity.write_cert(tmp_path / "graph-ca.pem")
    await served.close()


def bot_settings(channel: Channel, graph_url: str, graph_ca: Path) -> dict[str, str]:
    """The environment of a deployed, single-tenant bot, pointed at the local services."""
    return {
        "MicrosoftAppId": BOT_ID,
        "MicrosoftAppPassword": BOT_PASSWORD,
        "MicrosoftAppType": "SingleTenant",
        "MicrosoftAppTenantId": TENANT,
        "GRAPH_BASE_URL": f"{graph_url}/v1.0",
        "GRAPH_AUTHORITY_HOST": graph_url,
        "GRAPH_CA_BUNDLE": str(graph_ca),
        "TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL": f"{channel.secure_url}{METADATA_PATH}",
        "TO_CHANNEL_FROM_BOT_LOGIN_URL": f"{channel.secure_url}/{LOGIN_TENANT}",
        "BOT_CA_BUNDLE": str(channel.ca_file),
    }


StartSignedBot = Callable[..., AbstractAsyncContextManager[SignedBot]]


@pytest.fixture
def start_signed_bot(
    channel: Channel,
    graph_for_bot: tuple[GraphEmulator, str, Path],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> StartSignedBot:
    """`async with start_signed_bot(**settings) as bot`: the bot with an app id, served in this
    test's event loop, with `settings` (variable names) on top of `bot_settings`."""
    monkeypatch.chdir(tmp_path)  # no stray .env, and the database in tmp_path
    graph, graph_url, graph_ca = graph_for_bot

    @contextlib.asynccontextmanager
    async def start(**extra: str) -> AsyncIterator[SignedBot]:
        settings = load_settings(**(bot_settings(channel, graph_url, graph_ca) | extra))
        app = create_app(resolve(settings))
        served = await serve(app)
        try:
            async with httpx.AsyncClient(base_url=served.url, timeout=30) as client:
                yield SignedBot(app[SERVICES], client, channel, graph)
        finally:
            await served.close()

    return start


@pytest.fixture
async def signed_bot(start_signed_bot: StartSignedBot) -> AsyncIterator[SignedBot]:
    """The bot with an app id, served in this test's event loop."""
    async with start_signed_bot() as bot:
        yield bot


def _loopback_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock
