"""The meeting and reminder cards of a recurring meeting with places, a room and optional
attendees: what `view_from_event` reads from Graph's event, and the rows the cards show."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.graph.models import Event
from bot.i18n import Catalog, catalog_for
from cards import meeting_card, reminder_card, validate_card, view_from_event
from cards.meeting import MAX_ATTENDEES_SHOWN
from tests.cards.helpers import of_type, readable, texts

EN = catalog_for("en-US")
ZH = catalog_for("zh-CN")
LA = ZoneInfo("America/Los_Angeles")
JOIN_URL = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_ODkyNWFm%40thread.v2/0"
WEEKLY_UNTIL_NEW_YEAR = {
    "pattern": {
        "type": "weekly",
        "interval": 1,
        "month": 0,
        "dayOfMonth": 0,
        "daysOfWeek": ["monday"],
        "firstDayOfWeek": "sunday",
        "index": "first",
    },
    "range": {
        "type": "endDate",
        "startDate": "2026-09-07",
        "endDate": "2026-12-31",
        "recurrenceTimeZone": "Pacific Standard Time",
        "numberOfOccurrences": 0,
    },
}
# The places of create-event seed example 2, plus a room Graph lists among them.
PLACES = {
    "location": {
        "displayName": "Conf Room 3; Fourth Coffee; Home Office",
        "locationType": "default",
        "uniqueId": "Conf Room 3; Fourth Coffee; Home Office",
        "uniqueIdType": "private",
    },
    "locations": [
        {"displayName": "Conf Room 3", "locationType": "default", "uniqueIdType": "unknown"},
        {
            "displayName": "Fourth Coffee",
            "locationType": "default",
            "uniqueId": "Fourth Coffee",
            "uniqueIdType": "private",
        },
        {"displayName": "Home Office", "locationType": "default", "uniqueIdType": "unknown"},
        {
            "displayName": "Baker",
            "locationType": "conferenceRoom",
            "locationEmailAddress": "baker@contoso.com",
            "uniqueId": "baker@contoso.com",
            "uniqueIdType": "directory",
        },
    ],
}


def person(address: str, kind: str = "required", name: str | None = None) -> dict[str, Any]:
    email = {"address": address} | ({"name": name} if name else {})
    return {
        "type": kind,
        "status": {"response": "none", "time": "0001-01-01T00:00:00Z"},
        "emailAddress": email,
    }


ATTENDEES = [
    person("adele@contoso.com", name="Adele Vance"),
    person("megan@contoso.com", "optional", "Megan Bowen"),
    person("baker@contoso.com", "resource", "Baker"),
    person("alex@contoso.com"),
]


def series(**fields: Any) -> Event:
    """The series master Graph answers for a weekly Design review (zone: UTC)."""
    return Event.model_validate(
        {
            "id": "AAMkAGSeries=",
            "subject": "Design review",
            "type": "seriesMaster",
            "start": {"dateTime": "2026-09-07T22:00:00.0000000", "timeZone": "UTC"},
            "end": {"dateTime": "2026-09-07T22:45:00.0000000", "timeZone": "UTC"},
            "isOnlineMeeting": True,
            "onlineMeetingProvider": "teamsForBusiness",
            "onlineMeeting": {"joinUrl": JOIN_URL},
            "recurrence": WEEKLY_UNTIL_NEW_YEAR,
            "attendees": ATTENDEES,
        }
        | PLACES
        | fields
    )


def card_of(event: Event, catalog: Catalog = EN, **view: Any) -> dict[str, Any]:
    card = meeting_card(view_from_event(event, LA, zone_is_fallback=False, **view), catalog)
    validate_card(card)
    return card


def facts(card: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (readable(fact["title"]), fact["value"])
        for factset in of_type(card, "FactSet")
        for fact in factset["facts"]
    ]


def test_the_view_reads_recurrence_places_room_and_attendee_types() -> None:
    view = view_from_event(series(), LA, zone_is_fallback=False)

    assert view.recurrence is not None and view.recurrence.range.end_date is not None
    assert view.recurrence.pattern.days_of_week == ["monday"]
    assert view.places == ("Conf Room 3", "Fourth Coffee", "Home Office")
    assert view.room == "Baker"
    assert view.attendees == ("Adele Vance", "alex@contoso.com")
    assert view.optional == ("Megan Bowen",)
    assert view.room_unresolved is None


@pytest.mark.parametrize(
    ("catalog", "expected"),
    [
        (
            EN,
            [
                ("When", "Mon, Sep 7, 3:00 PM – 3:45 PM (America/Los_Angeles)"),
                ("Repeats", "Every Monday until Dec 31, 2026"),
                ("Place", "Conf Room 3; Fourth Coffee; Home Office"),
                ("Room", "Baker"),
                ("Invited", "Adele Vance, alex@contoso.com"),
                ("Optional", "Megan Bowen"),
            ],
        ),
        (
            ZH,
            [
                ("时间", "9月7日 周一 下午3:00 – 下午3:45（America/Los_Angeles）"),
                ("重复", "每周一，直到 2026年12月31日"),
                ("地点", "Conf Room 3; Fourth Coffee; Home Office"),
                ("会议室", "Baker"),
                ("已邀请", "Adele Vance, alex@contoso.com"),
                ("可选", "Megan Bowen"),
            ],
        ),
    ],
    ids=["en", "zh"],
)
def test_the_card_shows_each_part_in_its_row(
    catalog: Catalog, expected: list[tuple[str, str]]
) -> None:
    card = card_of(series(), catalog)

    assert [(title, value) for title, value in facts(card)] == expected
    unbooked = catalog.room_unresolved.split("{room}")[1]
    assert not [text for text in texts(card) if unbooked in text]


def test_the_reminder_card_shows_the_same_rows() -> None:
    view = view_from_event(series(), LA, zone_is_fallback=False)
    start = datetime(2026, 9, 7, 22, 0, tzinfo=UTC)
    card = reminder_card(view, ZH, now=start - timedelta(minutes=10))
    validate_card(card)

    titles = [title for title, _ in facts(card)]
    assert titles == ["时间", "重复", "地点", "会议室", "已邀请", "可选"]
    assert ("重复", "每周一，直到 2026年12月31日") in facts(card)


def test_a_room_given_only_as_a_location_mailbox() -> None:
    # No resource attendee: the room is the location that carries a mailbox.
    attendees = [a for a in ATTENDEES if a["type"] != "resource"]
    view = view_from_event(series(attendees=attendees), LA, zone_is_fallback=False)

    assert view.room == "Baker"
    assert view.places == ("Conf Room 3", "Fourth Coffee", "Home Office")


def test_a_room_without_a_name_is_shown_by_its_address() -> None:
    attendees = [person("baker@contoso.com", "resource")]
    event = series(attendees=attendees, locations=[], location=None)

    assert dict(facts(card_of(event)))["Room"] == "baker@contoso.com"


def test_one_place_from_the_combined_location_when_there_is_no_list() -> None:
    event = series(locations=None, location={"displayName": "Harry's Bar"})

    assert dict(facts(card_of(event)))["Place"] == "Harry's Bar"


def test_an_unresolved_room_is_a_plain_location_and_the_card_says_so() -> None:
    attendees = [a for a in ATTENDEES if a["type"] != "resource"]
    event = series(
        attendees=attendees,
        locations=[{"displayName": "Conf Room 3", "locationType": "default"}],
        location={"displayName": "Conf Room 3", "locationType": "default"},
    )

    for catalog in (EN, ZH):
        card = card_of(event, catalog, room_unresolved="Conf Room 3")

        assert dict(facts(card))[readable(catalog.places_label)] == "Conf Room 3"
        assert readable(catalog.room_label) not in dict(facts(card))
        assert catalog.room_unresolved.format(room="Conf Room 3") in texts(card)


def test_a_one_off_meeting_has_none_of_the_new_rows() -> None:
    event = series(recurrence=None, locations=[], location=None, attendees=[ATTENDEES[0]])

    assert [title for title, _ in facts(card_of(event))] == ["When", "Invited"]


def test_graphs_empty_location_adds_no_place() -> None:
    # Graph answers a meeting without a place with an empty location, not null.
    event = series(
        locations=[],
        location={"displayName": "", "locationType": "default", "uniqueIdType": "unknown"},
    )

    assert "Place" not in dict(facts(card_of(event)))


def test_places_and_names_are_escaped() -> None:
    attendees = [person("m@contoso.com", "optional", "[Megan](https://evil)")]
    event = series(attendees=attendees, locations=[{"displayName": "*Lab* #2"}], location=None)

    shown = dict(facts(card_of(event)))
    assert shown["Place"] == r"\*Lab\* \#2"
    assert shown["Optional"] == r"\[Megan\]\(https://evil\)"


def test_optional_attendees_are_capped_like_the_required_ones() -> None:
    optional = [person(f"p{n}@contoso.com", "optional") for n in range(1, 16)]
    card = card_of(series(attendees=[ATTENDEES[0], *optional]), ZH)

    named = ", ".join(f"p{n}@contoso.com" for n in range(1, MAX_ATTENDEES_SHOWN + 1))
    more = ZH.more_people.format(count=15 - MAX_ATTENDEES_SHOWN)
    assert dict(facts(card))["可选"] == f"{named}, {more}"
    assert "p11@" not in json.dumps(card)
    assert dict(facts(card))["已邀请"] == "Adele Vance"


def test_someone_listed_twice_is_shown_once_per_type() -> None:
    attendees = [
        person("megan@contoso.com", "optional", "Megan Bowen"),
        person("MEGAN@contoso.com", "optional"),
    ]

    assert view_from_event(series(attendees=attendees), LA, zone_is_fallback=False).optional == (
        "Megan Bowen",
    )


def test_a_series_seen_from_a_zone_where_it_falls_on_another_day_names_the_zone() -> None:
    # Monday 3 pm Pacific is Tuesday 6 am in Shanghai.
    recurrence = WEEKLY_UNTIL_NEW_YEAR | {
        "range": WEEKLY_UNTIL_NEW_YEAR["range"] | {"recurrenceTimeZone": "Pacific Standard Time"}
    }
    view = view_from_event(
        series(recurrence=recurrence), ZoneInfo("Asia/Shanghai"), zone_is_fallback=False
    )
    card = meeting_card(view, ZH)

    assert dict(facts(card))["重复"] == (
        "每周一，直到 2026年12月31日（按 Pacific Standard Time 时区的日期）"
    )
    assert dict(facts(card))["时间"].startswith("9月8日 周二")
