"""The HTTP edge: turn a request into an activity for the adapter, and the result into a
response. Nothing else happens here."""

from __future__ import annotations

import logging
import time
from typing import Any

import orjson
from aiohttp import web
from botbuilder.core import serializer_helper
from botbuilder.schema import Activity
from msrest.exceptions import DeserializationError  # type: ignore[attr-defined]

from bot.logs import log_context
from bot.services import SERVICES
from bot.teams.auth import ChannelNotServed
from bot.teams.middleware import proactive
from bot.teams.openid import KeysUnavailable
from bot.teams.shape import MalformedActivity, check_activity

log = logging.getLogger(__name__)


async def messages(request: web.Request) -> web.Response:
    if request.content_type != "application/json":
        return _problem(415, "Send the activity as application/json.")
    if (request.content_length or 0) > request.client_max_size:
        return _too_large(request)  # declared too large: not worth reading
    try:
        raw = await request.read()  # stops at the cap, chunked or compressed bodies included
    except web.HTTPRequestEntityTooLarge:
        return _too_large(request)
    try:
        body: Any = orjson.loads(raw)
    except orjson.JSONDecodeError:  # also arrays nested too deep for a parser
        return _problem(400, "The body is not valid JSON.")
    try:
        check_activity(body)
        activity = Activity().deserialize(body)  # as CloudAdapter.process reads it
    except MalformedActivity as problem:
        return _problem(400, str(problem))
    except DeserializationError:
        return _problem(400, "The activity has malformed fields.")
    if proactive(activity):  # the bot's own turns are named so: it must not come from outside
        return _problem(400, "ContinueConversation is the bot's own event; no channel sends it.")
    services = request.app[SERVICES]
    conversation = activity.conversation.id if activity.conversation else None
    with log_context(activity_id=activity.id, conversation_id=conversation):
        started = time.perf_counter()
        status = 500
        try:
            invoke = await services.adapter.process_activity(
                request.headers.get("Authorization", ""), activity, services.bot.on_turn
            )
            status = invoke.status if invoke else 201
        except ChannelNotServed:
            status = 403
            return _problem(403, "Meetbot serves Microsoft Teams only.")
        except PermissionError:
            status = 401
            return _problem(401, "The request is not authorized.")
        except KeysUnavailable:  # logged, naming the host, where the fetch failed
            status = 503
            return _problem(503, "The channel's signing keys cannot be fetched; try again.")
        finally:
            log.info(
                "activity %s answered %s",
                activity.type,
                status,
                extra={
                    "activity_type": activity.type,
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
    if invoke:
        return web.json_response(serializer_helper(invoke.body), status=invoke.status)
    return web.Response(status=201)


async def healthz(request: web.Request) -> web.Response:
    """The store answers, the reminder scheduler is alive and (with authentication on) the
    channel's signing keys are known or not yet needed: 200, else 503 with what is wrong."""
    services = request.app[SERVICES]
    parts = {"store": await services.store.health(), "scheduler": services.scheduler.health()}
    if services.channel_keys is not None:
        parts["channel_keys"] = services.channel_keys.health()
    healthy = all(part["ok"] for part in parts.values())
    body = {"status": "ok" if healthy else "unhealthy", "mode": services.mode, **parts}
    return web.json_response(body, status=200 if healthy else 503)


def _too_large(request: web.Request) -> web.Response:
    return _problem(413, f"The body is larger than {request.client_max_size} bytes.")


def _problem(status: int, detail: str) -> web.Response:
    return web.json_response({"error": detail}, status=status)
