"""The Bot Connector emulator (`emulators.connector`), plus running counts of what bots
sent it and over how many TCP connections, for `bench/compare.py`.

    python bench/counting_connector.py [--port 0]

Prints `Connector emulator listening on http://127.0.0.1:PORT/v3` like `meetbot
connector-emulator`, and serves the same API. Extra admin routes:

- `GET /_emulator/counts` answers `{"messages": N, "typing": N, "other": N, "repeated": N,
  "connections": N}`: activities of type `message` sent or replied into a conversation, typing
  indicators, every other recorded call (other activity types, updates, deletes, created
  conversations), message replies beyond the first to the same incoming activity (a bot that
  retries a reply the connector did take posts twice), and how many distinct TCP connections
  have carried a `/v3/` request so far. A connection is told apart by its transport object,
  which aiohttp creates once per accepted socket; the set keeps every one it saw (closed
  transports drop their socket and protocol, so they are small), so no object id or client
  port can be reused and counted once for two connections. Admin requests (`/_emulator/...`,
  the harness reading figures) are not counted.
- `GET /_emulator/last-message?conversation=ID` answers the last `message` activity sent or
  replied into one conversation (404 if none), kept per conversation as it arrived.

The counts are taken in a middleware, from each request's path, its answer (a send or reply is
recorded exactly when the emulator answers 201; a duplicate delivery gets 200, a refusal 4xx or
5xx) and its body's top-level `type`, read from the first bytes where both bots' serializers
put it (the whole body is parsed only when it is not there), so counting adds no JSON parse to
the emulator's work. Memory stays bounded over a long run: once the emulator's own record
holds `KEEP_CALLS` calls it is cleared (`reset()`), so `/_emulator/activities` shows the calls
since the last clearing. The bench sets up no rosters, faults or rate limits, which `reset()`
would also forget; the repeated-reply check keeps the last `KEEP_REPLIED` incoming activity ids
on its own.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.cli import run_loop
from emulators.cli import serve_connector
from emulators.connector import ConnectorEmulator

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

KEEP_CALLS = 20_000
KEEP_REPLIED = 200_000
_LEADING_TYPE = re.compile(rb'\s*\{\s*"type"\s*:\s*"([A-Za-z]*)"')
_RECORDED_OTHER = frozenset({"create", "update", "delete"})


def activity_type(raw: bytes) -> str | None:
    """The top-level `type` of a JSON activity."""
    if (match := _LEADING_TYPE.match(raw)) is not None:
        return match.group(1).decode()
    try:
        body = json.loads(raw)
    except ValueError:
        return None
    kind = body.get("type") if isinstance(body, dict) else None
    return kind if isinstance(kind, str) else None


class Tally:
    """What the bots had recorded, counted as it happens."""

    def __init__(self, emulator: ConnectorEmulator) -> None:
        self._emulator = emulator
        self.counts: Counter[str] = Counter()
        self.connections: set[object] = set()
        self.last_message: dict[str, bytes] = {}  # conversation id -> the body as it arrived
        self._replied: dict[tuple[str, str], None] = {}  # insertion-ordered set

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if not request.path.startswith("/v3/"):
            return await handler(request)
        if request.transport is not None:
            self.connections.add(request.transport)
        kind = request.match_info.route.name
        if kind in {"send", "reply"}:
            raw = await request.read()  # aiohttp keeps it: the handler reads the same bytes
            response = await handler(request)
            if response.status == 201:
                self._activity(kind, request, raw)
        else:
            response = await handler(request)
            if kind in _RECORDED_OTHER and 200 <= response.status < 300:
                self.counts["other"] += 1
        if len(self._emulator.calls) >= KEEP_CALLS:
            self._emulator.reset()
        return response

    def _activity(self, kind: str, request: web.Request, raw: bytes) -> None:
        activity = activity_type(raw)
        if activity == "typing":
            self.counts["typing"] += 1
        elif activity == "message":
            self.counts["messages"] += 1
            conversation = request.match_info["cid"]
            self.last_message[conversation] = raw
            if kind == "reply":
                self._reply((conversation, request.match_info["aid"]))
        else:
            self.counts["other"] += 1

    def _reply(self, key: tuple[str, str]) -> None:
        if key in self._replied:
            self.counts["repeated"] += 1
            return
        self._replied[key] = None
        if len(self._replied) > KEEP_REPLIED:
            del self._replied[next(iter(self._replied))]


def counting_app() -> web.Application:
    emulator = ConnectorEmulator()
    tally = Tally(emulator)

    async def counts(_: web.Request) -> web.Response:
        keys = ("messages", "typing", "other", "repeated")
        answer = {key: tally.counts[key] for key in keys}
        return web.json_response(answer | {"connections": len(tally.connections)})

    async def last_message(request: web.Request) -> web.Response:
        raw = tally.last_message.get(request.query.get("conversation", ""))
        if raw is None:
            return web.Response(status=404)
        return web.Response(body=raw, content_type="application/json")

    emulator.app.middlewares.insert(0, tally.middleware)
    emulator.app.router.add_get("/_emulator/counts", counts)
    emulator.app.router.add_get("/_emulator/last-message", last_message)
    return emulator.app


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=0)
    port = parser.parse_args().port
    # As `meetbot connector-emulator` serves it (uvloop, settled heap, the same banner).
    sys.exit(run_loop(serve_connector(counting_app(), "127.0.0.1", port)))
