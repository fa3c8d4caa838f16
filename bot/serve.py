"""Start an aiohttp application on a real socket and tell where it listens.

Used by `meetbot run` (local mode starts the Graph emulator next to the bot), by the standalone
emulator commands, and by tests, so every server here is reached over TCP, never in-process.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from dataclasses import dataclass

from aiohttp import web


@dataclass
class Served:
    """A running aiohttp application: its base URL and the runner that stops it."""

    runner: web.AppRunner
    url: str
    port: int
    listener: asyncio.Server | None = None  # the TLS listener, which serve() opens itself

    async def close(self) -> None:
        if self.listener is not None:
            self.listener.close()  # stop accepting; the runner closes the open connections
        await self.runner.cleanup()


def bind(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """A TCP socket bound to host:port (port 0 picks a free one); OSError if it cannot be."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except BaseException:
        sock.close()
        raise
    return sock


async def serve(
    app: web.Application,
    host: str = "127.0.0.1",
    port: int = 0,
    ssl_context: ssl.SSLContext | None = None,
    *,
    sock: socket.socket | None = None,
) -> Served:
    """Serve `app` on host:port (port 0 picks a free one), or on `sock` already bound there,
    and return its URL. The socket is bound before the app starts, so a taken port fails
    before any of the app's start-up work."""
    if sock is None:
        sock = bind(host, port)
    runner = web.AppRunner(app, access_log=None)
    try:
        await runner.setup()
    except BaseException:
        sock.close()
        raise
    listener = None
    if ssl_context is None:
        await web.SockSite(runner, sock).start()
    else:
        # What web.SockSite does, with each connection's protocol wrapped (see _BufferedReads).
        http = runner.server
        assert http is not None  # set up above
        listener = await asyncio.get_running_loop().create_server(
            lambda: _BufferedReads(http()), sock=sock, ssl=ssl_context, backlog=128
        )
    bound_port = int(sock.getsockname()[1])
    scheme = "https" if ssl_context else "http"
    shown_host = f"[{host}]" if ":" in host else host
    url = f"{scheme}://{shown_host}:{bound_port}"
    return Served(runner=runner, url=url, port=bound_port, listener=listener)


class _BufferedReads(asyncio.BufferedProtocol):
    """aiohttp's protocol for one connection, fed from a buffer the TLS transport decrypts into.

    For a plain `asyncio.Protocol` such as aiohttp's, the event loop's TLS transport (uvloop's
    and asyncio's alike) reads by asking OpenSSL for up to 256 KiB in a fresh bytes object, and
    again until OpenSSL raises "want read". With glibc each such buffer is an mmap, an mremap
    and a munmap, a large share of what an aiohttp server answering HTTPS spends per request
    (`bench/README.md`). A BufferedProtocol has the
    transport decrypt into a buffer it keeps instead (and uvloop then mostly skips the "want
    read" exception). aiohttp receives the same bytes.
    """

    def __init__(self, protocol: asyncio.Protocol) -> None:
        self._protocol = protocol
        self._buffer = memoryview(bytearray(64 * 1024))

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._protocol.connection_made(transport)

    def connection_lost(self, exc: Exception | None) -> None:
        self._protocol.connection_lost(exc)

    def pause_writing(self) -> None:
        self._protocol.pause_writing()

    def resume_writing(self) -> None:
        self._protocol.resume_writing()

    def eof_received(self) -> bool | None:
        return self._protocol.eof_received()

    def get_buffer(self, sizehint: int) -> memoryview:
        return self._buffer

    def buffer_updated(self, nbytes: int) -> None:
        self._protocol.data_received(bytes(self._buffer[:nbytes]))
