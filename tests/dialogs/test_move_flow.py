"""`GraphClient.move_event` and the move flow against exact Graph answers (httpx.MockTransport):
the PATCH's shape, and the answers the emulator cannot give yet."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import httpx

from bot.commands import MoveCommand, SeriesScope
from bot.graph import GraphClient
from bot.i18n import catalog_for
from cards.schema import validate_card
from dialogs.meet import Requester
from dialogs.move import MoveFlow
from tests.e2e.test_meet import card_text
from tests.graph.test_client import EVENT, LA, client_for, graph_error

NOW = datetime(2026, 11, 21, 9, 0, tzinfo=LA)
WHO = Requester("user-1", "conversation", "activity", LA, False, catalog_for("en-US"))
OCCURRENCE = {
    **EVENT,
    "id": "AAMkOccurrence=",
    "subject": "Standup",
    "type": "occurrence",
    "seriesMasterId": "AAMkMaster=",
    "start": {"dateTime": "2026-11-24T09:00:00", "timeZone": "Pacific Standard Time"},
    "end": {"dateTime": "2026-11-24T09:30:00", "timeZone": "Pacific Standard Time"},
}
MASTER = {
    **OCCURRENCE,
    "id": "AAMkMaster=",
    "type": "seriesMaster",
    "seriesMasterId": None,
    "start": {"dateTime": "2026-10-27T16:00:00", "timeZone": "UTC"},  # 9:00 in LA, summer time
    "end": {"dateTime": "2026-10-27T16:30:00", "timeZone": "UTC"},
}


def flow(answers: dict[str, httpx.Response], seen: list[httpx.Request]) -> MoveFlow:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path.endswith("/calendarView"):
            return httpx.Response(200, json={"value": [OCCURRENCE]})
        return answers[f"{request.method} {request.url.path.rsplit('/', 1)[-1]}"]

    client: GraphClient = client_for(handler)[0]
    return MoveFlow(client, simulated=True)


async def test_move_event_sends_start_and_end_and_nothing_else() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=EVENT)

    client, _, _ = client_for(handler)
    await client.move_event(
        "user-1",
        "AAMkEvent=",
        start=datetime(2026, 11, 26, 16, tzinfo=LA),
        end=datetime(2026, 11, 26, 16, 45, tzinfo=LA),
        zone="America/Los_Angeles",
    )
    [patch] = seen
    assert patch.method == "PATCH" and patch.url.path == "/v1.0/users/user-1/events/AAMkEvent="
    assert patch.headers["Prefer"] == (
        'outlook.timezone="Pacific Standard Time", IdType="ImmutableId"'
    )
    assert json.loads(patch.content) == {
        "start": {"dateTime": "2026-11-26T16:00:00", "timeZone": "Pacific Standard Time"},
        "end": {"dateTime": "2026-11-26T16:45:00", "timeZone": "Pacific Standard Time"},
    }


async def test_an_occurrence_past_its_neighbour_is_told_as_such() -> None:
    seen: list[httpx.Request] = []
    crossing = graph_error(
        400,
        "ErrorOccurrenceCrossingBoundary",
        "Modified occurrence is crossing or overlapping adjacent occurrence.",
    )
    moves = flow({"PATCH AAMkOccurrence=": crossing}, seen)
    command = MoveCommand("standup", shift=timedelta(days=1), scope=SeriesScope.OCCURRENCE)
    card = await moves.move(WHO, command, NOW)
    validate_card(card)
    text = card_text(card)
    assert "can\u2019t move onto or past the day of the one before or after it" in text
    assert "rid-1" in text


async def test_the_whole_series_moves_its_master_on_the_masters_own_date() -> None:
    seen: list[httpx.Request] = []
    moves = flow(
        {
            "GET AAMkMaster=": httpx.Response(200, json=MASTER),
            "PATCH AAMkMaster=": httpx.Response(200, json=MASTER),
        },
        seen,
    )
    command = MoveCommand("standup", shift=timedelta(minutes=30), scope=SeriesScope.SERIES)
    card = await moves.move(WHO, command, NOW)
    [patch] = [r for r in seen if r.method == "PATCH"]
    assert patch.url.path == "/v1.0/users/user-1/events/AAMkMaster="
    # 9:30 wall time in Los Angeles on the master's first date (in summer time), 30 minutes.
    assert json.loads(patch.content) == {
        "start": {"dateTime": "2026-10-27T09:30:00", "timeZone": "Pacific Standard Time"},
        "end": {"dateTime": "2026-10-27T10:00:00", "timeZone": "Pacific Standard Time"},
    }
    assert "Every meeting of \u201cStandup\u201d moved; the next one is Tue, Nov 24, 9:30 AM" in (
        card_text(card)
    )


async def test_a_whole_series_does_not_move_to_another_day() -> None:
    seen: list[httpx.Request] = []
    moves = flow({}, seen)
    command = MoveCommand("standup", shift=timedelta(days=1), scope=SeriesScope.SERIES)
    card = await moves.move(WHO, command, NOW)
    assert [r.method for r in seen] == ["GET"]  # the lookup only
    assert "not to another day" in card_text(card)
