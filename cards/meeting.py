"""The meeting card: what was created, when (in the sender's zone), how to join.

Graph results first become a `MeetingView` (`view_from_event`, `view_from_online_meeting`), which
holds only what the card shows; `meeting_card` turns a view into Adaptive Card JSON. Dial-in data
is often partly or wholly absent (no Audio Conferencing licence): rows without data are left out,
and without any dial-in data there is no "Join by phone" section at all.

A recurring meeting's card says how it repeats (`cards.recurrence`), where it is (the places,
and the room booked as a resource attendee), and who is invited as optional, apart from the
required attendees.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import lxml.etree
import lxml.html
from botbuilder.schema import Attachment
from microsoft_teams.cards import (
    Action,
    CardElement,
    Container,
    Fact,
    FactSet,
    OpenUrlAction,
    TextBlock,
)

from bot.graph.models import Attendee, Event, Location, OnlineMeeting, PatternedRecurrence
from bot.i18n import Catalog
from cards.dates import format_when
from cards.recurrence import recurrence_text
from cards.reminder_setting import ReminderSetting, reminder_action, reminder_text
from cards.schema import dump_card, new_card
from cards.text import (
    SUBJECT_LIMIT,
    display_list,
    display_text,
    fact_title,
    link_target,
    markdown_link,
)

ADAPTIVE_CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
DIALIN_HOST = "dialin.teams.microsoft.com"
MAX_ATTENDEES_SHOWN = 10  # on the meeting card; the rest are counted
MAX_PLACES_SHOWN = 10
PLACE_SEPARATOR = "; "  # as Graph combines several places into `location.displayName`


@dataclass(frozen=True, slots=True)
class DialIn:
    """How to join by phone, as Graph gave it; any part may be missing."""

    conference_id: str | None
    toll_number: str | None
    toll_free_numbers: tuple[str, ...]
    dialin_url: str | None  # the "local numbers" page


@dataclass(frozen=True, slots=True)
class MeetingView:
    """Everything the meeting card shows, independent of which Graph API created the meeting."""

    subject: str
    start: datetime
    end: datetime
    zone: ZoneInfo  # the sender's zone; times are shown in it
    zone_is_fallback: bool  # the client sent no zone: `zone` is the default, the card says so
    join_url: str | None
    dial_in: DialIn | None
    attendees: tuple[str, ...] = ()  # the required ones: names where Graph has them
    meeting_id: str | None = None
    passcode: str | None = None
    simulated: bool = False
    recurrence: PatternedRecurrence | None = None  # as Graph answered it; None: one meeting
    places: tuple[str, ...] = ()  # display names, in order, without the room
    room: str | None = None  # the room booked as a resource attendee: its name or address
    optional: tuple[str, ...] = ()  # optional attendees, shown apart from the required ones
    # A room the sender named that could not be looked up (no places permission, or not in
    # the room list): it went to Graph as a plain location, and the card says no room is booked.
    room_unresolved: str | None = None

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("MeetingView needs timezone-aware start and end")


def view_from_event(
    event: Event,
    zone: ZoneInfo,
    *,
    zone_is_fallback: bool,
    simulated: bool = False,
    room_unresolved: str | None = None,
) -> MeetingView:
    """The view of a calendar event created with `isOnlineMeeting`."""
    if event.start is None or event.end is None:
        raise ValueError(f"event {event.id} has no start or end")
    info = event.online_meeting
    body = event.body.content if event.body is not None else None
    room = _room(event)
    dial_in = _dial_in(
        conference_id=info.conference_id if info else None,
        toll_number=info.toll_number if info else None,
        toll_free_numbers=info.toll_free_numbers if info else (),
        # An event's onlineMeeting has no dial-in URL; Exchange puts it into the invitation body.
        dialin_url=local_numbers_url(body) if body else None,
    )
    return MeetingView(
        subject=event.subject or "",
        # Graph may answer in UTC or in a Windows zone name; the instant is what counts.
        start=event.start.to_datetime().astimezone(zone),
        end=event.end.to_datetime().astimezone(zone),
        zone=zone,
        zone_is_fallback=zone_is_fallback,
        join_url=_present(info.join_url if info else None),
        dial_in=dial_in,
        attendees=_people(event.attendees, "required"),
        simulated=simulated,
        recurrence=event.recurrence,
        places=_places(event, room),
        room=room,
        optional=_people(event.attendees, "optional"),
        room_unresolved=room_unresolved,
    )


def view_from_online_meeting(
    meeting: OnlineMeeting, zone: ZoneInfo, *, zone_is_fallback: bool, simulated: bool = False
) -> MeetingView:
    """The view of an `onlineMeeting` from createOrGet (no calendar event, no attendees list)."""
    if meeting.start_date_time is None or meeting.end_date_time is None:
        raise ValueError(f"online meeting {meeting.id} has no start or end")
    audio = meeting.audio_conferencing
    settings = meeting.join_meeting_id_settings
    dial_in = None
    if audio is not None:
        dial_in = _dial_in(
            conference_id=audio.conference_id,
            toll_number=audio.toll_number or next(iter(audio.toll_numbers), None),
            toll_free_numbers=[audio.toll_free_number or "", *audio.toll_free_numbers],
            dialin_url=audio.dialin_url,
        )
    return MeetingView(
        subject=meeting.subject or "",
        start=meeting.start_date_time.astimezone(zone),
        end=meeting.end_date_time.astimezone(zone),
        zone=zone,
        zone_is_fallback=zone_is_fallback,
        join_url=_present(meeting.join_web_url),
        dial_in=dial_in,
        meeting_id=_present(settings.join_meeting_id if settings else None),
        passcode=_present(settings.passcode if settings else None),
        simulated=simulated,
    )


def local_numbers_url(html: str) -> str | None:
    """The href of the first link to the Teams "Local numbers" page in an event body, as
    libxml2's HTML parser reads it (entities decoded, comments and scripts skipped)."""
    if not html.strip():
        return None
    try:
        document = lxml.html.document_fromstring(html)
    except (lxml.etree.ParserError, ValueError):  # nothing a parser can read as HTML
        return None
    for anchor in document.iter("a"):
        href = anchor.get("href")
        # The host must appear in the text (a hostname is only lowercased, never decoded):
        # only such anchors, one or two of an invitation's, are worth a urlsplit.
        if href and DIALIN_HOST in href.lower() and _is_dialin_page(href):
            return href.strip()
    return None


def meeting_card(
    view: MeetingView,
    catalog: Catalog,
    *,
    note: str | None = None,
    reminder: ReminderSetting | None = None,
    warning: str | None = None,
) -> dict[str, Any]:
    """The meeting card as Adaptive Card 1.5 JSON, built from the card models.

    `note` is plain text shown above the subject, such as `already_running` or `made_online`;
    it may quote a subject, so it is escaped. `warning`, under it, is the catalog's caveat about
    the whole card (a reminder that could not be re-checked). With `reminder`, the card shows
    when this chat is reminded and a "Reminder…" button to change it.
    """
    body: list[CardElement] = []
    if note and (shown := display_text(note)):
        body.append(_text(shown))
    if warning:  # the catalog's text, not escaped (like the notes below)
        body.append(TextBlock(text=warning, color="Warning", wrap=True))
    subject = display_text(view.subject, limit=SUBJECT_LIMIT) or catalog.untitled_meeting
    body.append(_subject(subject))
    body.append(FactSet(facts=_detail_facts(view, catalog, reminder)))
    if view.room_unresolved:
        body.append(_note(catalog.room_unresolved.format(room=display_text(view.room_unresolved))))
    if view.zone_is_fallback:
        body.append(_note(catalog.zone_fallback_note.format(zone=display_text(view.zone.key))))
    phone = _dial_in_section(view.dial_in, catalog)
    if phone is not None:
        body.append(phone)
    if view.simulated:
        body.append(_note(catalog.simulated_note))
    join = link_target(view.join_url, schemes=("https", "http"))
    actions: list[Action] = []
    if join:
        actions.append(_join(catalog, join))
    if reminder is not None and not reminder.too_soon:
        actions.append(reminder_action(reminder, catalog))
    return dump_card(new_card(body, actions))


def card_attachment(card: dict[str, Any]) -> Attachment:
    """A Bot Framework attachment carrying an Adaptive Card (what `CardFactory.adaptive_card`
    builds, without importing botbuilder.core)."""
    return Attachment(content_type=ADAPTIVE_CARD_CONTENT_TYPE, content=card)


meeting_attachment = card_attachment


# -- card parts -------------------------------------------------------------------------------


def _attendees_line(attendees: tuple[str, ...], catalog: Catalog) -> str:
    """The first `MAX_ATTENDEES_SHOWN` attendees, then how many more (a card that names every
    one of a large invitation is too long to read, and Teams refuses cards above ~28 KB)."""
    shown = display_list(attendees[:MAX_ATTENDEES_SHOWN])
    if len(attendees) > MAX_ATTENDEES_SHOWN:
        more = catalog.more_people.format(count=len(attendees) - MAX_ATTENDEES_SHOWN)
        return f"{shown}, {more}" if shown else more
    return shown


def _places_line(places: tuple[str, ...], catalog: Catalog) -> str:
    shown = display_list(places[:MAX_PLACES_SHOWN], separator=PLACE_SEPARATOR)
    if len(places) > MAX_PLACES_SHOWN:
        more = catalog.more_items.format(count=len(places) - MAX_PLACES_SHOWN)
        return f"{shown}{PLACE_SEPARATOR}{more}" if shown else more
    return shown


def _detail_facts(
    view: MeetingView, catalog: Catalog, reminder: ReminderSetting | None
) -> list[Fact]:
    facts = [_fact(catalog.when_label, _when(view, catalog))]
    if view.recurrence is not None:
        repeats = recurrence_text(view.recurrence, catalog, shown_start=view.start)
        facts.append(_fact(catalog.recurrence_label, display_text(repeats)))
    if reminder is not None:
        facts.append(_fact(catalog.reminder_label, reminder_text(reminder, view.zone, catalog)))
    if places := _places_line(view.places, catalog):
        facts.append(_fact(catalog.places_label, places))
    if view.room and (room := display_text(view.room)):
        facts.append(_fact(catalog.room_label, room))
    if attendees := _attendees_line(view.attendees, catalog):
        facts.append(_fact(catalog.attendees_label, attendees))
    if optional := _attendees_line(view.optional, catalog):
        facts.append(_fact(catalog.optional_label, optional))
    if view.meeting_id and (meeting_id := _meeting_id(view.meeting_id)):
        facts.append(_fact(catalog.meeting_id_label, meeting_id))
    if view.passcode and (passcode := display_text(view.passcode)):
        facts.append(_fact(catalog.passcode_label, passcode))
    return facts


def _dial_in_section(dial_in: DialIn | None, catalog: Catalog) -> Container | None:
    if dial_in is None:
        return None
    conference = _conference_digits(dial_in.conference_id)
    facts: list[Fact] = []
    if dial_in.toll_number and (toll := _tel_link(dial_in.toll_number, conference)):
        facts.append(_fact(catalog.toll_label, toll))
    for number in dial_in.toll_free_numbers:
        if toll_free := _tel_link(number, conference):
            facts.append(_fact(catalog.toll_free_label, toll_free))
    if conference:
        facts.append(_fact(catalog.conference_id_label, f"{_group(conference)}#"))
    items: list[CardElement] = [FactSet(facts=facts)] if facts else []
    if local := link_target(dial_in.dialin_url):
        label = display_text(catalog.local_numbers_link)
        items.append(_text(markdown_link(label, local)))
    if not items:
        return None
    return _phone(catalog, items)


def _when(view: MeetingView, catalog: Catalog) -> str:
    return format_when(view.start, view.end, view.zone, catalog)


# -- the parts, as models ---------------------------------------------------------------------


def _text(text: str) -> TextBlock:
    return TextBlock(text=text, wrap=True)


def _subject(text: str) -> TextBlock:
    return TextBlock(text=text, weight="Bolder", size="Medium", wrap=True)


def _note(text: str) -> TextBlock:
    return TextBlock(text=text, size="Small", is_subtle=True, wrap=True)


def _phone(catalog: Catalog, items: list[CardElement]) -> Container:
    heading = TextBlock(text=catalog.dial_in_heading, weight="Bolder", wrap=True)
    return Container(items=[heading, *items], separator=True, spacing="Medium")


def _join(catalog: Catalog, url: str) -> OpenUrlAction:
    return OpenUrlAction(title=catalog.join_button, url=url, style="positive")


def _fact(label: str, value: str) -> Fact:
    return Fact(title=fact_title(label), value=value)


# -- dial-in formatting -----------------------------------------------------------------------


def _tel_link(number: str, conference: str | None) -> str | None:
    """`[+1 323-555-0166](tel:+13235550166,,291633251#)`: one tap dials and enters the ID."""
    digits = _digits(number)
    if not digits:
        return None
    plus = "+" if number.strip().startswith("+") else ""
    target = f"tel:{plus}{digits}" + (f",,{conference}#" if conference else "")
    # Only digits, spaces and dashes: nothing in the label can form markdown.
    label = " ".join(_NOT_IN_LABEL.sub(" ", number).split())
    return markdown_link(f"{plus}{label}", target)


def _conference_digits(conference_id: str | None) -> str | None:
    if conference_id is None:
        return None
    compact = _SPACE.sub("", conference_id).removesuffix("#")
    return compact if compact.isascii() and compact.isdigit() else None


def _meeting_id(meeting_id: str) -> str:
    compact = _SPACE.sub("", meeting_id)
    if compact.isascii() and compact.isdigit():
        return _group(compact)
    return display_text(meeting_id)


def _digits(number: str) -> str:
    return _NOT_DIGIT.sub("", number)


_NOT_DIGIT = re.compile(r"\D")
_NOT_IN_LABEL = re.compile(r"[^\d\- ]")
_SPACE = re.compile(r"\s")


def _group(digits: str) -> str:
    """Digits in groups of three, as Teams prints conference and meeting IDs."""
    return " ".join(digits[index : index + 3] for index in range(0, len(digits), 3))


# -- reading Graph data -----------------------------------------------------------------------


def _dial_in(
    *,
    conference_id: str | None,
    toll_number: str | None,
    toll_free_numbers: list[str] | tuple[str, ...],
    dialin_url: str | None,
) -> DialIn | None:
    dial_in = DialIn(
        conference_id=_present(conference_id),
        toll_number=_present(toll_number),
        toll_free_numbers=_unique(toll_free_numbers, key=_digits),
        dialin_url=_present(dialin_url),
    )
    if (
        dial_in.conference_id is None
        and dial_in.toll_number is None
        and not dial_in.toll_free_numbers
        and dial_in.dialin_url is None
    ):
        return None
    return dial_in


def _people(attendees: list[Attendee], kind: str) -> tuple[str, ...]:
    """The attendees of one type ("required", "optional"), each by name where Graph has one
    and by address otherwise, one entry per address."""
    seen: set[str] = set()
    kept: list[str] = []
    for attendee in attendees:
        if attendee.type.casefold() != kind:
            continue
        address = _present(attendee.email_address.address)
        shown = _present(attendee.email_address.name) or address
        key = (address or shown or "").casefold()
        if shown is None or key in seen:
            continue
        seen.add(key)
        kept.append(shown)
    return tuple(kept)


def _room(event: Event) -> str | None:
    """The room: an attendee of type resource (Graph books a room that way), else a location
    carrying a room mailbox (`locationEmailAddress`); by name where there is one."""
    for attendee in event.attendees:
        if attendee.type.casefold() == "resource":
            email = attendee.email_address
            if shown := _present(email.name) or _present(email.address):
                return shown
    for location in _event_locations(event):
        if _present(location.location_email_address):
            return _present(location.display_name) or _present(location.location_email_address)
    return None


def _places(event: Event, room: str | None) -> tuple[str, ...]:
    """The event's places in order, without the room (Graph lists a booked room among the
    locations too)."""
    names = (
        location.display_name
        for location in _event_locations(event)
        if not _present(location.location_email_address)
    )
    taken = {room.casefold()} if room else set()
    return tuple(name for name in _unique(names) if name.casefold() not in taken)


def _event_locations(event: Event) -> list[Location]:
    # `locations` lists each place; `location` combines them ("A; B; C"), so it is read only
    # when there is no list.
    if event.locations:
        return event.locations
    return [event.location] if event.location is not None else []


def _present(value: str | None) -> str | None:
    """`value` stripped, or None when it is missing or blank."""
    if value is None:
        return None
    return value.strip() or None


def _unique(
    values: Iterable[str | None], key: Callable[[str], str] = str.casefold
) -> tuple[str, ...]:
    """Non-blank values, stripped, first occurrence kept."""
    seen: set[str] = set()
    kept: list[str] = []
    for value in values:
        stripped = _present(value)
        if stripped is None or (seen_as := key(stripped)) in seen:
            continue
        seen.add(seen_as)
        kept.append(stripped)
    return tuple(kept)


def _is_dialin_page(href: str) -> bool:
    try:
        parts = urlsplit(href.strip())
    except ValueError:
        return False
    return parts.scheme.lower() == "https" and parts.hostname == DIALIN_HOST
