"""Tokens go through HTTPS_PROXY even with a pinned CA file (GRAPH_CA_BUNDLE, BOT_CA_BUNDLE),
which is what a TLS-inspecting proxy needs: its CA, and the proxy itself."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator

import pytest

from bot import proxies
from bot.graph.auth import MsalTokenProvider
from bot.local import LOCAL_CLIENT_ID, LOCAL_CLIENT_SECRET
from tests.conftest import RunningGraph


class ConnectProxy:
    """An HTTP CONNECT proxy on loopback that records every tunnel it opens."""

    def __init__(self) -> None:
        self.targets: list[str] = []
        self.url = ""

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
        method, target, _ = request.split(" ", 2)
        if method != "CONNECT":
            writer.write(b"HTTP/1.1 405 Method Not Allowed\r\n\r\n")
            writer.close()
            return
        self.targets.append(target)
        host, _, port = target.rpartition(":")
        upstream_reader, upstream_writer = await asyncio.open_connection(host, int(port))
        writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        await asyncio.gather(_pipe(reader, upstream_writer), _pipe(upstream_reader, writer))


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    writer.close()


@pytest.fixture
async def connect_proxy() -> AsyncIterator[ConnectProxy]:
    proxy = ConnectProxy()
    server = await asyncio.start_server(proxy.handle, "127.0.0.1", 0)
    proxy.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    async with server:
        yield proxy


@pytest.fixture
def proxy_environment(
    monkeypatch: pytest.MonkeyPatch, connect_proxy: ConnectProxy
) -> Iterator[None]:
    for name in ("NO_PROXY", "no_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", connect_proxy.url)
    proxies._proxy_for.cache_clear()
    proxies._proxy_for_origin.cache_clear()
    yield
    proxies._proxy_for.cache_clear()
    proxies._proxy_for_origin.cache_clear()


@pytest.mark.usefixtures("proxy_environment")
async def test_a_token_from_an_authority_with_a_pinned_ca_goes_through_the_proxy(
    graph: RunningGraph, connect_proxy: ConnectProxy
) -> None:
    tokens = MsalTokenProvider(
        client_id=LOCAL_CLIENT_ID,
        client_secret=LOCAL_CLIENT_SECRET,
        authority=f"{graph.url}/local",
        verify=str(graph.ca_file),
        local_authority=True,
    )
    try:
        assert await tokens.token()
    finally:
        tokens.close()
    authority = graph.url.removeprefix("https://")
    assert connect_proxy.targets and set(connect_proxy.targets) == {authority}
    assert graph.emulator.token_requests == 1
