"""Start an aiohttp application on a real socket and tell where it listens.

Used by `meetbot run` (local mode starts the Graph emulator next to the bot), by the standalone
emulator commands, and by tests, so every server here is reached over TCP, never in-process.
"""

from __future__ import annotations

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

    async def close(self) -> None:
        await self.runner.cleanup()


async def serve(
    app: web.Application,
    host: str = "127.0.0.1",
    port: int = 0,
    ssl_context: ssl.SSLContext | None = None,
) -> Served:
    """Serve `app` on host:port (port 0 picks a free one) and return its URL."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    site = web.SockSite(runner, sock, ssl_context=ssl_context)
    await site.start()
    bound_port = int(sock.getsockname()[1])
    scheme = "https" if ssl_context else "http"
    shown_host = f"[{host}]" if ":" in host else host
    return Served(runner=runner, url=f"{scheme}://{shown_host}:{bound_port}", port=bound_port)
