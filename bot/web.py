"""The HTTP edge: turn a request into an activity for the adapter, and the result into a
response. Nothing else happens here."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web
from botbuilder.core import serializer_helper
from botbuilder.schema import Activity
from msrest.exceptions import DeserializationError  # type: ignore[attr-defined]

from bot.services import SERVICES


async def messages(request: web.Request) -> web.Response:
    if request.content_type != "application/json":
        return _problem(415, "Send the activity as application/json.")
    try:
        body: Any = json.loads(await request.read())
    except ValueError:
        return _problem(400, "The body is not valid JSON.")
    if not isinstance(body, dict) or not isinstance(body.get("type"), str):
        return _problem(400, "The body is not a Bot Framework activity.")
    try:
        activity = Activity().deserialize(body)
    except DeserializationError:
        return _problem(400, "The activity has malformed fields.")
    services = request.app[SERVICES]
    try:
        invoke = await services.adapter.process_activity(
            request.headers.get("Authorization", ""), activity, services.bot.on_turn
        )
    except PermissionError:
        return _problem(401, "The request is not authorized.")
    if invoke:
        return web.json_response(serializer_helper(invoke.body), status=invoke.status)
    return web.Response(status=201)


async def healthz(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    return web.json_response({"status": "ok", "mode": services.mode})


def _problem(status: int, detail: str) -> web.Response:
    return web.json_response({"error": detail}, status=status)
