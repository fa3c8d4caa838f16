"""The emulator's own admin API under `/_emulator/`: look inside, change users, start over.

It has no authentication on purpose: the emulator is a loopback developer tool, and these
routes are how `meetbot graph-emulator` users and out-of-process tests steer it.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.emulators.graph.config import (
    UserConfig,
    UserConfigError,
    user_config_fields,
    user_config_json,
)
from bot.emulators.graph.errors import GraphError

if TYPE_CHECKING:
    from bot.emulators.graph.emulator import GraphEmulator


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": {"code": "BadRequest", "message": message}}, status=status)


def admin_routes(emulator: GraphEmulator) -> list[web.RouteDef]:
    """The admin routes, bound to `emulator`."""

    async def requests(_: web.Request) -> web.Response:
        return web.json_response([asdict(entry) for entry in emulator.requests])

    async def events(request: web.Request) -> web.Response:
        return web.json_response(emulator.events(request.match_info["user"]))

    async def seed_event(request: web.Request) -> web.Response:
        try:
            data: Any = json.loads(await request.read())
        except ValueError:
            return _error(400, "The body must be a Graph event JSON object.")
        if not isinstance(data, dict):
            return _error(400, "The body must be a Graph event JSON object.")
        try:
            event = emulator.seed_event(request.match_info["user"], data)
        except GraphError as error:
            body = {"error": {"code": error.code, "message": error.message}}
            return web.json_response(body, status=error.status)
        return web.json_response(event, status=201)

    async def cancelled_events(request: web.Request) -> web.Response:
        return web.json_response(emulator.cancelled_events(request.match_info["user"]))

    async def online_meetings(request: web.Request) -> web.Response:
        return web.json_response(emulator.online_meetings(request.match_info["user"]))

    async def configure(request: web.Request) -> web.Response:
        try:
            data: Any = json.loads(await request.read())
        except ValueError:
            return _error(400, "The body must be a JSON object of user settings.")
        if not isinstance(data, dict):
            return _error(400, "The body must be a JSON object of user settings.")
        try:
            config = UserConfig(**user_config_fields(data))
        except UserConfigError as exc:
            return _error(400, str(exc))
        user_id = request.match_info["user"]
        emulator.configure_user(user_id, **asdict(config))
        return web.json_response({"id": user_id, **user_config_json(config)})

    async def reset(_: web.Request) -> web.Response:
        emulator.reset()
        return web.Response(status=204)

    async def stats(_: web.Request) -> web.Response:
        return web.json_response(emulator.stats())

    return [
        web.get("/_emulator/requests", requests),
        web.get("/_emulator/users/{user}/events", events),
        web.post("/_emulator/users/{user}/events", seed_event),
        web.get("/_emulator/users/{user}/cancelledEvents", cancelled_events),
        web.get("/_emulator/users/{user}/onlineMeetings", online_meetings),
        web.put("/_emulator/users/{user}", configure),
        web.post("/_emulator/reset", reset),
        web.get("/_emulator/stats", stats),
    ]
