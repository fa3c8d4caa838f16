"""The emulator's own admin API under `/_emulator/`: look inside, change users, inject
faults, start over.

It has no authentication on purpose: the emulator is a loopback developer tool, and these
routes are how `meetbot graph-emulator` users and out-of-process tests steer it.

    GET    /_emulator/requests                   what clients sent, with status, request-id,
                                                 `fault` (the injected fault that fired),
                                                 `token` ("app", "delegated") and its `oid`
    GET    /_emulator/users/{id}/events          a user's calendar (POST seeds an event)
    PATCH  /_emulator/users/{id}/events/{event}  change an event as its owner would in Outlook
                                                 (move it, rename it): a PATCH body
    GET    /_emulator/users/{id}/cancelledEvents
    GET    /_emulator/users/{id}/onlineMeetings
    PUT    /_emulator/users/{id}                 providers, audio conferencing, access policy
                                                 and its 403's wording, mailbox, mutable ids
                                                 (`emulators.graph.quirks`)
    PUT    /_emulator/places                     {"readable": false}: the room list is refused
                                                 as without Place.Read.All (`places`)
    POST   /_emulator/tokens                     {"oid", "scopes", "clientId"?, "lifetimeS"?}: a
                                                 signed-in user's token for this emulator
                                                 (`identity.delegated_token`), for a token
                                                 service in another process
    GET    /_emulator/stats
    POST   /_emulator/reset                      forget everything, faults included

Faults (`emulators.graph.faults` has the details):

    POST   /_emulator/faults           add a rule; 201 with the rule, 400 for a bad one
    GET    /_emulator/faults           the active rules, each with how often it `fired`, and
                                       how many answers are `held` right now
    DELETE /_emulator/faults           remove every rule and release held answers
    DELETE /_emulator/faults/{id}      remove one rule (404 if unknown)
    POST   /_emulator/faults/release   release held answers; the rules stay

A rule is JSON: `route` ("METHOD /path/pattern" under /v1.0; METHOD may be `*`; `{name}` or
`*` match one segment, `**` any number) and exactly one of `status` (429, 500, 502, 503, 504),
`slow` (true: the answer is held until released, or for `delaySeconds`), `drop` (true: the
connection closes without an answer) or `quirk` (`notOnline`, `onlineMeetingLate`: the request
is served the way real Graph sometimes serves it, see `emulators.graph.quirks`). Optional:
`retryAfter` (seconds, 429 and 503; a 429 defaults to 1), `after` (true: the request takes
effect first, then the fault answers) and `times` (the next N matching requests, default 1;
null: every one until removed). E.g.

    {"route": "POST /users/{user}/events", "status": 504, "after": true, "times": null}
    {"route": "* /users/{user}/onlineMeetings/createOrGet", "status": 429, "retryAfter": 2}
    {"route": "PATCH /users/{user}/events/{event}", "drop": true, "times": 2}
    {"route": "POST /users/{user}/events", "quirk": "notOnline", "times": null}
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import asdict, fields
from typing import TYPE_CHECKING, Any

from aiohttp import web

from emulators.graph.config import (
    UserConfig,
    UserConfigError,
    user_config_fields,
    user_config_json,
)
from emulators.graph.errors import GraphError
from emulators.graph.faults import FaultError, FaultRule
from emulators.graph.recording import RecordedRequest

if TYPE_CHECKING:
    from emulators.graph.emulator import GraphEmulator


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": {"code": "BadRequest", "message": message}}, status=status)


def _graph_error(error: GraphError) -> web.Response:
    body = {"error": {"code": error.code, "message": error.message}}
    return web.json_response(body, status=error.status)


async def _object_body(
    request: web.Request, what: str = "a Graph event JSON object"
) -> dict[str, Any] | web.Response:
    """The request's JSON object, or the 400 that refuses it."""
    try:
        data: Any = json.loads(await request.read())
    except ValueError:
        return _error(400, f"The body must be {what}.")
    if not isinstance(data, dict):
        return _error(400, f"The body must be {what}.")
    return data


def admin_routes(emulator: GraphEmulator) -> list[web.RouteDef]:
    """The admin routes, bound to `emulator`."""

    async def requests(_: web.Request) -> web.Response:
        # Shallow: `asdict` would deep-copy every header dict and body just to serialize them.
        names = [field.name for field in fields(RecordedRequest)]
        rows = [{name: getattr(entry, name) for name in names} for entry in emulator.requests]
        return web.json_response(rows)

    async def events(request: web.Request) -> web.Response:
        return web.json_response(emulator.events(request.match_info["user"]))

    async def seed_event(request: web.Request) -> web.Response:
        data = await _object_body(request)
        if isinstance(data, web.Response):
            return data
        try:
            event = emulator.seed_event(request.match_info["user"], data)
        except GraphError as error:
            return _graph_error(error)
        return web.json_response(event, status=201)

    async def update_event(request: web.Request) -> web.Response:
        data = await _object_body(request)
        if isinstance(data, web.Response):
            return data
        event_id = request.match_info["event"]
        try:
            event = emulator.update_event(request.match_info["user"], event_id, data)
        except KeyError:
            return _error(404, f"No event with id {event_id}.")
        except GraphError as error:
            return _graph_error(error)
        return web.json_response(event)

    async def cancelled_events(request: web.Request) -> web.Response:
        return web.json_response(emulator.cancelled_events(request.match_info["user"]))

    async def online_meetings(request: web.Request) -> web.Response:
        return web.json_response(emulator.online_meetings(request.match_info["user"]))

    async def configure(request: web.Request) -> web.Response:
        data = await _object_body(request, "a JSON object of user settings")
        if isinstance(data, web.Response):
            return data
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

    async def add_fault(request: web.Request) -> web.Response:
        try:
            data: Any = json.loads(await request.read())
        except ValueError:
            return _error(400, "The body must be a JSON object describing one fault.")
        if not isinstance(data, dict):
            return _error(400, "The body must be a JSON object describing one fault.")
        try:
            rule = _fault_from_json(emulator, data)
        except FaultError as exc:
            return _error(400, str(exc))
        return web.json_response(rule.json(), status=201)

    async def list_faults(_: web.Request) -> web.Response:
        rules = [rule.json() for rule in emulator.faults.rules()]
        return web.json_response({"faults": rules, "held": emulator.faults.held})

    async def clear_faults(_: web.Request) -> web.Response:
        emulator.faults.clear()
        return web.Response(status=204)

    async def remove_fault(request: web.Request) -> web.Response:
        rule_id = request.match_info["id"]
        if not (rule_id.isascii() and rule_id.isdigit()) or not emulator.faults.remove(
            int(rule_id)
        ):
            return _error(404, f"No fault with id {rule_id}.")
        return web.Response(status=204)

    async def release_faults(_: web.Request) -> web.Response:
        emulator.faults.release()
        return web.Response(status=204)

    return [
        web.get("/_emulator/requests", requests),
        web.get("/_emulator/users/{user}/events", events),
        web.post("/_emulator/users/{user}/events", seed_event),
        web.patch("/_emulator/users/{user}/events/{event}", update_event),
        web.get("/_emulator/users/{user}/cancelledEvents", cancelled_events),
        web.get("/_emulator/users/{user}/onlineMeetings", online_meetings),
        web.put("/_emulator/users/{user}", configure),
        web.post("/_emulator/reset", reset),
        web.post("/_emulator/tokens", _token_minter(emulator)),
        web.get("/_emulator/stats", stats),
        web.post("/_emulator/faults", add_fault),
        web.get("/_emulator/faults", list_faults),
        web.delete("/_emulator/faults", clear_faults),
        web.post("/_emulator/faults/release", release_faults),
        web.delete("/_emulator/faults/{id}", remove_fault),
    ]


def _token_minter(emulator: GraphEmulator) -> Callable[[web.Request], Awaitable[web.Response]]:
    """`POST /_emulator/tokens`: a delegated token minted as `GraphEmulator.delegated_token`."""

    async def mint_token(request: web.Request) -> web.Response:
        data = await _object_body(request, 'a JSON object {"oid", "scopes"}')
        if isinstance(data, web.Response):
            return data
        oid, scopes = data.get("oid"), data.get("scopes")
        client_id, lifetime = data.get("clientId", "meetbot-local"), data.get("lifetimeS", 3599)
        if not isinstance(oid, str) or not oid:
            return _error(400, "oid must be the user's object id.")
        if not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes):
            return _error(400, "scopes must be a list of delegated permission names.")
        if not isinstance(client_id, str) or not _is_int(lifetime) or lifetime <= 0:
            return _error(400, "clientId must be a string and lifetimeS a positive integer.")
        token = emulator.delegated_token(oid, scopes, client_id=client_id, lifetime_s=lifetime)
        body = {"token_type": "Bearer", "expires_in": lifetime, "access_token": token}
        return web.json_response(body, status=201)

    return mint_token


_FAULT_FIELDS = {
    "route",
    "status",
    "retryAfter",
    "slow",
    "drop",
    "after",
    "times",
    "delaySeconds",
    "quirk",
}


def _fault_from_json(emulator: GraphEmulator, data: dict[str, Any]) -> FaultRule:
    unknown = set(data) - _FAULT_FIELDS
    if unknown:
        raise FaultError(f"Unknown fault field(s): {', '.join(sorted(unknown))}.")
    route, status, times = data.get("route"), data.get("status"), data.get("times", 1)
    retry_after, delay = data.get("retryAfter"), data.get("delaySeconds")
    if not isinstance(route, str):
        raise FaultError("route must be a string such as 'POST /users/{user}/events'.")
    if status is not None and not _is_int(status):
        raise FaultError("status must be an integer.")
    if times is not None and not _is_int(times):
        raise FaultError("times must be an integer or null.")
    for name in ("retryAfter", "delaySeconds"):
        value = data.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise FaultError(f"{name} must be a number of seconds.")
    quirk = data.get("quirk")
    if quirk is not None and not isinstance(quirk, str):
        raise FaultError("quirk must be a string such as 'notOnline'.")
    for name in ("slow", "drop", "after"):
        if not isinstance(data.get(name, False), bool):
            raise FaultError(f"{name} must be true or false.")
    return emulator.faults.inject(
        route,
        status=status,
        retry_after=None if retry_after is None else float(retry_after),
        slow=bool(data.get("slow", False)),
        drop=bool(data.get("drop", False)),
        after=bool(data.get("after", False)),
        times=times,
        delay=None if delay is None else float(delay),
        quirk=quirk,
    )


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
