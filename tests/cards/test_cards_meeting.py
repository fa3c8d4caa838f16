"""The meeting card and the views it is built from."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.graph.models import Event, OnlineMeeting
from bot.i18n import Catalog, catalog_for
from cards import (
    DialIn,
    MeetingView,
    local_numbers_url,
    meeting_attachment,
    meeting_card,
    validate_card,
    view_from_event,
    view_from_online_meeting,
)
from cards.meeting import MAX_ATTENDEES_SHOWN
from tests.cards.helpers import readable

LA = ZoneInfo("America/Los_Angeles")
UTC_ZONE = ZoneInfo("UTC")
JOIN_URL = (
    "https://teams.microsoft.com/l/meetup-join/19%3ameeting_ODkyNWFm%40thread.v2/0"
    "?context=%7b%22Tid%22%3a%2298a79ebe%22%7d"
)
DIALIN_URL = "https://dialin.teams.microsoft.com/1f9a0550-737c-41bd-8c7d-4c81dc1c4070?id=291633251"
TOLL = "+1 323-555-0166"
TOLL_LINK = "[+1 323-555-0166](tel:+13235550166,,291633251#)"
TOLL_FREE = "+1 800-555-0100"
TOLL_FREE_LINK = "[+1 800-555-0100](tel:+18005550100,,291633251#)"
LOCAL_LINK = f"[Find a local number]({DIALIN_URL})"
_ABSENT: Any = object()


# -- factories --------------------------------------------------------------------------------


def invitation_html(dialin_url: str | None = DIALIN_URL) -> str:
    """The invitation Exchange writes into a Teams event's body (shape of shared seed 000)."""
    local = (
        f'<a class="me-email-link" target="_blank" href="{dialin_url}" rel="noreferrer noopener" '
        'style="font-size:12px">Local\r\n numbers</a> | '
        if dialin_url
        else ""
    )
    return (
        '<html>\r\n<head>\r\n<meta http-equiv="Content-Type" content="text/html; '
        'charset=utf-8">\r\n</head>\r\n<body>\r\nDoes this time work for you?\r\n'
        '<div class="me-email-text">\r\n<div style="margin-top:24px">'
        f'<a class="me-email-headline" href="{JOIN_URL}" target="_blank">Join\r\n Microsoft Teams '
        "Meeting</a> </div>\r\n"
        '<div><a class="me-email-link" href="tel:+1 323-555-0166,,291633251# " '
        'target="_blank">+1 323-555-0166</a>\r\n<span style="font-size:12px"> United States, '
        "Los Angeles (Toll) </span></div>\r\n"
        '<div><span style="font-size:12px">Conference ID:\r\n</span>'
        '<span style="font-size:14px">291 633 251# </span></div>\r\n'
        f'<div style="margin-bottom:24px">{local}'
        '<a class="me-email-link" target="_blank" href="https://mysettings.lync.com/'
        'pstnconferencing">\r\nReset PIN</a> | <a class="me-email-link" target="_blank" '
        'href="https://aka.ms/JoinTeamsMeeting">\r\nLearn more about Teams</a></div>\r\n'
        "</div>\r\n</body>\r\n</html>\r\n"
    )


def make_event(
    *,
    subject: str | None = "Design review",
    start: tuple[str, str] = ("2020-11-22T23:00:00.0000000", "UTC"),
    end: tuple[str, str] = ("2020-11-22T23:45:00.0000000", "UTC"),
    join_url: str | None = JOIN_URL,
    conference_id: str | None = "291633251",
    toll_number: str | None = TOLL,
    toll_free_numbers: tuple[str, ...] = (),
    body_html: str | None = _ABSENT,
    attendees: tuple[str, ...] = ("adele@contoso.com",),
) -> Event:
    online: dict[str, Any] = {"joinUrl": join_url}
    if conference_id is not None:
        online["conferenceId"] = conference_id
    if toll_number is not None:
        online["tollNumber"] = toll_number
    if toll_free_numbers:
        online["tollFreeNumbers"] = list(toll_free_numbers)
    html = invitation_html() if body_html is _ABSENT else body_html
    return Event.model_validate(
        {
            "id": "AAMkADAGu0AABIGYDZAAA=",
            "subject": subject,
            "start": {"dateTime": start[0], "timeZone": start[1]},
            "end": {"dateTime": end[0], "timeZone": end[1]},
            "isOnlineMeeting": True,
            "onlineMeetingProvider": "teamsForBusiness",
            "onlineMeeting": online,
            "body": {"contentType": "html", "content": html} if html is not None else None,
            "attendees": [
                {"type": "required", "emailAddress": {"address": address}} for address in attendees
            ],
        }
    )


def make_online_meeting(
    *,
    subject: str | None = "Quick sync",
    start: str = "2020-11-22T23:00:00.0615989Z",
    end: str = "2020-11-22T23:30:00.0615989Z",
    join_web_url: str | None = JOIN_URL,
    audio: dict[str, Any] | None = _ABSENT,
    join_settings: dict[str, Any] | None = None,
) -> OnlineMeeting:
    """A createOrGet answer (shape of shared seed 001)."""
    if audio is _ABSENT:
        audio = {
            "conferenceId": "291633251",
            "tollNumber": "+1 206-485-3005",
            "tollFreeNumber": None,
            "dialinUrl": DIALIN_URL,
        }
    return OnlineMeeting.model_validate(
        {
            "id": "MSpkYzE3Njc0",
            "subject": subject,
            "startDateTime": start,
            "endDateTime": end,
            "joinWebUrl": join_web_url,
            "audioConferencing": audio,
            "joinMeetingIdSettings": join_settings,
        }
    )


def event_card(
    catalog: Catalog, event: Event, zone: ZoneInfo = LA, **kwargs: Any
) -> dict[str, Any]:
    fallback = kwargs.pop("zone_is_fallback", False)
    card = meeting_card(view_from_event(event, zone, zone_is_fallback=fallback, **kwargs), catalog)
    validate_card(card)
    return card


def online_card(
    catalog: Catalog, meeting: OnlineMeeting, zone: ZoneInfo = LA, **kwargs: Any
) -> dict[str, Any]:
    fallback = kwargs.pop("zone_is_fallback", False)
    view = view_from_online_meeting(meeting, zone, zone_is_fallback=fallback, **kwargs)
    card = meeting_card(view, catalog)
    validate_card(card)
    return card


# -- reading cards ----------------------------------------------------------------------------


def elements(node: Any) -> list[dict[str, Any]]:
    """Every element (dict with a "type") in the card, depth first."""
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if "type" in node:
            found.append(node)
        for value in node.values():
            found.extend(elements(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(elements(value))
    return found


def facts(node: Any) -> list[tuple[str, str]]:
    return [
        (readable(fact["title"]), fact["value"])
        for element in elements(node)
        if element["type"] == "FactSet"
        for fact in element["facts"]
    ]


def texts(node: Any) -> list[str]:
    return [element["text"] for element in elements(node) if element["type"] == "TextBlock"]


def phone_section(card: dict[str, Any], catalog: Catalog) -> dict[str, Any] | None:
    sections = [
        element
        for element in elements(card)
        if element["type"] == "Container" and catalog.dial_in_heading in texts(element)
    ]
    assert len(sections) <= 1
    return sections[0] if sections else None


def fact_value(node: Any, title: str) -> str:
    values = [value for fact_title, value in facts(node) if fact_title == title]
    assert len(values) == 1, values
    return values[0]


# -- cards ------------------------------------------------------------------------------------


def test_full_dial_in_card(catalog: Catalog) -> None:
    card = event_card(catalog, make_event(toll_free_numbers=(TOLL_FREE,)))

    assert card["version"] == "1.5"
    assert card["$schema"] == "http://adaptivecards.io/schemas/adaptive-card.json"
    assert card["body"][0] == {
        "type": "TextBlock",
        "text": "Design review",
        "size": "Medium",
        "weight": "Bolder",
        "wrap": True,
    }
    section = phone_section(card, catalog)
    assert section is not None
    assert facts(section) == [
        (catalog.toll_label, TOLL_LINK),
        (catalog.toll_free_label, TOLL_FREE_LINK),
        (catalog.conference_id_label, "291 633 251#"),
    ]
    assert LOCAL_LINK in texts(section)
    assert card["actions"] == [
        {
            "type": "Action.OpenUrl",
            "title": catalog.join_button,
            "style": "positive",
            "url": JOIN_URL,
        }
    ]
    assert fact_value(card, catalog.attendees_label) == "adele@contoso.com"


def test_without_audio_conferencing_only_the_join_button(catalog: Catalog) -> None:
    event = make_event(conference_id=None, toll_number=None, body_html="<p>Agenda</p>")
    card = event_card(catalog, event)

    assert view_from_event(event, LA, zone_is_fallback=False).dial_in is None
    assert phone_section(card, catalog) is None
    assert [title for title, _ in facts(card)] == [catalog.when_label, catalog.attendees_label]
    assert "tel:" not in str(card)
    assert card["actions"][0]["url"] == JOIN_URL


def test_online_meeting_without_audio_conferencing(catalog: Catalog) -> None:
    card = online_card(catalog, make_online_meeting(audio=None))

    assert phone_section(card, catalog) is None
    assert "tel:" not in str(card)
    assert card["actions"][0]["style"] == "positive"


def test_toll_but_no_toll_free(catalog: Catalog) -> None:
    card = event_card(catalog, make_event())

    section = phone_section(card, catalog)
    assert section is not None
    assert [title for title, _ in facts(section)] == [
        catalog.toll_label,
        catalog.conference_id_label,
    ]
    assert fact_value(section, catalog.toll_label) == TOLL_LINK


def test_dial_in_without_local_numbers_link(catalog: Catalog) -> None:
    card = event_card(catalog, make_event(body_html=invitation_html(dialin_url=None)))

    section = phone_section(card, catalog)
    assert section is not None
    assert fact_value(section, catalog.toll_label) == TOLL_LINK
    assert not any(catalog.local_numbers_link in text for text in texts(card))
    assert "dialin.teams.microsoft.com" not in str(card)


def test_toll_without_conference_id_dials_the_bare_number(catalog: Catalog) -> None:
    card = event_card(catalog, make_event(conference_id=None, body_html=None))

    section = phone_section(card, catalog)
    assert section is not None
    assert facts(section) == [(catalog.toll_label, "[+1 323-555-0166](tel:+13235550166)")]


def test_create_or_get_card(catalog: Catalog) -> None:
    meeting = make_online_meeting(
        audio={
            "conferenceId": "291633251",
            "tollNumber": "+1 206-485-3005",
            "tollFreeNumber": TOLL_FREE,
            "tollFreeNumbers": [TOLL_FREE, "+1 888-555-0199"],
            "dialinUrl": DIALIN_URL,
        },
        join_settings={
            "joinMeetingId": "123456789012",
            "passcode": "Ab3xYz",
            "isPasscodeRequired": True,
        },
    )
    card = online_card(catalog, meeting)

    section = phone_section(card, catalog)
    assert section is not None
    assert facts(section) == [
        (catalog.toll_label, "[+1 206-485-3005](tel:+12064853005,,291633251#)"),
        (catalog.toll_free_label, TOLL_FREE_LINK),
        (catalog.toll_free_label, "[+1 888-555-0199](tel:+18885550199,,291633251#)"),
        (catalog.conference_id_label, "291 633 251#"),
    ]
    assert LOCAL_LINK in texts(section)
    assert fact_value(card, catalog.meeting_id_label) == "123 456 789 012"
    assert fact_value(card, catalog.passcode_label) == "Ab3xYz"
    assert fact_value(card, catalog.when_label) == (
        "Sun, Nov 22, 3:00 PM – 3:30 PM (America/Los_Angeles)"
    )
    assert card["actions"][0]["url"] == JOIN_URL


def test_create_or_get_seed_with_redacted_ids(catalog: Catalog) -> None:
    # Seed 001 as published: tollFreeNumber null, conference id and dial-in id "(redacted)".
    meeting = make_online_meeting(
        audio={
            "conferenceId": "(redacted)",
            "tollNumber": "+1 206-485-3005",
            "tollFreeNumber": None,
            "dialinUrl": "https://dialin.teams.microsoft.com/0e73a853?id=(redacted)",
        }
    )
    card = online_card(catalog, meeting)

    section = phone_section(card, catalog)
    assert section is not None
    assert facts(section) == [(catalog.toll_label, "[+1 206-485-3005](tel:+12064853005)")]
    # Parentheses would end the markdown link early.
    assert (
        "[Find a local number](https://dialin.teams.microsoft.com/0e73a853?id=%28redacted%29)"
        in texts(section)
    )


def test_single_toll_free_number_and_duplicates_in_other_formats(catalog: Catalog) -> None:
    meeting = make_online_meeting(
        audio={
            "conferenceId": "291633251",
            "tollNumber": None,
            "tollFreeNumber": TOLL_FREE,
            "tollFreeNumbers": ["+18005550100", "+1 (800) 555-0100"],
        }
    )
    card = online_card(catalog, meeting)

    section = phone_section(card, catalog)
    assert section is not None
    assert facts(section) == [
        (catalog.toll_free_label, TOLL_FREE_LINK),
        (catalog.conference_id_label, "291 633 251#"),
    ]


def test_dial_in_data_that_yields_no_rows_means_no_section(catalog: Catalog) -> None:
    meeting = make_online_meeting(
        audio={"conferenceId": "(redacted)", "dialinUrl": "javascript:alert(1)"}
    )
    card = online_card(catalog, meeting)

    assert view_from_online_meeting(meeting, LA, zone_is_fallback=False).dial_in is not None
    assert phone_section(card, catalog) is None
    assert not any(element["type"] == "Container" for element in elements(card))


def test_zone_fallback_note(catalog: Catalog) -> None:
    with_note = event_card(catalog, make_event(), UTC_ZONE, zone_is_fallback=True)
    without = event_card(catalog, make_event(), UTC_ZONE, zone_is_fallback=False)
    note = catalog.zone_fallback_note.format(zone="UTC")

    assert note in texts(with_note)
    assert note not in texts(without)
    assert fact_value(with_note, catalog.when_label) == "Sun, Nov 22, 11:00 PM – 11:45 PM (UTC)"


def test_zone_fallback_note_names_the_default_zone(catalog: Catalog) -> None:
    # DEFAULT_TIMEZONE=Asia/Shanghai: the card says which zone stood in for the missing one.
    card = event_card(catalog, make_event(), ZoneInfo("Asia/Shanghai"), zone_is_fallback=True)

    assert "Times are in Asia/Shanghai because your Teams client" in " ".join(texts(card))
    assert "UTC" not in " ".join(texts(card))
    assert fact_value(card, catalog.when_label) == (
        "Mon, Nov 23, 7:00 AM – 7:45 AM (Asia/Shanghai)"
    )


def test_simulated_note_only_in_local_mode(catalog: Catalog) -> None:
    simulated = event_card(catalog, make_event(), simulated=True)
    real = event_card(catalog, make_event())

    note = next(e for e in elements(simulated) if e.get("text") == catalog.simulated_note)
    assert note["size"] == "Small"
    assert note["isSubtle"] is True
    assert catalog.simulated_note not in texts(real)


@pytest.mark.parametrize(
    ("start", "end", "zone", "expected"),
    [
        # Graph answered in UTC.
        (
            ("2020-11-22T23:00:00.0000000", "UTC"),
            ("2020-11-22T23:45:00.0000000", "UTC"),
            LA,
            "Sun, Nov 22, 3:00 PM – 3:45 PM (America/Los_Angeles)",
        ),
        # Graph answered in a Windows zone name (seed 000); the sender is in Berlin.
        (
            ("2019-11-20T13:00:00.0000000", "Pacific Standard Time"),
            ("2019-11-20T14:00:00.0000000", "Pacific Standard Time"),
            ZoneInfo("Europe/Berlin"),
            "Wed, Nov 20, 10:00 PM – 11:00 PM (Europe/Berlin)",
        ),
        # Noon and midnight in 12-hour time; the end falls on the next day.
        (
            ("2020-07-01T12:00:00", "UTC"),
            ("2020-07-01T22:30:00", "UTC"),
            ZoneInfo("Asia/Tokyo"),
            "Wed, Jul 1, 9:00 PM – Thu, Jul 2, 7:30 AM (Asia/Tokyo)",
        ),
        (
            ("2020-07-01T15:00:00", "UTC"),
            ("2020-07-01T16:00:00", "UTC"),
            ZoneInfo("Asia/Tokyo"),
            "Thu, Jul 2, 12:00 AM – 1:00 AM (Asia/Tokyo)",
        ),
    ],
)
def test_times_are_shown_in_the_senders_zone(
    catalog: Catalog,
    start: tuple[str, str],
    end: tuple[str, str],
    zone: ZoneInfo,
    expected: str,
) -> None:
    event = make_event(start=start, end=end)
    view = view_from_event(event, zone, zone_is_fallback=False)

    assert view.start.tzinfo is zone
    assert fact_value(event_card(catalog, event, zone), catalog.when_label) == expected


def test_card_converts_a_view_built_in_another_zone(catalog: Catalog) -> None:
    view = MeetingView(
        subject="Standup",
        start=datetime(2020, 11, 22, 17, 0, tzinfo=UTC),
        end=datetime(2020, 11, 22, 17, 15, tzinfo=UTC),
        zone=ZoneInfo("America/New_York"),
        zone_is_fallback=False,
        join_url=JOIN_URL,
        dial_in=None,
    )
    card = meeting_card(view, catalog)

    assert fact_value(card, catalog.when_label) == (
        "Sun, Nov 22, 12:00 PM – 12:15 PM (America/New_York)"
    )


def test_view_rejects_naive_times() -> None:
    with pytest.raises(ValueError, match="aware"):
        MeetingView(
            subject="x",
            start=datetime(2020, 1, 1, 9),
            end=datetime(2020, 1, 1, 10),
            zone=UTC_ZONE,
            zone_is_fallback=True,
            join_url=None,
            dial_in=None,
        )


def test_subject_cannot_inject_a_link(catalog: Catalog) -> None:
    card = event_card(catalog, make_event(subject="[click](https://evil)"))

    assert card["body"][0]["text"] == r"\[click\]\(https://evil\)"


def test_attendees_are_escaped_and_deduplicated(catalog: Catalog) -> None:
    event = make_event(attendees=("adele_v@contoso.com", "ADELE_V@contoso.com", "*bold*@x.com"))
    card = event_card(catalog, event)

    assert fact_value(card, catalog.attendees_label) == r"adele\_v@contoso.com, \*bold\*@x.com"


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_a_large_invitation_names_the_first_attendees_and_counts_the_rest(locale: str) -> None:
    catalog = catalog_for(locale)
    people = tuple(f"person{n}@contoso.com" for n in range(1, 101))
    card = event_card(catalog, make_event(attendees=people))

    named = ", ".join(people[:MAX_ATTENDEES_SHOWN])
    more = catalog.more_people.format(count=100 - MAX_ATTENDEES_SHOWN)
    assert fact_value(card, catalog.attendees_label) == f"{named}, {more}"
    assert "person11@" not in json.dumps(card)


def test_an_invitation_of_exactly_the_shown_number_counts_no_one(catalog: Catalog) -> None:
    people = tuple(f"person{n}@contoso.com" for n in range(1, MAX_ATTENDEES_SHOWN + 1))
    card = event_card(catalog, make_event(attendees=people))

    assert fact_value(card, catalog.attendees_label) == ", ".join(people)


def test_long_subject_is_capped(catalog: Catalog) -> None:
    card = event_card(catalog, make_event(subject="a" * 300))

    assert card["body"][0]["text"] == "a" * 254 + "\u2026"


def test_missing_subject_uses_the_catalog(catalog: Catalog) -> None:
    card = online_card(catalog, make_online_meeting(subject=None))

    assert card["body"][0]["text"] == catalog.untitled_meeting


def test_no_join_url_means_no_action(catalog: Catalog) -> None:
    for join_url in (None, "javascript:alert(1)", "(redacted)"):
        card = online_card(catalog, make_online_meeting(join_web_url=join_url))
        assert "actions" not in card


@pytest.mark.parametrize(
    "build",
    [
        lambda: make_event(toll_free_numbers=(TOLL_FREE,)),
        lambda: make_event(conference_id=None, toll_number=None, body_html=None, attendees=()),
        lambda: make_event(body_html=invitation_html(dialin_url=None)),
        lambda: make_event(subject=None, join_url=None),
        make_online_meeting,
        lambda: make_online_meeting(audio=None, subject=None, join_web_url=None),
        lambda: make_online_meeting(
            audio={"conferenceId": "", "tollNumber": " ", "tollFreeNumber": None, "dialinUrl": ""},
            join_settings={"joinMeetingId": None, "passcode": ""},
        ),
    ],
)
def test_no_empty_or_none_values(
    catalog: Catalog,
    assert_no_empty_values: Callable[[dict[str, Any]], None],
    build: Callable[[], Event | OnlineMeeting],
) -> None:
    source = build()
    for fallback in (False, True):
        if isinstance(source, Event):
            card = event_card(catalog, source, zone_is_fallback=fallback, simulated=fallback)
        else:
            card = online_card(catalog, source, zone_is_fallback=fallback, simulated=fallback)
        assert_no_empty_values(card)


def test_blank_audio_conferencing_is_no_dial_in(catalog: Catalog) -> None:
    meeting = make_online_meeting(
        audio={"conferenceId": "", "tollNumber": " ", "tollFreeNumber": None, "dialinUrl": ""}
    )

    assert view_from_online_meeting(meeting, LA, zone_is_fallback=False).dial_in is None
    assert phone_section(online_card(catalog, meeting), catalog) is None


def test_dial_in_view_from_event() -> None:
    view = view_from_event(make_event(toll_free_numbers=(TOLL_FREE,)), LA, zone_is_fallback=False)

    assert view.dial_in == DialIn(
        conference_id="291633251",
        toll_number=TOLL,
        toll_free_numbers=(TOLL_FREE,),
        dialin_url=DIALIN_URL,
    )
    assert view.attendees == ("adele@contoso.com",)
    assert view.join_url == JOIN_URL


# -- local numbers link -----------------------------------------------------------------------


def test_local_numbers_link_from_invitation_body() -> None:
    assert local_numbers_url(invitation_html()) == DIALIN_URL


def test_local_numbers_link_decodes_entities_and_takes_the_first() -> None:
    html = (
        '<a href="https://dialin.teams.microsoft.com/first?id=1&amp;lang=en">Local numbers</a>'
        '<a href="https://dialin.teams.microsoft.com/second">Local numbers</a>'
    )

    assert local_numbers_url(html) == "https://dialin.teams.microsoft.com/first?id=1&lang=en"


def test_local_numbers_link_host_and_scheme_in_any_case() -> None:
    html = '<a href="x">a</a><a href=" HTTPS://Dialin.Teams.Microsoft.COM/abc?id=1 ">b</a>'

    assert local_numbers_url(html) == "HTTPS://Dialin.Teams.Microsoft.COM/abc?id=1"


@pytest.mark.parametrize(
    "html",
    [
        "<p>https://dialin.teams.microsoft.com/abc?id=1</p>",  # text, not a link
        '<a href="http://dialin.teams.microsoft.com/abc">x</a>',  # not https
        '<a href="https://dialin.teams.microsoft.com.evil.example/abc">x</a>',
        '<a href="https://dialin.teams.microsoft.com@evil.example/abc">x</a>',
        '<img src="https://dialin.teams.microsoft.com/abc">',
        "Does this time work for you?",
    ],
)
def test_local_numbers_link_ignores_lookalikes(html: str) -> None:
    assert local_numbers_url(html) is None


class _WholeBodyParser(HTMLParser):
    """The oracle: the first anchor's first href on the dial-in host, parsing everything."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.found is not None or tag != "a":
            return
        href = next((value for name, value in attrs if name == "href"), None)
        if href is None:
            return
        parts = urlsplit(href.strip())
        if parts.scheme.lower() == "https" and parts.hostname == "dialin.teams.microsoft.com":
            self.found = href.strip()


def _whole_body(html: str) -> str | None:
    parser = _WholeBodyParser()
    parser.feed(html)
    parser.close()
    return parser.found


_FRAGMENTS = [
    '<a href="https://dialin.teams.microsoft.com/one?id=1">Local numbers</a>',
    '<A HREF="https://DIALIN.teams.microsoft.com/two">x</A>',
    '<a href="https://dialin&#46;teams&#46;microsoft&#46;com/entity">x</a>',
    "<a href='https://dialin.teams.microsoft.com/q?a=>b'>quoted gt</a>",
    '<a class="x" href="https://aka.ms/JoinTeamsMeeting">Learn more</a>',
    '<a href="http://dialin.teams.microsoft.com/plain-http">x</a>',
    '<a name="top">',
    '<a href="https://teams.microsoft.com/x" href="https://dialin.teams.microsoft.com/dup">',
    '<!-- <a href="https://dialin.teams.microsoft.com/commented"> -->',
    "<script>var a = '<a href=\"https://dialin.teams.microsoft.com/script\">';</script>",
    '<div title="<a href=https://dialin.teams.microsoft.com/in-attr>">t</div>',
    '<abbr href="https://dialin.teams.microsoft.com/abbr">',
    "<p>https://dialin.teams.microsoft.com/text &amp; &gt; 5 > 3</p>",
    '\r\n<span style="font-size:12px">Conference ID: 123 456#</span>',
    # anchors whose attributes are all quoted and plain, which skip the parser
    '<a title=\'href="https://dialin.teams.microsoft.com/in-value"\' href="https://x.example">',
    '<a HREF = "https://dialin.teams.microsoft.com/spaced" href="https://x.example/second">',
    "<a\thref='https://dialin.teams.microsoft.com/tab'\n>",
    '<a data-x="dialin" xml:lang="en">no href</a>',
    '<a href="">empty</a><a href="https://dialin.teams.microsoft.com/after-empty">',
    '<a href=" https://dialin.teams.microsoft.com/padded ">',
    # ... and ones that do not
    "<a download href=https://dialin.teams.microsoft.com/unquoted>",
    '<a href="https://dialin.teams.microsoft.com/self-closing"/>',
]
# Markup that parsers read differently (libxml2 as the HTML standard does, html.parser not):
# whatever is read from it, it is never a link elsewhere and never a crash.
_MALFORMED = [
    '<a href=="https://dialin.teams.microsoft.com/double-equals">',
    '<a\u3000href="https://dialin.teams.microsoft.com/ideographic-space">',
]


@settings(max_examples=400, derandomize=True, deadline=None)
@given(st.lists(st.sampled_from(_FRAGMENTS), max_size=8))
def test_local_numbers_link_is_what_parsing_the_whole_body_finds(parts: list[str]) -> None:
    html = "".join(parts)
    assert local_numbers_url(html) == _whole_body(html)


@settings(max_examples=200, derandomize=True, deadline=None)
@given(st.lists(st.sampled_from(_FRAGMENTS + _MALFORMED), max_size=6))
def test_malformed_anchors_never_give_another_link(parts: list[str]) -> None:
    found = local_numbers_url("".join(parts))
    assert found is None or urlsplit(found).hostname == "dialin.teams.microsoft.com"


@pytest.mark.parametrize(
    "html",
    [
        "<p " + "a" * 200,  # a start tag that never ends
        "<div><a title=" + "x" * 200,
        '<a href="https://dialin.teams.microsoft.com/x' + " ab" * 70,  # an unclosed quote
    ],
)
def test_local_numbers_link_of_an_unfinished_tag_is_found_without_backtracking(html: str) -> None:
    # A tag pattern that may split a run of attribute text in many ways tries each of the
    # 2**200 splits before it gives up (twice as long per letter: a 25-letter run already took
    # seconds). A linear scan reads these in microseconds; the bound is CPU time, not wall time.
    started = time.process_time()

    assert local_numbers_url(html) is None
    assert time.process_time() - started < 1.0


def test_local_numbers_link_of_the_emulators_invitation_is_what_the_parser_finds() -> None:
    html = invitation_html()
    assert local_numbers_url(html) == _whole_body(html) == DIALIN_URL


def test_attachment_carries_the_card(catalog: Catalog) -> None:
    card = event_card(catalog, make_event())
    attachment = meeting_attachment(card)

    assert attachment.content_type == "application/vnd.microsoft.card.adaptive"
    assert attachment.content is card


# -- note above the subject and other languages -------------------------------------------------


def test_note_comes_before_the_subject_and_is_escaped(
    each_catalog: Catalog, assert_no_empty_values: Callable[[dict[str, Any]], None]
) -> None:
    view = view_from_event(make_event(), LA, zone_is_fallback=False)
    note = each_catalog.made_online.format(subject="*Design* [review](https://evil)")
    card = meeting_card(view, each_catalog, note=note)

    validate_card(card)
    assert_no_empty_values(card)
    first, subject = card["body"][:2]
    assert first["type"] == "TextBlock"
    assert r"\*Design\* \[review\]\(https://evil\)" in first["text"]
    assert "[review]" not in first["text"]
    assert subject["text"] == "Design review"
    assert subject["weight"] == "Bolder"
    assert "actions" in card  # the join button stays


@pytest.mark.parametrize("note", [None, "", " \x00 "])
def test_without_note_the_subject_comes_first(catalog: Catalog, note: str | None) -> None:
    view = view_from_event(make_event(), LA, zone_is_fallback=False)
    card = meeting_card(view, catalog, note=note)

    assert card["body"][0]["text"] == "Design review"


def test_already_running_note(catalog: Catalog) -> None:
    view = view_from_online_meeting(make_online_meeting(), LA, zone_is_fallback=False)
    card = meeting_card(view, catalog, note=catalog.already_running)

    validate_card(card)
    assert card["body"][0]["text"] == catalog.already_running
    assert card["body"][1]["text"] == "Quick sync"


def test_chinese_meeting_card(
    zh_catalog: Catalog, assert_no_empty_values: Callable[[dict[str, Any]], None]
) -> None:
    card = event_card(
        zh_catalog,
        make_event(toll_free_numbers=(TOLL_FREE,)),
        zone_is_fallback=True,
        simulated=True,
    )

    assert_no_empty_values(card)
    assert fact_value(card, "时间") == "11月22日 周日 下午3:00 – 下午3:45（America/Los_Angeles）"
    assert zh_catalog.zone_fallback_note.format(zone="America/Los\\_Angeles") in texts(card)
    assert card["actions"][0]["title"] == "加入会议"
