"""GraphClient's calendar operations against the real Graph emulator over TLS, with a real
msal token: what the emulator records is what Graph would have received."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from multidict import CIMultiDict

from bot.graph import GraphBadRequest, GraphClient, MsalTokenProvider, TeamsNotAllowed
from bot.local import LOCAL_CLIENT_ID, LOCAL_CLIENT_SECRET
from emulators.graph import GraphEmulator
from tests.conftest import RunningGraph

USER = "64339082-ed84-4b0b-b4ab-004ae54f3747"
START = datetime(2030, 3, 4, 8, tzinfo=UTC)
END = datetime(2030, 3, 4, 18, tzinfo=UTC)
TWO_FIELDS = {"isOnlineMeeting": True, "onlineMeetingProvider": "teamsForBusiness"}


@dataclass
class Live:
    client: GraphClient
    emulator: GraphEmulator

    def seed(self, subject: str, hour: int, day: int = 4, **extra: Any) -> str:
        """An offline event on USER's calendar, 2030-03-`day` at `hour`:00 UTC for 30 min."""
        event = self.emulator.seed_event(
            USER,
            {
                "subject": subject,
                "start": {"dateTime": f"2030-03-{day:02}T{hour:02}:00:00", "timeZone": "UTC"},
                "end": {"dateTime": f"2030-03-{day:02}T{hour:02}:30:00", "timeZone": "UTC"},
                **extra,
            },
        )
        return str(event["id"])

    def graph_calls(self, method: str) -> list[Any]:
        return [r for r in self.emulator.requests if r.method == method and "/v1.0/" in r.path]


@pytest.fixture
async def live(graph: RunningGraph) -> AsyncIterator[Live]:
    tokens = MsalTokenProvider(
        client_id=LOCAL_CLIENT_ID,
        client_secret=LOCAL_CLIENT_SECRET,
        authority=f"{graph.url}/{graph.emulator.config.tenant_id}",
        verify=str(graph.ca_file),
        local_authority=True,
    )
    async with graph.graph_http() as http:
        yield Live(GraphClient(http, tokens), graph.emulator)
    tokens.close()


async def test_calendar_view_pages_through_the_emulator_in_the_users_zone(live: Live) -> None:
    for hour in (15, 9, 12, 10, 16, 11, 13):
        live.seed(f"at {hour}", hour)
    live.seed("tomorrow", 9, day=5)

    events = await live.client.list_calendar_view(USER, START, END, zone="America/New_York", top=3)

    assert [e.subject for e in events] == [f"at {h}" for h in (9, 10, 11, 12, 13, 15, 16)]
    assert events[0].start is not None
    assert events[0].start.time_zone == "Eastern Standard Time"
    assert events[0].start.to_datetime() == datetime(2030, 3, 4, 9, tzinfo=UTC)
    assert all(e.is_organizer for e in events)
    pages = live.graph_calls("GET")
    assert len(pages) == 3
    assert [p.query.get("$skip") for p in pages] == [None, "3", "6"]
    # As recorded off the wire, where aiohttp writes the name in lower case.
    prefer = {CIMultiDict(p.headers)["Prefer"] for p in pages}
    assert prefer == {'outlook.timezone="Eastern Standard Time", IdType="ImmutableId"'}


async def test_make_event_online_sends_exactly_two_fields_and_returns_the_join_url(
    live: Live,
) -> None:
    event_id = live.seed("Design review", 10)

    event = await live.client.make_event_online(USER, event_id)

    (patch,) = live.graph_calls("PATCH")
    assert patch.json == TWO_FIELDS and patch.status == 200
    assert event.join_url is not None
    assert event.join_url.startswith("https://teams.microsoft.com/l/meetup-join/")
    assert event.online_meeting is not None and event.online_meeting.conference_id
    assert event.subject == "Design review"
    (stored,) = live.emulator.events(USER)
    assert stored["onlineMeeting"]["joinUrl"] == event.join_url


async def test_make_event_online_stops_when_the_calendar_does_not_allow_teams(
    live: Live,
) -> None:
    live.emulator.configure_user(USER, allowed_providers=["skypeForBusiness"])
    event_id = live.seed("Design review", 10)

    with pytest.raises(TeamsNotAllowed):
        await live.client.make_event_online(USER, event_id)

    assert live.graph_calls("PATCH") == []
    assert live.emulator.events(USER)[0]["isOnlineMeeting"] is False


async def test_cancel_removes_the_event_and_refuses_someone_elses_meeting(live: Live) -> None:
    mine = live.seed("Retro", 10)
    theirs = live.seed(
        "Adele's 1:1", 11, organizer={"emailAddress": {"address": "AdeleV@contoso.com"}}
    )

    await live.client.cancel_event(USER, mine, "Moving to Thursday")
    with pytest.raises(GraphBadRequest) as refused:
        await live.client.cancel_event(USER, theirs)
    remaining = await live.client.list_calendar_view(USER, START, END, zone="UTC")

    assert [(e.subject, e.is_organizer) for e in remaining] == [("Adele's 1:1", False)]
    assert refused.value.code == "ErrorAccessDenied"
    (cancelled,) = live.emulator.cancelled_events(USER)
    assert cancelled["event"]["id"] == mine and cancelled["comment"] == "Moving to Thursday"
