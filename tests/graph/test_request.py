"""The create body (`EventRequest`), the rooms list cache and meet-now participants, with
Graph's answers scripted (httpx.MockTransport)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from bot.graph import GRAPH_RETRY, GraphClient, GraphForbidden
from bot.graph.request import (
    AttendeeType,
    EventRequest,
    Invitee,
    Participant,
    RoomBooking,
    agenda_html,
)

LA = ZoneInfo("America/Los_Angeles")
START = datetime(2026, 11, 22, 15, tzinfo=LA)
ROOM = {"id": "r1", "displayName": "Conf Room 3", "emailAddress": "confroom3@contoso.com"}


class FakeTokens:
    async def token(self) -> str:
        return "token-1"

    def invalidate(self) -> None:
        pass


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def client_for(
    answers: dict[str, Any], clock: Clock | None = None
) -> tuple[GraphClient, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        for suffix, answer in answers.items():
            if request.url.path.endswith(suffix):
                return (
                    answer
                    if isinstance(answer, httpx.Response)
                    else httpx.Response(200, json=answer)
                )
        raise AssertionError(request.url)

    http = httpx.AsyncClient(
        base_url="https://graph.test/v1.0", transport=httpx.MockTransport(handler)
    )
    policy = GRAPH_RETRY if clock is None else replace(GRAPH_RETRY, clock=clock)
    return GraphClient(http, FakeTokens(), policy=policy), seen


def build(**parts: Any) -> dict[str, Any]:
    request = GraphClient.event_request(
        subject="Review",
        start=START,
        end=START + timedelta(hours=1),
        zone="America/Los_Angeles",
        **parts,
    )
    return request.graph_json()


def test_a_plain_meeting_sends_no_empty_parts() -> None:
    assert build() == {
        "subject": "Review",
        "start": {"dateTime": "2026-11-22T15:00:00", "timeZone": "Pacific Standard Time"},
        "end": {"dateTime": "2026-11-22T16:00:00", "timeZone": "Pacific Standard Time"},
        "attendees": [],
    }


def test_attendees_keep_their_type_and_name() -> None:
    body = build(
        attendees=[
            Invitee("a@contoso.com", "Adele Vance"),
            Invitee("b@contoso.com", type=AttendeeType.OPTIONAL),
        ]
    )
    assert body["attendees"] == [
        {"emailAddress": {"address": "a@contoso.com", "name": "Adele Vance"}, "type": "required"},
        {"emailAddress": {"address": "b@contoso.com"}, "type": "optional"},
    ]


def test_one_place_several_places_and_a_room() -> None:
    assert build(places=["Harry's Bar"])["location"] == {"displayName": "Harry's Bar"}
    several = build(places=["A", "B"])
    assert several["location"] == {"displayName": "A; B", "locationType": "Default"}
    assert several["locations"] == [{"displayName": "A"}, {"displayName": "B"}]
    booked = build(
        attendees=[Invitee("a@contoso.com")], room=RoomBooking("r@contoso.com", "Room R")
    )
    assert booked["attendees"][-1] == {
        "emailAddress": {"address": "r@contoso.com", "name": "Room R"},
        "type": "resource",
    }
    assert booked["location"] == {"displayName": "Room R", "locationEmailAddress": "r@contoso.com"}


@pytest.mark.parametrize(
    ("agenda", "html"),
    [
        ("review the Q3 numbers", "review the Q3 numbers"),
        ("Let's <b>plan</b> & go", "Let's &lt;b&gt;plan&lt;/b&gt; &amp; go"),
        ("one\ntwo\n\nthree", "one<br>two<br><br>three"),
    ],
)
def test_an_agenda_is_escaped_html_with_line_breaks(agenda: str, html: str) -> None:
    assert agenda_html(agenda) == html
    assert build(agenda=agenda)["body"] == {"contentType": "HTML", "content": html}


def test_a_recurrence_is_sent_as_written_and_the_request_round_trips_as_json() -> None:
    recurrence = {
        "pattern": {"type": "daily", "interval": 1},
        "range": {"type": "noEnd", "startDate": "2026-11-22"},
    }
    body = build(
        places=["A", "B"],
        agenda="x",
        recurrence=recurrence,
        attendees=[Invitee("a@contoso.com", "A")],
    )
    assert body["recurrence"] == recurrence
    again = EventRequest.model_validate(json.loads(json.dumps(body)))
    assert again.graph_json() == body


async def test_the_rooms_list_is_read_once_while_fresh() -> None:
    clock = Clock()
    client, seen = client_for({"/places/microsoft.graph.room": {"value": [ROOM]}}, clock)
    [room] = await client.list_rooms("user-1")
    assert (room.display_name, room.email_address) == ("Conf Room 3", "confroom3@contoso.com")
    clock.now += 3599
    await client.list_rooms("user-1")
    assert len(seen) == 1
    clock.now += 2
    await client.list_rooms("user-1")
    assert len(seen) == 2
    assert seen[0].url.path == "/v1.0/places/microsoft.graph.room"


async def test_the_rooms_list_follows_next_links_and_a_refusal_is_raised() -> None:
    pages = {
        "/places/microsoft.graph.room": {
            "value": [ROOM],
            "@odata.nextLink": "https://graph.test/v1.0/places/microsoft.graph.room/next",
        },
        "/next": {"value": [{**ROOM, "displayName": "Baker", "emailAddress": "baker@contoso.com"}]},
    }
    client, _ = client_for(pages)
    assert [r.display_name for r in await client.list_rooms("user-1")] == ["Conf Room 3", "Baker"]
    denied = httpx.Response(
        403, json={"error": {"code": "ErrorAccessDenied", "message": "Access is denied."}}
    )
    refused, _ = client_for({"/places/microsoft.graph.room": denied})
    with pytest.raises(GraphForbidden):
        await refused.list_rooms("user-1")


async def test_create_or_get_sends_participants_as_seed_001_does() -> None:
    meeting = {"id": "m1", "joinWebUrl": "https://j"}
    client, seen = client_for({"/createOrGet": httpx.Response(201, json=meeting)})
    await client.create_or_get_meeting(
        "user-1",
        external_id="ext-1",
        participants=[
            Participant("test1@contoso.com", "1f35f2e6-9cab-44ad-8d5a-b74c14720000"),
            Participant("b@contoso.com"),
        ],
    )
    assert json.loads(seen[0].content)["participants"] == {
        "attendees": [
            {
                "upn": "test1@contoso.com",
                "role": "attendee",
                "identity": {"user": {"id": "1f35f2e6-9cab-44ad-8d5a-b74c14720000"}},
            },
            {"upn": "b@contoso.com", "role": "attendee"},
        ]
    }
