"""Graph v1.0 routes: a small table from path shape and method to a thin handler.

aiohttp's router would answer unknown paths and methods in its own words; Graph answers them
with its JSON errors, so `/v1.0/{path}` lands on one entry point that matches the table itself.
Handlers convert HTTP to calls on the domain modules (events, views, online_meetings) and back.

A signed-in user's (delegated) token reaches the same handlers: `/me/...` is `/users/{oid}/...`
with the token's user (`on_behalf_of`), and the permission a handler needs is a scope of the
token instead of an app role (`_require`).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiohttp import web

from emulators import json_body
from emulators.graph.config import (
    CALENDARS_READ_WRITE,
    ONLINE_MEETINGS_READ_WRITE,
    ONLINE_MEETINGS_READ_WRITE_ALL,
)
from emulators.graph.errors import (
    GraphError,
    access_denied,
    bad_request,
    invalid_json,
    item_not_found,
)
from emulators.graph.events import (
    Organizer,
    StoredEvent,
    apply_patch,
    canonical_properties,
    event_json,
    new_event,
    render_event,
    select,
    selected_names,
    trim,
)
from emulators.graph.identity import IssuedToken
from emulators.graph.online_meetings import external_id_of, new_online_meeting
from emulators.graph.quirks import (
    NOT_ONLINE,
    ONLINE_FIELDS,
    ONLINE_MEETING_LATE,
    access_policy_missing,
    find_event,
    moved,
    shown_id,
    wants_immutable_ids,
)
from emulators.graph.rooms import answer_rooms
from emulators.graph.series import instances
from emulators.graph.state import UserState
from emulators.graph.views import in_window, next_link, ordered, page, query_value, time_window
from emulators.graph.zones import UTC_ZONE, preferred_zone

GRAPH_CONTENT_TYPE = (
    "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;"
    "charset=utf-8"
)
ME_ONLY_DELEGATED = "/me request is only valid with delegated authentication flow."
NOT_ORGANIZER = "Your request can't be completed. You need to be an organizer to cancel a meeting."
_CALENDAR_READ_ROLES = ("Calendars.Read", CALENDARS_READ_WRITE)
# Segments followed by an id, to tell "users/{id}" apart from a misspelt segment.
_ID_AFTER = {"users", "calendars", "events"}
_KNOWN_SEGMENTS = {
    "users",
    "calendar",
    "calendars",
    "calendarview",
    "events",
    "cancel",
    "instances",
    "onlinemeetings",
    "createorget",
}


@dataclass(frozen=True)
class GraphCall:
    """A Graph request that passed authentication and routing."""

    request: web.Request
    token: IssuedToken
    user: UserState
    organizer: Organizer
    params: Mapping[str, str]
    segments: tuple[str, ...]
    now: datetime
    quirk: str | None = None  # an injected quirk that fired on this request

    @property
    def immutable_ids(self) -> bool:
        """Whether the client asked for `Prefer: IdType="ImmutableId"`."""
        return wants_immutable_ids(self.request.headers.getall("Prefer", []))

    def shown_id(self, event: StoredEvent) -> str:
        """The id of `event` as this request sees it (`emulators.graph.quirks`)."""
        return shown_id(self.user, event.id, immutable=self.immutable_ids)

    @property
    def metadata(self) -> str:
        """The `@odata.context` prefix for this user's resources."""
        base = f"{self.request.scheme}://{self.request.host}/v1.0/$metadata"
        return f"{base}#users('{self.user.id}')"


Handler = Callable[[GraphCall], Awaitable[web.StreamResponse]]
# The body of a request served from a `$batch` (emulators.graph.batch): its own, not the batch's.
BATCHED_BODY = web.RequestKey("meetbot.graph.batched-body", bytes)


async def body_of(request: web.Request) -> bytes:
    """The request's body: read from the wire, or the one its batch gave it."""
    batched = request.get(BATCHED_BODY)
    return batched if batched is not None else await request.read()


@dataclass(frozen=True)
class Route:
    """A path shape such as ("users", "{user}", "calendar") and its handlers by method."""

    shape: tuple[str, ...]
    handlers: Mapping[str, Handler]
    # Outlook (mail, calendar) counts requests against the mailbox's concurrency limit.
    outlook: bool = True

    def match(self, segments: tuple[str, ...]) -> dict[str, str] | None:
        if len(segments) != len(self.shape):
            return None
        params: dict[str, str] = {}
        for part, segment in zip(self.shape, segments, strict=True):
            if part.startswith("{"):
                params[part.strip("{}")] = segment
            elif part.lower() != segment.lower():
                return None
        return params


def graph_json(
    data: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> web.Response:
    return graph_text(json.dumps(data), status, headers)


def graph_text(
    text: str, status: int = 200, headers: Mapping[str, str] | None = None
) -> web.Response:
    """A Graph answer whose JSON is already written."""
    response = web.Response(body=text.encode(), status=status)
    response.headers.update(headers or {})
    response.headers["Content-Type"] = GRAPH_CONTENT_TYPE
    return response


def resolve(segments: tuple[str, ...], method: str) -> tuple[Route, dict[str, str], Handler]:
    """The route and handler for a path under /v1.0, or the error Graph gives instead."""
    for route in ROUTES:
        params = route.match(segments)
        if params is None:
            continue
        handler = route.handlers.get(method)
        if handler is None:
            raise GraphError(
                405,
                "BadRequest",
                "Specified HTTP method is not allowed for the request target.",
                {"Allow": ", ".join(route.handlers)},
            )
        return route, params, handler
    raise _no_route(segments, method)


def on_behalf_of(token: IssuedToken, segments: tuple[str, ...]) -> tuple[str, ...]:
    """The path as `/users/{id}/...`: `/me/...` names the signed-in user, so only a delegated
    token may use it (Graph answers an app token with 400, msgraph-sdk-php#1163)."""
    if not segments or segments[0].lower() != "me":
        return segments
    if token.oid is None:
        raise bad_request(ME_ONLY_DELEGATED)
    return ("users", token.oid, *segments[1:])


def check_mailbox_access(token: IssuedToken, user_id: str) -> None:
    """A delegated token reaches its own user's mailbox only: without delegate access to
    another user's calendar Graph answers 403 (microsoft-graph-docs#12822). An app token
    reaches every mailbox its roles cover."""
    if token.oid is not None and token.oid.lower() != user_id.lower():
        raise access_denied()


def _no_route(segments: tuple[str, ...], method: str) -> GraphError:
    previous = ""
    for segment in segments:
        if previous not in _ID_AFTER and segment.lower() not in _KNOWN_SEGMENTS:
            return bad_request(f"Resource not found for the segment '{segment}'.")
        previous = segment.lower()
    # A real Graph resource this emulator does not serve: say so rather than pretend.
    path = "/".join(segments)
    return GraphError(
        501, "NotImplemented", f"The local Graph emulator does not implement {method} /v1.0/{path}."
    )


def _require(
    token: IssuedToken,
    roles: tuple[str, ...],
    error: Callable[[], GraphError] = access_denied,
    scopes: tuple[str, ...] | None = None,
) -> None:
    """An app token needs one of `roles` (else `error`); a delegated one, one of `scopes`
    (default: the same names), else Graph's ErrorAccessDenied."""
    if token.grants(roles, roles if scopes is None else scopes):
        return
    raise error() if token.oid is None else access_denied()


def _meetings_forbidden() -> GraphError:
    return GraphError(
        403,
        "Forbidden",
        "Application does not have permission to createOrGet online meetings on behalf of "
        "this user.",
    )


async def _json_object(request: web.Request) -> dict[str, Any]:
    raw = await body_of(request)
    if not raw.strip():
        raise bad_request("Empty Payload. JSON content expected.")
    try:
        body = json_body.loads(raw)
    except ValueError:
        raise invalid_json() from None
    if not isinstance(body, dict):
        raise invalid_json()
    return body


def _event_response(
    call: GraphCall, event: StoredEvent, context: str, status: int = 200
) -> web.Response:
    zone = preferred_zone(call.request.headers.get("Prefer"))
    headers = {"Preference-Applied": f'outlook.timezone="{zone.name}"'} if zone else {}
    text = event_json(event, call.organizer, zone or UTC_ZONE, context, call.shown_id(event))
    return graph_text(text, status, headers)


def _find_event(call: GraphCall) -> StoredEvent:
    event = find_event(call.user, call.params["event"], immutable=call.immutable_ids)
    if event is None:
        raise item_not_found()
    return event


async def get_calendar(call: GraphCall) -> web.Response:
    _require(call.token, _CALENDAR_READ_ROLES)
    context = f"{call.metadata}/calendar/$entity"
    return graph_json({"@odata.context": context, **call.user.calendar_json()})


async def create_event(call: GraphCall) -> web.Response:
    _require(call.token, (CALENDARS_READ_WRITE,))
    calendar = call.params.get("calendar")
    if calendar is not None and calendar != call.user.calendar_id:
        raise item_not_found()
    body = canonical_properties(await _json_object(call.request))
    # transactionId makes a retried create return the first event (seed 004).
    event = call.user.event_for_transaction(body.get("transactionId"))
    if event is None:
        made = body
        if call.quirk == NOT_ONLINE:  # microsoft-graph-docs#9740, #22355
            made = {name: value for name, value in body.items() if name not in ONLINE_FIELDS}
        event = new_event(made, call.organizer, call.now)
        answer_rooms(event, call.user.events.values(), call.user.series, call.now)
        call.user.add_event(event)
    collection = "/".join(call.segments[2:])
    if calendar is not None:
        collection = f"calendars('{calendar}')/events"
    context = f"{call.metadata}/{collection}/$entity"
    if call.quirk == ONLINE_MEETING_LATE:
        return _late_online_meeting(call, event, context)
    return _event_response(call, event, context, 201)


def _late_online_meeting(call: GraphCall, event: StoredEvent, context: str) -> web.Response:
    """The create's answer before Teams filled the meeting in: a later read has it."""
    zone = preferred_zone(call.request.headers.get("Prefer"))
    headers = {"Preference-Applied": f'outlook.timezone="{zone.name}"'} if zone else {}
    rendered = render_event(event, call.organizer, zone or UTC_ZONE, call.shown_id(event))
    return graph_json({"@odata.context": context, **rendered, "onlineMeeting": None}, 201, headers)


async def get_event(call: GraphCall) -> web.Response:
    _require(call.token, _CALENDAR_READ_ROLES)
    event = _find_event(call)
    selection = call.request.query.get("$select")
    if not selection:
        return _event_response(call, event, f"{call.metadata}/events/$entity")
    zone = preferred_zone(call.request.headers.get("Prefer")) or UTC_ZONE
    rendered = render_event(event, call.organizer, zone, call.shown_id(event))
    names, trimmed = select(rendered, selection)
    context = f"{call.metadata}/events({','.join(names)})/$entity"
    return graph_json({"@odata.context": context, **trimmed})


async def list_events(call: GraphCall) -> web.Response:
    """`GET .../events`: the calendar's events in creation order, paged."""
    _require(call.token, _CALENDAR_READ_ROLES)
    return _collection(call, list(call.user.events.values()))


async def calendar_view(call: GraphCall) -> web.Response:
    """`GET .../calendarView`: the events overlapping a time window, soonest first, paged."""
    _require(call.token, _CALENDAR_READ_ROLES)
    start, end = time_window(call.request.query)
    return _collection(call, in_window(call.user.events.values(), start, end, call.user.series))


async def list_instances(call: GraphCall) -> web.Response:
    """`GET .../events/{id}/instances`: a master's occurrences and exceptions in a window, which
    is required (https://learn.microsoft.com/graph/api/event-list-instances)."""
    _require(call.token, _CALENDAR_READ_ROLES)
    event = _find_event(call)
    start, end = time_window(call.request.query)
    found: list[StoredEvent] = []
    if event.props["recurrence"] is not None:
        found = instances(event, call.user.series_of(event.id), start, end)
    return _collection(call, found, f"events('{event.id}')/instances")


def _collection(
    call: GraphCall, events: list[StoredEvent], collection: str | None = None
) -> web.Response:
    query = call.request.query
    selection = query_value(query, "$select")
    names = selected_names(selection) if selection else None
    events = ordered(events, query_value(query, "$orderby"))
    found = page(events, query)
    zone = preferred_zone(call.request.headers.get("Prefer"))
    headers = {"Preference-Applied": f'outlook.timezone="{zone.name}"'} if zone else {}
    value = [
        render_event(event, call.organizer, zone or UTC_ZONE, call.shown_id(event))
        for event in found.items
    ]
    collection = collection or "/".join(call.segments[2:])
    if names is not None:
        value = [trim(rendered, names) for rendered in value]
        collection += f"({','.join(names)})"
    body: dict[str, Any] = {"@odata.context": f"{call.metadata}/{collection}", "value": value}
    if found.next_skip is not None:
        body["@odata.nextLink"] = next_link(call.request.url, found.next_skip)
    return graph_json(body, headers=headers)


async def patch_event(call: GraphCall) -> web.Response:
    """`PATCH .../events/{id}`. A changed occurrence becomes an exception of its series; a
    master whose time or pattern changes takes its occurrences along (event resource type:
    https://learn.microsoft.com/graph/api/resources/event), its exceptions dropped as Outlook
    drops them."""
    _require(call.token, (CALENDARS_READ_WRITE,))
    event = _find_event(call)
    body = canonical_properties(await _json_object(call.request))
    before = (event.start, event.end, event.props["recurrence"])
    apply_patch(event, body, call.organizer, call.now)
    if "attendees" in body:
        answer_rooms(event, call.user.events.values(), call.user.series, call.now)
    call.user.settle_patch(event, before)
    if "start" in body or "end" in body:
        moved(call.user, event.id)
    return _event_response(call, event, f"{call.metadata}/events/$entity")


async def delete_event(call: GraphCall) -> web.Response:
    """`DELETE .../events/{id}`: an occurrence leaves its series; a master, the whole series."""
    _require(call.token, (CALENDARS_READ_WRITE,))
    event = _find_event(call)
    if event.id in call.user.events:
        call.user.remove_event(event.id)
    else:
        call.user.remove_occurrence(event)
    return web.Response(status=204)


async def cancel_event(call: GraphCall) -> web.Response:
    """`POST .../events/{id}/cancel`: only the organizer may; 202 and the event is gone."""
    _require(call.token, (CALENDARS_READ_WRITE,))
    event = _find_event(call)
    comment = _cancel_comment(await body_of(call.request))
    if not event.is_organizer:
        raise bad_request(NOT_ORGANIZER, code="ErrorAccessDenied")
    call.user.cancel_event(event.id, comment, call.now)
    return web.Response(status=202)


def _cancel_comment(raw: bytes) -> str | None:
    if not raw.strip():
        return None  # every parameter of cancel is optional
    try:
        body = json.loads(raw)
    except ValueError:
        raise invalid_json() from None
    if not isinstance(body, dict):
        raise invalid_json()
    comment: Any = None
    for key, value in body.items():
        if key.lower() != "comment":
            raise bad_request(
                f"The parameter '{key}' in the request payload is not a valid parameter for "
                "the operation 'cancel'."
            )
        comment = value
    if comment is not None and not isinstance(comment, str):
        raise bad_request("'comment' must be a string.")
    return comment


async def create_or_get(call: GraphCall) -> web.Response:
    _require(
        call.token,
        (ONLINE_MEETINGS_READ_WRITE_ALL,),
        _meetings_forbidden,
        scopes=(ONLINE_MEETINGS_READ_WRITE,),
    )
    # The application access policy governs app tokens only: a signed-in user makes their own.
    if call.token.oid is None and not call.user.config.access_policy:
        # microsoft-graph-docs#12135; its wordings: emulators.graph.quirks
        raise access_policy_missing(call.user.config, call.token.client_id, call.user.id)
    body = await _json_object(call.request)
    external_id = external_id_of(body)
    context = f"{call.metadata}/onlineMeetings/$entity"
    meeting = call.user.meetings.get(external_id)
    if meeting is not None:
        return graph_json({"@odata.context": context, **meeting}, 200)
    meeting = new_online_meeting(body, call.organizer, call.now)
    call.user.meetings[external_id] = meeting
    return graph_json({"@odata.context": context, **meeting}, 201)


ROUTES: tuple[Route, ...] = (
    Route(("users", "{user}", "calendar"), {"GET": get_calendar}),
    Route(("users", "{user}", "events"), {"GET": list_events, "POST": create_event}),
    Route(("users", "{user}", "calendar", "events"), {"GET": list_events, "POST": create_event}),
    Route(("users", "{user}", "calendarView"), {"GET": calendar_view}),
    Route(("users", "{user}", "calendar", "calendarView"), {"GET": calendar_view}),
    Route(("users", "{user}", "calendars", "{calendar}", "events"), {"POST": create_event}),
    Route(
        ("users", "{user}", "events", "{event}"),
        {"GET": get_event, "PATCH": patch_event, "DELETE": delete_event},
    ),
    Route(("users", "{user}", "events", "{event}", "cancel"), {"POST": cancel_event}),
    Route(("users", "{user}", "events", "{event}", "instances"), {"GET": list_instances}),
    Route(("users", "{user}", "onlineMeetings", "createOrGet"), {"POST": create_or_get}, False),
)
