"""The Graph emulator (`emulators.graph`), plus running counts of what bots asked it, for
`bench/compare.py`.

    python bench/counting_graph.py [--port 0]

Prints `Graph emulator: GRAPH_BASE_URL=https://127.0.0.1:PORT/v1.0 (certificate: PATH)` like
`meetbot graph-emulator`, leaves its certificate in the same place, and serves the same API.
One extra admin route, `GET /_emulator/counts`, answers

    {"graph": N, "tokens": N, "other": N, "routes": {"POST /users/{id}/events": N, ...},
     "connections": N, "tokenLifetimeS": N}

counted as requests arrive: `graph` the requests under `/v1.0/` (Graph round trips, by method
and route with ids folded), `tokens` the POSTs to the token endpoint, `other` everything else
but the admin API (OpenID discovery), `connections` the distinct TCP connections that carried
any of them (told apart by transport object, as in `counting_connector.py`), and the lifetime
of the tokens the emulator issues. The emulator's own `/_emulator/requests` log holds the same
requests with headers and bodies, but after a few hundred thousand requests one read of it is
hundreds of megabytes of JSON: the harness reads these counters instead.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.cli import run_loop
from emulators.cli import serve_graph
from emulators.graph import GraphEmulator

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_ID_PARENTS = frozenset({"users", "events", "onlineMeetings", "calendars"})


def route(path: str) -> str:
    """`/v1.0/users/<id>/events/<id>` -> `/users/{id}/events/{id}`."""
    parts = path.removeprefix("/v1.0").split("/")
    return "/".join(
        "{id}" if i > 0 and parts[i - 1] in _ID_PARENTS else part for i, part in enumerate(parts)
    )


def counting_app(emulator: GraphEmulator) -> web.Application:
    counts: Counter[str] = Counter()
    routes: Counter[str] = Counter()
    seen: set[object] = set()

    @web.middleware
    async def count(request: web.Request, handler: Handler) -> web.StreamResponse:
        path = request.path
        if not path.startswith("/_emulator/"):
            if path.startswith("/v1.0/"):
                counts["graph"] += 1
                routes[f"{request.method} {route(path)}"] += 1
            elif path.endswith("/oauth2/v2.0/token"):
                counts["tokens"] += 1
            else:
                counts["other"] += 1
            if request.transport is not None:
                seen.add(request.transport)
        return await handler(request)

    async def answer(_: web.Request) -> web.Response:
        return web.json_response(
            {
                "graph": counts["graph"],
                "tokens": counts["tokens"],
                "other": counts["other"],
                "routes": dict(routes),
                "connections": len(seen),
                "tokenLifetimeS": emulator.config.token_lifetime_s,
            }
        )

    emulator.app.middlewares.insert(0, count)
    emulator.app.router.add_get("/_emulator/counts", answer)
    return emulator.app


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=0)
    port = parser.parse_args().port
    # As `meetbot graph-emulator` serves it (TLS, uvloop, settled heap, the same banner).
    sys.exit(run_loop(serve_graph(counting_app(GraphEmulator()), "127.0.0.1", port)))
