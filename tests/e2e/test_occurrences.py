"""The calendar commands on a recurring meeting's occurrences, as Teams drives them: calendarView
answers the occurrences, the cards mark them with how their series repeats (read once per
series), `join` reads the occurrence, and `online` acts on the series. (`cancel meeting` on an
occurrence or a whole series is the series-scope flow's, with its own tests.)"""

from __future__ import annotations

from datetime import timedelta
from functools import partial
from typing import Any

from tests.conftest import Post, RunningConnector, RunningGraph
from tests.e2e.test_conversations import MORNING, _actions, direct_message
from tests.e2e.test_meet import card_text, join_url, sent_cards
from tests.factories import USER_AAD_ID, new_conversation_id

PST = "Pacific Standard Time"


def seed_series(
    graph: RunningGraph, subject: str, pattern: dict[str, Any], *, online: bool
) -> dict[str, Any]:
    """A series with no end whose first occurrence is tomorrow at 10:00 in Los Angeles."""
    start = (MORNING + timedelta(days=1)).replace(hour=10)
    body: dict[str, Any] = {
        "subject": subject,
        "start": {"dateTime": start.strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": PST},
        "end": {"dateTime": start.replace(hour=11).strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": PST},
        "recurrence": {
            "pattern": pattern,
            "range": {"type": "noEnd", "startDate": start.date().isoformat()},
        },
    }
    if online:
        body |= {"isOnlineMeeting": True, "onlineMeetingProvider": "teamsForBusiness"}
    return graph.emulator.seed_event(USER_AAD_ID, body)


def series_reads(graph: RunningGraph, master_id: str) -> list[str | None]:
    return [
        r.query.get("$select")
        for r in graph.emulator.requests
        if r.method == "GET" and r.path.endswith(f"/events/{master_id}")
    ]


async def test_upcoming_and_join_work_on_the_occurrences_of_a_series(
    post: Post, graph: RunningGraph, connector: RunningConnector
) -> None:
    master = seed_series(graph, "Standup", {"type": "daily", "interval": 1}, online=True)
    conversation = new_conversation_id()
    message = partial(direct_message, connector, conversation)

    await post(message("upcoming"))
    agenda = sent_cards(connector, conversation)[-1]
    # Saturday 9:00 plus seven days: Sunday to Friday at 10:00.
    assert card_text(agenda).count("Standup") == 6
    assert card_text(agenda).count("Repeats daily") == 6
    assert len([a for a in _actions(agenda) if a["type"] == "Action.OpenUrl"]) == 6
    assert series_reads(graph, master["id"]) == ["recurrence"]  # once for the whole series

    await post(message("join standup"))
    joined = sent_cards(connector, conversation)[-1]
    assert join_url(joined) == master["onlineMeeting"]["joinUrl"]
    assert "Every day" in card_text(joined)  # its series' recurrence, read from the master


async def test_online_lists_a_series_once_and_makes_the_whole_series_online(
    post: Post, graph: RunningGraph, connector: RunningConnector
) -> None:
    weekdays = ["monday", "tuesday", "wednesday", "thursday", "friday"]
    pattern = {"type": "weekly", "interval": 1, "daysOfWeek": weekdays}
    master = seed_series(graph, "Vendor sync", pattern, online=False)
    conversation = new_conversation_id()
    message = partial(direct_message, connector, conversation)

    await post(message("online"))
    [listing] = sent_cards(connector, conversation)
    assert card_text(listing).count("Vendor sync") == 1
    assert "Repeats weekly" in card_text(listing)
    [button] = [a for a in _actions(listing) if a.get("data", {}).get("meetbot") == "make_online"]
    assert button["data"]["eventId"] == master["id"]

    await post(message("", value=button["data"]))
    [patch] = [r for r in graph.emulator.requests if r.method == "PATCH"]
    assert patch.path.endswith(f"/events/{master['id']}")
    assert patch.json == {"isOnlineMeeting": True, "onlineMeetingProvider": "teamsForBusiness"}
    card = sent_cards(connector, conversation)[-1]
    assert "Every occurrence of \u201cVendor sync\u201d is now a Teams meeting." in card_text(card)
    [stored] = graph.emulator.events(USER_AAD_ID)
    assert join_url(card) == stored["onlineMeeting"]["joinUrl"]
