"""The Bot Connector emulator (`bot.emulators.connector`), plus a count of the TCP connections
bots open to it, for `bench/compare.py`.

    python bench/counting_connector.py [--port 0]

Prints `Connector emulator listening on http://127.0.0.1:PORT/v3` like `meetbot
connector-emulator`, and serves the same API. One extra admin route,
`GET /_emulator/connections`, answers `{"connections": N}`: how many distinct TCP connections
have carried a `/v3/` request so far. A connection is told apart by its transport object, which
aiohttp creates once per accepted socket; the set keeps every one it saw (closed transports drop
their socket and protocol, so they are small), so no object id or client port can be reused
and counted once for two connections. Admin requests (`/_emulator/...`, the harness reading
figures) are not counted.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.emulators.connector import ConnectorEmulator
from bot.emulators.serve import serve

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def counting_app() -> web.Application:
    emulator = ConnectorEmulator()
    seen: set[object] = set()

    @web.middleware
    async def count_connections(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith("/v3/") and request.transport is not None:
            seen.add(request.transport)
        return await handler(request)

    async def connections(_: web.Request) -> web.Response:
        return web.json_response({"connections": len(seen)})

    emulator.app.middlewares.insert(0, count_connections)
    emulator.app.router.add_get("/_emulator/connections", connections)
    return emulator.app


async def main(port: int) -> None:
    served = await serve(counting_app(), "127.0.0.1", port)
    print(f"Connector emulator listening on {served.url}/v3", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await served.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=0)
    asyncio.run(main(parser.parse_args().port))
