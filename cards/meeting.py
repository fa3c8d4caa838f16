"""The meeting card: what was created, when (in the sender's zone), how to join.

Graph results first become a `MeetingView` (`view_from_event`, `view_from_online_meeting`), which
holds only what the card shows; `meeting_card` turns a view into Adaptive Card JSON. Dial-in data
is often partly or wholly absent (no Audio Conferencing licence): rows without data are left out,
and without any dial-in data there is no "Join by phone" section at all.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

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

from bot.graph.models import Event, OnlineMeeting
from bot.i18n import Catalog
from cards.dates import format_when
from cards.per_catalog import PerCatalog
from cards.reminder_setting import ReminderSetting, reminder_action, reminder_text
from cards.schema import dump_card, dump_part, new_card
from cards.template import Template, hole, spread
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
    attendees: tuple[str, ...] = ()
    meeting_id: str | None = None
    passcode: str | None = None
    simulated: bool = False

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("MeetingView needs timezone-aware start and end")


def view_from_event(
    event: Event, zone: ZoneInfo, *, zone_is_fallback: bool, simulated: bool = False
) -> MeetingView:
    """The view of a calendar event created with `isOnlineMeeting`."""
    if event.start is None or event.end is None:
        raise ValueError(f"event {event.id} has no start or end")
    info = event.online_meeting
    body = event.body.content if event.body is not None else None
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
        attendees=_unique(attendee.email_address.address for attendee in event.attendees),
        simulated=simulated,
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
    """The href of the first link to the Teams "Local numbers" page in an event body.

    What an HTML parser of the whole body finds (`html.parser`, entities decoded), without
    parsing the whole body (~0.15 ms for an invitation): the body is cut into comments,
    script and style elements, start tags (quoted values may hold `>`) and the rest; only an
    `<a>` start tag that could name the dial-in host (it says "dialin", or holds an entity
    that could spell it) has its href read, as the parser reads it (`_first_href`).
    """
    for piece in _MARKUP.finditer(html):  # lazily: the scan stops at the link
        anchor = piece.group(1)
        if not anchor or ("&" not in anchor and "dialin" not in anchor.lower()):
            continue
        href = _first_href(anchor)
        if href and _is_dialin_page(href):
            return href.strip()
    return None


def _first_href(anchor: str) -> str | None:
    """The first `href` of an `<a>` start tag (`anchor`: the tag without its `<`), as
    `html.parser` reads it.

    A tag whose attributes are all `name="value"` (or single-quoted) and hold no `&`, as
    Exchange writes them, is read with two regular expressions: the parser would list exactly
    those pairs, names in lower case, values as written (there is nothing to decode). Any
    other tag goes through the parser (~4x the time).
    """
    if _PLAIN_ANCHOR.fullmatch(anchor):
        for attribute in _PLAIN_ATTRIBUTE.finditer(anchor):
            if attribute[1].lower() == "href":
                value: str = attribute[2] if attribute[2] is not None else attribute[3]
                return value
        return None
    finder = _FirstHref()
    finder.feed("<" + anchor)
    finder.close()
    return finder.href


def meeting_card(
    view: MeetingView,
    catalog: Catalog,
    *,
    note: str | None = None,
    reminder: ReminderSetting | None = None,
) -> dict[str, Any]:
    """The meeting card as Adaptive Card 1.5 JSON.

    `note` is plain text shown above the subject, such as `already_running` or `made_online`;
    it may quote a subject, so it is escaped. With `reminder`, the card shows when this chat
    is reminded and a "Reminder…" button to change it.

    The card is filled into parts dumped once (per catalog where they hold its words) from
    the card models below (`cards.template`); every call returns new dicts and lists.
    """
    parts = _PARTS(catalog)
    body: list[dict[str, Any]] = []
    if note and (shown := display_text(note)):
        body.append(_TEXT(text=shown))
    subject = display_text(view.subject, limit=SUBJECT_LIMIT) or catalog.untitled_meeting
    body.append(_SUBJECT(text=subject))
    body.append(_FACTS(facts=_detail_facts(view, catalog, reminder, parts)))
    if view.zone_is_fallback:
        note = catalog.zone_fallback_note.format(zone=display_text(view.zone.key))
        body.append(_NOTE(text=note))
    phone = _dial_in_section(view.dial_in, parts)
    if phone is not None:
        body.append(phone)
    if view.simulated:
        body.append(parts.simulated_note())
    join = link_target(view.join_url, schemes=("https", "http"))
    actions: list[dict[str, Any]] = []
    if join:
        actions.append(parts.join(url=join))
    if reminder is not None and not reminder.too_soon:
        actions.append(reminder_action(reminder, catalog))
    if actions:
        return _CARD(body=body, actions=actions)
    return _CARD_WITHOUT_ACTIONS(body=body)


def card_attachment(card: dict[str, Any]) -> Attachment:
    """A Bot Framework attachment carrying an Adaptive Card (what `CardFactory.adaptive_card`
    builds, without importing botbuilder.core), as a `CardAttachment`."""
    return CardAttachment(content_type=ADAPTIVE_CARD_CONTENT_TYPE, content=card)


class CardAttachment(Attachment):  # type: ignore[misc]
    """An attachment whose deep copy shares its card. botbuilder's `TurnContext` deep-copies
    every activity it sends; a card is built for one reply and not changed once attached, so
    copying its few hundred nodes (~0.05 ms a reply) would buy nothing. Serializers see an
    `Attachment` with a plain dict inside."""

    # Cards are trees of exact JSON types (templates filled with strings, models dumped as
    # JSON; the cards' tests check every builder), so `bot.teams.codec` writes the content
    # as it is instead of walking it to find out.
    __json_plain__ = frozenset({"content"})

    def __deepcopy__(self, memo: dict[int, Any]) -> CardAttachment:
        return copy.copy(self)


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


def _detail_facts(
    view: MeetingView, catalog: Catalog, reminder: ReminderSetting | None, parts: _Parts
) -> list[dict[str, Any]]:
    facts = [_FACT(title=parts.when_title, value=_when(view, catalog))]
    if reminder is not None:
        shown = reminder_text(reminder, view.zone, catalog)
        facts.append(_FACT(title=parts.reminder_title, value=shown))
    if attendees := _attendees_line(view.attendees, catalog):
        facts.append(_FACT(title=parts.attendees_title, value=attendees))
    if view.meeting_id and (meeting_id := _meeting_id(view.meeting_id)):
        facts.append(_FACT(title=parts.meeting_id_title, value=meeting_id))
    if view.passcode and (passcode := display_text(view.passcode)):
        facts.append(_FACT(title=parts.passcode_title, value=passcode))
    return facts


def _dial_in_section(dial_in: DialIn | None, parts: _Parts) -> dict[str, Any] | None:
    if dial_in is None:
        return None
    conference = _conference_digits(dial_in.conference_id)
    facts: list[dict[str, Any]] = []
    if dial_in.toll_number and (toll := _tel_link(dial_in.toll_number, conference)):
        facts.append(_FACT(title=parts.toll_title, value=toll))
    for number in dial_in.toll_free_numbers:
        if toll_free := _tel_link(number, conference):
            facts.append(_FACT(title=parts.toll_free_title, value=toll_free))
    if conference:
        facts.append(_FACT(title=parts.conference_id_title, value=f"{_group(conference)}#"))
    items = [_FACTS(facts=facts)] if facts else []
    if local := link_target(dial_in.dialin_url):
        items.append(_TEXT(text=markdown_link(parts.local_numbers_label, local)))
    if not items:
        return None
    return parts.phone(items=items)


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


def _part(model: CardElement | Action | Fact) -> Template:
    return Template(dump_part(model))


_TEXT = _part(_text(hole("text")))
_SUBJECT = _part(_subject(hole("text")))
_NOTE = _part(_note(hole("text")))
_FACT = _part(Fact(title=hole("title"), value=hole("value")))
_FACTS = _part(FactSet(facts=[Fact(title=spread("facts"))]))  # of `_FACT`s
_BODY = TextBlock(text=spread("body"))
_CARD = Template(dump_card(new_card([_BODY], [OpenUrlAction(title=spread("actions"))])))
_CARD_WITHOUT_ACTIONS = Template(dump_card(new_card([_BODY])))


@dataclass(frozen=True, slots=True)
class _Parts:
    """The parts of the meeting card that hold a catalog's words, made once per catalog."""

    simulated_note: Template
    phone: Template  # spread: items (after the heading)
    join: Template  # hole: url
    local_numbers_label: str
    when_title: str
    reminder_title: str
    attendees_title: str
    meeting_id_title: str
    passcode_title: str
    toll_title: str
    toll_free_title: str
    conference_id_title: str

    @classmethod
    def of(cls, catalog: Catalog) -> _Parts:
        return cls(
            simulated_note=_part(_note(catalog.simulated_note)),
            phone=_part(_phone(catalog, [TextBlock(text=spread("items"))])),
            join=_part(_join(catalog, hole("url"))),
            local_numbers_label=display_text(catalog.local_numbers_link),
            when_title=fact_title(catalog.when_label),
            reminder_title=fact_title(catalog.reminder_label),
            attendees_title=fact_title(catalog.attendees_label),
            meeting_id_title=fact_title(catalog.meeting_id_label),
            passcode_title=fact_title(catalog.passcode_label),
            toll_title=fact_title(catalog.toll_label),
            toll_free_title=fact_title(catalog.toll_free_label),
            conference_id_title=fact_title(catalog.conference_id_label),
        )


_PARTS = PerCatalog(_Parts.of)


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


# The rest of a start tag: up to the first `>` outside quotes. Possessive: no other split of a
# tag could end it elsewhere, and an unclosed quote then fails without backtracking.
_TAG_REST = r"""(?:[^>"']++|"[^"]*+"|'[^']*+')*+>"""
# Comments, script and style elements and start tags, in document order. Group 1 is an `<a>`
# start tag without its "<" (None for the rest); group 2 names a script or style element.
# Case is ignored only where letters are matched, `(?i:...)`, which is what IGNORECASE on the
# whole pattern would match, but lets the scan jump from "<" to "<" (about twice as fast).
_MARKUP = re.compile(
    rf"""<(?:((?i:a)(?=[\s/>]){_TAG_REST})"""
    rf"""|!--.*?-->|((?i:script|style))\b.*?</(?i:\2)\s*>|(?i:[a-z]){_TAG_REST})""",
    re.DOTALL,
)


_ATTRIBUTE_NAME = r"[a-zA-Z_:][-a-zA-Z0-9_:.]*"
_HTML_SPACE = "[\t\n\f\r ]"  # HTML's whitespace: html.parser reads a tag name up to one of these
_PLAIN_VALUE = rf"""{_HTML_SPACE}*={_HTML_SPACE}*(?:"([^"&]*)"|'([^'&]*)')"""
_PLAIN_ATTRIBUTE = re.compile(rf"{_HTML_SPACE}+({_ATTRIBUTE_NAME}){_PLAIN_VALUE}")
_PLAIN_ANCHOR = re.compile(
    rf"(?i:a)(?:{_HTML_SPACE}+{_ATTRIBUTE_NAME}{_PLAIN_VALUE})*{_HTML_SPACE}*>"
)


class _FirstHref(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.href: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a" and self.href is None:
            # Browsers use the first href when an anchor repeats it.
            self.href = next((value for name, value in attrs if name == "href"), None)
