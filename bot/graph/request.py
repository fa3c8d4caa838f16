"""What Meetbot asks Graph to create: an event's POST body, and a meet-now's participants.

`EventRequest` is the body of `POST /users/{id}/events` as seed 004 shows it, less what the
client adds on every create (`isOnlineMeeting`, `onlineMeetingProvider`, `transactionId`).
It is a model so that a create can be written down before it is sent and sent again exactly
(`bot.store.PendingCreate.request`): a reconcile re-POSTs the same body.

* attendees: `{emailAddress {address, name?}, type}`, type required, optional or resource;
* one place: `location {displayName}` (seed 004 example 1); several: `locations[]` in order
  and the combined `location {displayName: "A; B; C", locationType: "Default"}` (example 2);
* a room: a `resource` attendee and `location {displayName, locationEmailAddress}` (the
  seed's "set the location" section);
* an agenda: `body {contentType: "HTML", content}`, the text escaped and its line breaks as
  `<br>` (Graph appends Teams' join block after it);
* `recurrence` as `bot.graph.recurrence.recurrence_json` writes it.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import Field

from bot.graph.models import (
    Attendee,
    DateTimeTimeZone,
    EmailAddress,
    GraphModel,
    ItemBody,
    Location,
)

PLACES_SEPARATOR = "; "  # how seed 004 example 2 joins the places into one location


class AttendeeType(StrEnum):
    REQUIRED = "required"
    OPTIONAL = "optional"
    RESOURCE = "resource"


@dataclass(frozen=True, slots=True)
class Invitee:
    """One attendee of a create: an address, the name to show (from the roster), the type."""

    address: str
    name: str | None = None
    type: AttendeeType = AttendeeType.REQUIRED

    def attendee(self) -> Attendee:
        return Attendee(
            email_address=EmailAddress(address=self.address, name=self.name), type=self.type
        )


@dataclass(frozen=True, slots=True)
class RoomBooking:
    """A room mailbox to book: its address and the name to show."""

    address: str
    name: str


class EventRequest(GraphModel):
    """The body of an event create, as Graph reads it (see the module docstring)."""

    subject: str
    body: ItemBody | None = None
    start: DateTimeTimeZone
    end: DateTimeTimeZone
    location: Location | None = None
    locations: list[Location] | None = None
    attendees: list[Attendee] = Field(default_factory=list)
    recurrence: dict[str, Any] | None = None

    @classmethod
    def build(
        cls,
        *,
        subject: str,
        start: dict[str, str],
        end: dict[str, str],
        attendees: Sequence[Invitee] = (),
        places: Sequence[str] = (),
        room: RoomBooking | None = None,
        agenda: str | None = None,
        recurrence: Mapping[str, Any] | None = None,
    ) -> EventRequest:
        """`start` and `end` as `dateTimeTimeZone` JSON; attendees in order, the room's last."""
        invited = [invitee.attendee() for invitee in attendees]
        location, locations = _locations(places)
        if room is not None:
            invited.append(Invitee(room.address, room.name, AttendeeType.RESOURCE).attendee())
            location = Location(display_name=room.name, location_email_address=room.address)
        return cls(
            subject=subject,
            body=None
            if agenda is None
            else ItemBody(content_type="HTML", content=agenda_html(agenda)),
            start=DateTimeTimeZone.model_validate(start),
            end=DateTimeTimeZone.model_validate(end),
            location=location,
            locations=locations,
            attendees=invited,
            recurrence=None if recurrence is None else dict(recurrence),
        )

    def graph_json(self) -> dict[str, Any]:
        """The JSON Graph is sent: what was not given is left out, not sent as null; the
        recurrence exactly as written (its nulls, if any, are Graph's to read)."""
        sent = self.model_dump(
            mode="json", by_alias=True, exclude_none=True, exclude={"recurrence"}
        )
        if self.recurrence is not None:
            sent["recurrence"] = self.recurrence
        return sent


def _locations(places: Sequence[str]) -> tuple[Location | None, list[Location] | None]:
    if not places:
        return None, None
    if len(places) == 1:
        return Location(display_name=places[0]), None
    combined = Location(display_name=PLACES_SEPARATOR.join(places), location_type="Default")
    return combined, [Location(display_name=place) for place in places]


def agenda_html(agenda: str) -> str:
    """The agenda as the HTML of an event body: escaped, each line break a `<br>`."""
    return "<br>".join(html.escape(line, quote=False) for line in agenda.split("\n"))


@dataclass(frozen=True, slots=True)
class Participant:
    """A meet-now attendee: their UPN and, when the roster gave it, their Entra object id."""

    upn: str
    user_id: str | None = None

    def json(self) -> dict[str, Any]:
        """`meetingParticipantInfo` as seed 001's createOrGet example sends it."""
        info: dict[str, Any] = {"upn": self.upn, "role": "attendee"}
        if self.user_id is not None:
            info["identity"] = {"user": {"id": self.user_id}}
        return info
