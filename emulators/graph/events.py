"""Outlook events as Graph v1.0 creates, patches and shows them.

The rules that bite clients are kept: a provider the calendar does not allow quietly yields an
event without a meeting (microsoft-graph-docs#12937); once online, an event cannot go offline or
change provider; a PATCH that sends `body` re-mints the join URL (microsoft-graph-docs#9743).

Events made through Graph are organized by the mailbox owner. The admin API can also seed the
owner's copy of someone else's meeting (`isOrganizer` false), which only its organizer may cancel.
"""

from __future__ import annotations

import base64
import html
import json
import re
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any
from urllib.parse import quote

from emulators.graph.config import PROVIDERS, TEAMS, UserConfig
from emulators.graph.errors import bad_request, property_validation
from emulators.graph.recurrence import normalise as normalise_recurrence
from emulators.graph.teams import (
    JoinInfo,
    event_online_meeting,
    invitation_html,
    invitation_preview,
    mint_join_info,
)
from emulators.graph.zones import (
    Zone,
    instant_text,
    local_date_time,
    local_text,
    parse_date_time_zone,
    zone_named,
)

_PROPERTIES = [
    "allowNewTimeProposals",
    "attendees",
    "body",
    "bodyPreview",
    "categories",
    "changeKey",
    "createdDateTime",
    "end",
    "hasAttachments",
    "hideAttendees",
    "iCalUId",
    "id",
    "importance",
    "isAllDay",
    "isCancelled",
    "isDraft",
    "isOnlineMeeting",
    "isOrganizer",
    "isReminderOn",
    "lastModifiedDateTime",
    "location",
    "locations",
    "onlineMeeting",
    "onlineMeetingProvider",
    "onlineMeetingUrl",
    "organizer",
    "originalEndTimeZone",
    "originalStart",
    "originalStartTimeZone",
    "recurrence",
    "reminderMinutesBeforeStart",
    "responseRequested",
    "responseStatus",
    "sensitivity",
    "seriesMasterId",
    "showAs",
    "start",
    "subject",
    "transactionId",
    "type",
    "webLink",
    "attachments",
    "calendar",
    "extensions",
    "instances",
    "multiValueExtendedProperties",
    "singleValueExtendedProperties",
]
# Graph matches property names without regard to case (PowerShell sends "Subject").
_CANONICAL = {name.lower(): name for name in _PROPERTIES}
_PASS_THROUGH: dict[str, Any] = {
    "importance": "normal",
    "sensitivity": "normal",
    "showAs": "busy",
    "isAllDay": False,
    "isReminderOn": True,
    "reminderMinutesBeforeStart": 15,
    "categories": [],
    "responseRequested": True,
    "hideAttendees": False,
    "allowNewTimeProposals": True,
    "recurrence": None,
}
# Every event starts out sharing these (read-only); a body that sets one gets its own copy.
_DEFAULT_PROPS: Mapping[str, Any] = MappingProxyType(_PASS_THROUGH)
_NO_TIME = "0001-01-01T00:00:00Z"
_ATTENDEE_TYPES = ("required", "optional", "resource")
EVENT_TYPES = ("singleInstance", "occurrence", "exception", "seriesMaster")
_HTML_HEAD = (
    '<html>\r\n<head>\r\n<meta http-equiv="Content-Type" content="text/html; charset=utf-8">\r\n'
    '<meta content="text/html; charset=us-ascii">\r\n</head>\r\n<body>\r\n'
)


@dataclass(frozen=True)
class Organizer:
    """Whose calendar an event lives on, and in which tenant."""

    user_id: str
    tenant_id: str
    config: UserConfig

    @property
    def email_address(self) -> dict[str, str]:
        return {
            "name": self.config.name_for(self.user_id),
            "address": self.config.email_for(self.user_id),
        }


@dataclass(slots=True)
class StoredEvent:
    """One event on a calendar.

    Every request that creates one keeps it for the rest of the run, and each object it holds
    that can refer to others (a list, a dict) is walked by every full garbage collection: so
    what is empty for most events is an empty tuple or a shared default (`props` until a body
    sets a pass-through property), and a Teams meeting's `onlineMeeting` is derived from its
    `teams` coordinates when shown instead of being stored next to them.
    """

    id: str
    created: datetime
    start: datetime
    end: datetime
    start_zone: str
    end_zone: str
    transaction_id: str | None = None
    subject: str = ""
    body_type: str = "html"
    body_content: str = ""
    attendees: tuple[dict[str, Any], ...] = ()
    location: dict[str, Any] = field(default_factory=dict)
    locations: tuple[dict[str, Any], ...] = ()
    provider: str = "unknown"
    teams: JoinInfo | None = None
    other_meeting: dict[str, object] | None = None  # a Skype meeting's `onlineMeeting`
    props: Mapping[str, Any] = field(default_factory=lambda: _DEFAULT_PROPS)  # shared
    # Someone else's meeting on this calendar (seeded); None when the mailbox owner organizes it.
    organizer: Organizer | None = None
    event_type: str | None = None
    series_master_id: str | None = None
    # When an occurrence or exception was first due (the event resource's `originalStart`).
    original_start: datetime | None = None
    is_cancelled: bool = False
    modified: datetime = field(init=False)
    change_key: str = field(init=False)
    ical_uid: str = field(default_factory=lambda: _ICAL_PREFIX + secrets.token_hex(40).upper())

    def __post_init__(self) -> None:
        self.touch(self.created)

    @property
    def online_meeting(self) -> dict[str, object] | None:
        """The event's `onlineMeeting`, None when it is not online."""
        if self.teams is not None:
            return event_online_meeting(self.teams)
        return self.other_meeting

    @property
    def is_online(self) -> bool:
        return self.teams is not None or self.other_meeting is not None

    @property
    def is_organizer(self) -> bool:
        return self.organizer is None

    @property
    def type(self) -> str:
        if self.event_type is not None:
            return self.event_type
        return "seriesMaster" if self.props["recurrence"] is not None else "singleInstance"

    def organized_by(self, owner: Organizer) -> Organizer:
        """Who organizes the event: its own organizer, else the mailbox owner."""
        return self.organizer or owner

    def touch(self, now: datetime) -> None:
        self.modified = now
        self.change_key = base64.b64encode(secrets.token_bytes(22)).decode()


_ICAL_PREFIX = "040000008200E00074C5B7101A82E008"


def canonical_properties(body: dict[str, Any]) -> dict[str, Any]:
    """`body` keyed by Graph's property names; an unknown property is a 400, as in Graph."""
    result: dict[str, Any] = {}
    for key, value in body.items():
        if key.startswith("@odata."):
            continue
        name = _CANONICAL.get(key.lower())
        if name is None:
            raise bad_request(
                f"The property '{key}' does not exist on type 'microsoft.graph.event'. Make sure "
                "to only use property names that are defined by the type or mark the type as "
                "open type."
            )
        result[name] = value
    return result


def new_event(body: dict[str, Any], organizer: Organizer, now: datetime) -> StoredEvent:
    """The event a `POST .../events` with this (canonical) body creates."""
    for required in ("start", "end"):
        if body.get(required) is None:
            raise property_validation(f"The event's '{required}' is required.")
    start, start_zone = parse_date_time_zone(body["start"], "start")
    end, end_zone = parse_date_time_zone(body["end"], "end")
    _check_order(start, end)
    event = StoredEvent(
        id="AAMkAD" + base64.urlsafe_b64encode(secrets.token_bytes(41)).decode(),
        created=now,
        start=start,
        end=end,
        start_zone=start_zone,
        end_zone=end_zone,
        transaction_id=_optional_str(body.get("transactionId"), "transactionId"),
    )
    _apply_plain_fields(event, body)
    if body.get("isOnlineMeeting") is True:
        _go_online(event, body.get("onlineMeetingProvider"), organizer)
    return event


def seeded_event(body: dict[str, Any], owner: Organizer, now: datetime) -> StoredEvent:
    """An event the admin API puts straight on `owner`'s calendar (canonical body).

    Besides what a create takes, a seed may name another `organizer` (the owner's copy of
    someone else's meeting, so `isOrganizer` is false), set `type` and `seriesMasterId` (one
    occurrence of a series) and, for someone else's meeting, `isCancelled`.
    """
    organizer = _other_organizer(body.get("organizer"), owner)
    event = new_event(body, organizer or owner, now)
    event.organizer = organizer
    if body.get("type") is not None:
        if body["type"] not in EVENT_TYPES:
            raise bad_request(f"The value '{body['type']}' is not valid for type.")
        event.event_type = body["type"]
    event.series_master_id = _optional_str(body.get("seriesMasterId"), "seriesMasterId")
    cancelled = body.get("isCancelled", False)
    if not isinstance(cancelled, bool):
        raise bad_request("'isCancelled' must be a boolean.")
    if cancelled and organizer is None:
        # An organizer's cancelled meeting leaves their calendar; only attendees keep a copy.
        raise bad_request("Only someone else's meeting can be seeded as cancelled.")
    event.is_cancelled = cancelled
    return event


def _other_organizer(value: Any, owner: Organizer) -> Organizer | None:
    if value is None:
        return None
    email = _get(value, "emailAddress") if isinstance(value, dict) else None
    address = _get(email, "address") if isinstance(email, dict) else None
    if not isinstance(email, dict) or not isinstance(address, str) or not address:
        raise property_validation("'organizer' needs an emailAddress.address.")
    if address.lower() == owner.config.email_for(owner.user_id).lower():
        return None
    name = _get(email, "name")
    # A stable made-up object id, so the organizer's join URLs name the same person each time.
    return Organizer(
        user_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"mailto:{address.lower()}")),
        tenant_id=owner.tenant_id,
        config=replace(
            owner.config,
            display_name=name if isinstance(name, str) and name else address,
            email=address,
        ),
    )


def apply_patch(
    event: StoredEvent, body: dict[str, Any], organizer: Organizer, now: datetime
) -> None:
    """Apply a `PATCH .../events/{id}` (canonical) body to `event` on `organizer`'s calendar."""
    organizer = event.organized_by(organizer)
    _guard_online_fields(event, body)
    start, end = event.start, event.end
    if "start" in body:
        start, event.start_zone = parse_date_time_zone(body["start"], "start")
    if "end" in body:
        end, event.end_zone = parse_date_time_zone(body["end"], "end")
    _check_order(start, end)
    event.start, event.end = start, end
    _apply_plain_fields(event, body)
    if "start" in body and "recurrence" not in body:
        _follow_start(event)
    if "body" in body and event.teams is not None:
        # Graph rebuilds the body's join block, and with it a new meeting (graph-docs#9743).
        event.teams = mint_join_info(organizer.tenant_id, organizer.user_id, organizer.config)
    if body.get("isOnlineMeeting") is True and not event.is_online:
        _go_online(event, body.get("onlineMeetingProvider"), organizer)
    event.touch(now)


def _follow_start(event: StoredEvent) -> None:
    """A master moved to another day starts its range there: the series keeps its pattern
    from the new first day on, at the new wall time."""
    recurrence = event.props["recurrence"]
    if recurrence is None:
        return
    zone = zone_named(recurrence["range"]["recurrenceTimeZone"])
    start_date = event.start.astimezone(zone.tz if zone else UTC).date().isoformat()
    if start_date != recurrence["range"]["startDate"]:
        moved = {**recurrence, "range": {**recurrence["range"], "startDate": start_date}}
        event.props = {**event.props, "recurrence": moved}


def _guard_online_fields(event: StoredEvent, body: dict[str, Any]) -> None:
    if not event.is_online:
        return
    if body.get("isOnlineMeeting") is False:
        raise bad_request(
            "isOnlineMeeting cannot be changed to false once the event is an online meeting."
        )
    provider = body.get("onlineMeetingProvider")
    if provider is not None and provider != event.provider:
        raise bad_request(
            "onlineMeetingProvider cannot be changed once the event is an online meeting."
        )


def _check_order(start: datetime, end: datetime) -> None:
    if end < start:
        raise property_validation("The event's end is before its start.")


def _apply_plain_fields(event: StoredEvent, body: dict[str, Any]) -> None:
    if "subject" in body:
        event.subject = _optional_str(body["subject"], "subject") or ""
    if "body" in body:
        event.body_type, event.body_content = _item_body(body["body"])
    if "attendees" in body:
        event.attendees = tuple(_attendee(item) for item in _list(body["attendees"], "attendees"))
    if "location" in body or "locations" in body:
        _set_locations(event, body.get("location"), body.get("locations"))
    changed = {name: body[name] for name in _PASS_THROUGH if name in body}
    if "recurrence" in changed:
        if changed["recurrence"] is not None and event.event_type in ("occurrence", "exception"):
            raise bad_request("An occurrence of a series cannot have a recurrence of its own.")
        changed["recurrence"] = normalise_recurrence(changed["recurrence"], event.start_zone)
    if changed:
        event.props = {**event.props, **changed}


def _go_online(event: StoredEvent, requested: Any, organizer: Organizer) -> None:
    config = organizer.config
    provider = config.resolved_default_provider() if requested is None else requested
    if provider not in PROVIDERS:
        raise bad_request(f"The value '{provider}' is not valid for onlineMeetingProvider.")
    if provider == "unknown" or provider not in config.allowed_providers:
        return  # Graph still creates the event, just without a meeting.
    event.provider = provider
    if provider == TEAMS:
        event.teams = mint_join_info(organizer.tenant_id, organizer.user_id, config)
    else:
        alias = config.email_for(organizer.user_id).split("@")[0]
        event.other_meeting = {
            "joinUrl": f"https://meet.lync.com/contoso/{alias}/{secrets.token_hex(4).upper()}"
        }


def _get(obj: dict[str, Any], name: str) -> Any:
    """A nested property, matched without regard to case like Graph does."""
    return next((v for k, v in obj.items() if k.lower() == name.lower()), None)


def _optional_str(value: Any, name: str) -> str | None:
    if value is not None and not isinstance(value, str):
        raise bad_request(f"'{name}' must be a string.")
    return value


def _list(value: Any, name: str) -> list[Any]:
    if not isinstance(value, list):
        raise bad_request(f"'{name}' must be an array.")
    return value


def _item_body(value: Any) -> tuple[str, str]:
    if value is None:
        return "html", ""
    if not isinstance(value, dict):
        raise bad_request("'body' must be an itemBody object.")
    kind = str(_get(value, "contentType") or "text").lower()
    if kind not in ("text", "html"):
        raise bad_request(f"The value '{kind}' is not valid for body.contentType.")
    return kind, _optional_str(_get(value, "content"), "body.content") or ""


def _attendee(value: Any) -> dict[str, Any]:
    email = _get(value, "emailAddress") if isinstance(value, dict) else None
    address = _get(email, "address") if isinstance(email, dict) else None
    if not (
        isinstance(value, dict) and isinstance(email, dict) and isinstance(address, str) and address
    ):
        raise property_validation("Every attendee needs an emailAddress.address.")
    kind = str(_get(value, "type") or "required").lower()
    if kind not in _ATTENDEE_TYPES:
        raise bad_request(f"The value '{kind}' is not valid for attendee type.")
    return {
        "type": kind,
        "status": {"response": "none", "time": _NO_TIME},
        "emailAddress": {"name": _get(email, "name") or address, "address": address},
    }


_LOCATION_TYPES = {
    name.lower(): name
    for name in (
        "default",
        "conferenceRoom",
        "homeAddress",
        "businessAddress",
        "geoCoordinates",
        "streetAddress",
        "hotel",
        "restaurant",
        "localBusiness",
        "postalAddress",
    )
}
_LOCATION_EXTRAS = ("locationEmailAddress", "locationUri", "address", "coordinates")


def _location(value: Any, listed: bool = False) -> dict[str, Any]:
    """A `location` as seed 004 answers it (examples 1 and 2): the event's own location has a
    private `uniqueId` (its name); an item of `locations` that is only a name has none and
    `uniqueIdType` "unknown", one with more to it (an address, a room) is private."""
    if not isinstance(value, dict):
        raise bad_request("A location must be a location object.")
    name = _optional_str(_get(value, "displayName"), "location.displayName") or ""
    kind = _get(value, "locationType") or "default"
    if not isinstance(kind, str) or kind.lower() not in _LOCATION_TYPES:
        raise bad_request(f"The value '{kind}' is not valid for location.locationType.")
    extras = {name: _get(value, name) for name in _LOCATION_EXTRAS if _get(value, name)}
    bare = not extras and not _get(value, "uniqueId")
    result: dict[str, Any] = {"displayName": name, "locationType": _LOCATION_TYPES[kind.lower()]}
    if "locationEmailAddress" in extras:
        # A room: Graph keeps the mailbox next to the name it shows.
        result["locationEmailAddress"] = extras.pop("locationEmailAddress")
    if listed and bare:
        result["uniqueIdType"] = "unknown"
    else:
        result["uniqueId"] = _get(value, "uniqueId") or name
        result["uniqueIdType"] = _get(value, "uniqueIdType") or "private"
    if isinstance(extras.get("address"), dict):
        extras["address"] = {"type": "unknown", **extras["address"]}
    result.update(extras)
    return result


def _set_locations(event: StoredEvent, location: Any, locations: Any) -> None:
    if locations is not None:
        items = _list(locations, "locations")
        event.locations = tuple(_location(item, listed=True) for item in items)
    if location is not None:
        event.location = _location(location)
    elif locations is not None:
        event.location = _location(items[0]) if items else {}
    if locations is None:
        # Graph lists the one location in `locations` too (seed 004, examples 1 and 3).
        named = location is not None and event.location.get("displayName")
        event.locations = (_location(location, listed=True),) if named else ()


def _no_location() -> dict[str, Any]:
    return {
        "displayName": "",
        "locationType": "default",
        "uniqueIdType": "unknown",
        "address": {},
        "coordinates": {},
    }


def _inner_html(event: StoredEvent) -> str:
    if not event.body_content:
        return ""
    if event.body_type == "text":
        return html.escape(event.body_content).replace("\n", "<br>\r\n")
    # A full HTML document keeps only what is inside <body>, as Outlook does.
    match = re.search(r"<body[^>]*>(.*)</body>", event.body_content, re.IGNORECASE | re.DOTALL)
    return match.group(1).strip() if match else event.body_content


def _preview_text(event: StoredEvent) -> str:
    if not event.body_content:
        return ""
    text = event.body_content
    if event.body_type == "html":
        text = html.unescape(re.sub(r"<[^>]+>", " ", _inner_html(event)))
    return " ".join(text.split())


def render_body(event: StoredEvent, organizer: Organizer) -> tuple[dict[str, str], str]:
    """The event's `body` (with Teams' invitation block when online) and its `bodyPreview`;
    `organizer` is whoever organizes the event."""
    content, preview = _inner_html(event), _preview_text(event)
    if event.teams is not None:
        content += "\r\n" + invitation_html(event.teams, organizer.tenant_id, organizer.user_id)
        preview = (preview + "\r\n" if preview else "") + invitation_preview(event.teams)
    else:
        content += "\r\n"
    document = f"{_HTML_HEAD}{content}</body>\r\n</html>\r\n"
    return {"contentType": "html", "content": document}, preview[:255]


def render_event(
    event: StoredEvent, owner: Organizer, zone: Zone, shown_id: str | None = None
) -> dict[str, Any]:
    """The event on `owner`'s calendar as Graph JSON, times shown in `zone` (seed 000);
    `shown_id` is the id this request sees, when not the stored one (`emulators.graph.quirks`)."""
    event_id = event.id if shown_id is None else shown_id
    organizer = event.organized_by(owner)
    body, preview = render_body(event, organizer)
    response = "organizer" if event.is_organizer else "notResponded"
    props = event.props
    rendered: dict[str, Any] = {
        "@odata.etag": f'W/"{event.change_key}"',
        "id": event_id,
        "createdDateTime": instant_text(event.created),
        "lastModifiedDateTime": instant_text(event.modified),
        "changeKey": event.change_key,
        "categories": props["categories"],
        "transactionId": event.transaction_id,
        "originalStartTimeZone": event.start_zone,
        "originalEndTimeZone": event.end_zone,
    }
    if event.original_start is not None:
        rendered["originalStart"] = original_start_text(event.original_start)
    rendered |= {
        "iCalUId": event.ical_uid,
        "reminderMinutesBeforeStart": props["reminderMinutesBeforeStart"],
        "isReminderOn": props["isReminderOn"],
        "hasAttachments": False,
        "subject": event.subject,
        "bodyPreview": preview,
        "importance": props["importance"],
        "sensitivity": props["sensitivity"],
        "isAllDay": props["isAllDay"],
        "isCancelled": event.is_cancelled,
        "isOrganizer": event.is_organizer,
        "responseRequested": props["responseRequested"],
        "seriesMasterId": event.series_master_id,
        "showAs": props["showAs"],
        "type": event.type,
        "webLink": _web_link(event_id),
        "onlineMeetingUrl": None,
        "isOnlineMeeting": event.is_online,
        "onlineMeetingProvider": event.provider,
        "allowNewTimeProposals": props["allowNewTimeProposals"],
        "isDraft": False,
        "hideAttendees": props["hideAttendees"],
        "recurrence": props["recurrence"],
        "responseStatus": {"response": response, "time": _NO_TIME},
        "body": body,
        "start": local_date_time(event.start, zone),
        "end": local_date_time(event.end, zone),
        "location": event.location or _no_location(),
        "locations": list(event.locations),
        "attendees": list(event.attendees),
        "organizer": {"emailAddress": organizer.email_address},
        "onlineMeeting": event.online_meeting,
    }
    return rendered


def original_start_text(instant: datetime) -> str:
    """`originalStart` as Graph writes it: an Edm.DateTimeOffset in UTC, whole seconds."""
    return f"{instant.astimezone(UTC):%Y-%m-%dT%H:%M:%S}Z"


def event_json(
    event: StoredEvent, owner: Organizer, zone: Zone, context: str, shown_id: str | None = None
) -> str:
    """`json.dumps({"@odata.context": context, **render_event(event, owner, zone, shown_id)})`,
    written straight from the event.

    Creating, reading and patching an event answer with it, and under load building the dict
    and then encoding it took about a third of the emulator's CPU for such a request. This
    writes the same text (key for key, in the same order, with the encoder's own string
    escaping) without the intermediate dict, and writes constant parts once.
    tests/emulators/test_graph_render.py checks the two agree on arbitrary events: change them
    together.
    """
    event_id = event.id if shown_id is None else shown_id
    organizer = event.organized_by(owner)
    body, preview = render_body(event, organizer)
    if event.props is _DEFAULT_PROPS:
        props = _DEFAULT_PROPS_JSON
    else:
        props = {name: _json_value(value) for name, value in event.props.items()}
    value = _json_value
    created = value(instant_text(event.created))
    return "".join(
        (
            '{"@odata.context": ',
            value(context),
            ', "@odata.etag": ',
            value(f'W/"{event.change_key}"'),
            ', "id": ',
            value(event_id),
            ', "createdDateTime": ',
            created,
            ', "lastModifiedDateTime": ',
            created if event.modified == event.created else value(instant_text(event.modified)),
            ', "changeKey": ',
            value(event.change_key),
            ', "categories": ',
            props["categories"],
            ', "transactionId": ',
            value(event.transaction_id),
            ', "originalStartTimeZone": ',
            value(event.start_zone),
            ', "originalEndTimeZone": ',
            value(event.end_zone),
            ""
            if event.original_start is None
            else f', "originalStart": "{original_start_text(event.original_start)}"',
            ', "iCalUId": ',
            value(event.ical_uid),
            ', "reminderMinutesBeforeStart": ',
            props["reminderMinutesBeforeStart"],
            ', "isReminderOn": ',
            props["isReminderOn"],
            ', "hasAttachments": false, "subject": ',
            value(event.subject),
            ', "bodyPreview": ',
            value(preview),
            ', "importance": ',
            props["importance"],
            ', "sensitivity": ',
            props["sensitivity"],
            ', "isAllDay": ',
            props["isAllDay"],
            ', "isCancelled": ',
            value(event.is_cancelled),
            ', "isOrganizer": ',
            value(event.is_organizer),
            ', "responseRequested": ',
            props["responseRequested"],
            ', "seriesMasterId": ',
            value(event.series_master_id),
            ', "showAs": ',
            props["showAs"],
            ', "type": ',
            value(event.type),
            ', "webLink": ',
            value(_web_link(event_id)),
            ', "onlineMeetingUrl": null, "isOnlineMeeting": ',
            value(event.is_online),
            ', "onlineMeetingProvider": ',
            value(event.provider),
            ', "allowNewTimeProposals": ',
            props["allowNewTimeProposals"],
            ', "isDraft": false, "hideAttendees": ',
            props["hideAttendees"],
            ', "recurrence": ',
            props["recurrence"],
            _RESPONSE_STATUS_JSON[event.is_organizer],
            ', "body": {"contentType": ',
            value(body["contentType"]),
            ', "content": ',
            value(body["content"]),
            '}, "start": ',
            _date_time_json(event.start, zone),
            ', "end": ',
            _date_time_json(event.end, zone),
            ', "location": ',
            value(event.location) if event.location else _NO_LOCATION_JSON,
            ', "locations": ',
            value(event.locations),
            ', "attendees": ',
            value(event.attendees),
            ', "organizer": {"emailAddress": {"name": ',
            value(organizer.config.name_for(organizer.user_id)),
            ', "address": ',
            value(organizer.config.email_for(organizer.user_id)),
            '}}, "onlineMeeting": ',
            value(event.online_meeting),
            "}",
        )
    )


def _json_value(value: Any) -> str:
    """`json.dumps(value)`, without the call for the values events mostly hold."""
    kind = type(value)
    if kind is str:
        return _encode_str(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if kind is int:
        return int.__repr__(value)  # as json.dumps writes an int
    if not value and (kind is tuple or kind is list or kind is dict):
        return "{}" if kind is dict else "[]"
    return json.dumps(value)


def _date_time_json(instant: datetime, zone: Zone) -> str:
    local = _encode_str(local_text(instant, zone))
    return f'{{"dateTime": {local}, "timeZone": {_json_value(zone.name)}}}'


def _web_link(event_id: str) -> str:
    # Event ids are URL-safe base64, where only the padding needs quoting: skip `quote`'s
    # character-by-character pass for them.
    if _URL_SAFE_ID.fullmatch(event_id):
        item = event_id.replace("=", "%3D")
    else:
        item = quote(event_id, safe="")
    return f"https://outlook.office365.com/owa/?itemid={item}&exvsurl=1&path=/calendar/item"


_URL_SAFE_ID = re.compile(r"[A-Za-z0-9_=-]*")


_encode_str = json.encoder.encode_basestring_ascii  # what json.dumps writes every str with
_RESPONSE_STATUS_JSON = {
    is_organizer: ', "responseStatus": '
    + json.dumps({"response": "organizer" if is_organizer else "notResponded", "time": _NO_TIME})
    for is_organizer in (True, False)
}
_NO_LOCATION_JSON = json.dumps(_no_location())
_DEFAULT_PROPS_JSON = {name: json.dumps(value) for name, value in _DEFAULT_PROPS.items()}


def select(rendered: dict[str, Any], selection: str) -> tuple[list[str], dict[str, Any]]:
    """The `$select`ed names (canonical) and the event trimmed to them, id and etag kept."""
    names = selected_names(selection)
    return names, trim(rendered, names)


def selected_names(selection: str) -> list[str]:
    """Graph's names for the properties a `$select` lists; an unknown one is a 400."""
    names: list[str] = []
    for raw in (part.strip() for part in selection.split(",")):
        name = _CANONICAL.get(raw.lower())
        if name is None:
            raise bad_request(
                f"Could not find a property named '{raw}' on type 'microsoft.graph.event'."
            )
        names.append(name)
    return names


def trim(rendered: dict[str, Any], names: list[str]) -> dict[str, Any]:
    """A rendered event cut down to `names`; Graph always keeps the id and the etag."""
    trimmed = {"@odata.etag": rendered["@odata.etag"], "id": rendered["id"]}
    trimmed.update({name: rendered[name] for name in names if name in rendered})
    return trimmed
