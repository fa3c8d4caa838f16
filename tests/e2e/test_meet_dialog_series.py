"""The step-by-step `meet` dialog keeps all a line said (issue 24): a repeat, places, optional
attendees. Each conversation is activity JSON posted to /api/messages, one turn per answer,
with the dialog's real storage; the assertion is the exact Graph POST body the emulator
recorded, as the acceptance table writes it (`tests.e2e.test_event_phrasings.Line`).

The sender's clock is Saturday 2026-11-21 09:00 in Los Angeles unless a test says otherwise.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from bot.i18n import en
from tests.conftest import Post, RunningConnector, RunningGraph
from tests.e2e.test_conversations import mention, texts
from tests.e2e.test_event_phrasings import (
    LA,
    WEEKDAYS,
    Json,
    Line,
    no_end,
    optional,
    place,
    until,
    weekly,
)
from tests.e2e.test_meet_details import MEGAN
from tests.factories import USER_AAD_ID, make_message, new_conversation_id
from tests.processes import start_bot, stop

SATURDAY_9AM = "2026-11-21T09:00"


def wall_clock(now: str) -> datetime:
    return datetime.fromisoformat(now).replace(tzinfo=ZoneInfo(LA))


def creates(graph: RunningGraph) -> list[Json]:
    """The create bodies Graph received, less their transactionId."""
    bodies = []
    for request in graph.emulator.requests:
        if request.method == "POST" and request.path.endswith("/events"):
            assert request.path == f"/v1.0/users/{USER_AAD_ID}/events"
            body: Json = dict(request.json)
            assert body.pop("transactionId")
            bodies.append(body)
    return bodies


async def conversation(
    post: Post,
    connector: RunningConnector,
    turns: list[str],
    *,
    now: str = SATURDAY_9AM,
    conversation_id: str = "a:1on1-conversation",
    entities: list[dict[str, Any]] | None = None,
    locale: str = "en-US",
) -> None:
    """Say each of `turns` in order, the first with `entities` (its mentions)."""
    for number, text in enumerate(turns):
        activity = make_message(
            text,
            service_url=connector.url,
            conversation_id=conversation_id,
            local_now=wall_clock(now),
            locale=locale,
        )
        if number == 0 and entities:
            activity["entities"] += entities
        response = await post(activity)
        assert response.status_code in {200, 201}


def series(subject: str, start: str, end: str, days: tuple[str, ...], ends: Json) -> Json:
    line = Line("", LA, SATURDAY_9AM, subject, start, end, pattern=weekly(days), range=ends)
    return line.body()


async def test_a_series_asked_its_time_starts_on_the_first_matching_day(
    post: Post, graph: RunningGraph, connector: RunningConnector
) -> None:
    await conversation(post, connector, ["meet Sync every Monday", "3pm"])
    assert creates(graph) == [
        series("Sync", "2026-11-23T15:00", "2026-11-23T15:30", ("Monday",), no_end())
    ]
    [stored] = graph.emulator.events(USER_AAD_ID)
    assert stored["type"] == "seriesMaster"


async def test_a_chinese_series_asked_its_time_starts_on_the_first_matching_day(
    post: Post, graph: RunningGraph, connector: RunningConnector
) -> None:
    await conversation(post, connector, ["会议 同步 每周一", "下午3点"], locale="zh-CN")
    assert creates(graph) == [
        series("同步", "2026-11-23T15:00", "2026-11-23T15:30", ("Monday",), no_end())
    ]


async def test_a_series_asked_its_subject_keeps_its_time_and_length(
    post: Post, graph: RunningGraph, connector: RunningConnector
) -> None:
    await conversation(post, connector, ["meet every weekday 9am for 15m", "Standup"])
    assert creates(graph) == [
        series("Standup", "2026-11-23T09:00", "2026-11-23T09:15", WEEKDAYS, no_end())
    ]


async def test_an_answer_on_a_day_off_the_pattern_starts_at_the_next_fitting_day(
    post: Post, graph: RunningGraph, connector: RunningConnector
) -> None:
    await conversation(post, connector, ["meet Sync every Monday", "Tuesday 3pm"])
    assert creates(graph) == [
        series("Sync", "2026-11-30T15:00", "2026-11-30T15:30", ("Monday",), no_end())
    ]


async def test_a_time_already_past_today_starts_the_series_next_week(
    post: Post, graph: RunningGraph, connector: RunningConnector
) -> None:
    monday_4pm = "2026-11-23T16:00"
    await conversation(post, connector, ["meet Sync every Monday", "3pm"], now=monday_4pm)
    assert creates(graph) == [
        series("Sync", "2026-11-30T15:00", "2026-11-30T15:30", ("Monday",), no_end())
    ]


async def test_an_answer_after_the_series_end_is_asked_again(
    post: Post, graph: RunningGraph, connector: RunningConnector
) -> None:
    turns = ["meet Sync every Monday until Dec 14", "Dec 21 3pm"]
    await conversation(post, connector, turns)
    assert creates(graph) == []
    reply = texts(connector, "a:1on1-conversation")[-1]
    assert reply.startswith(en.CATALOG.reprompt_prefix)
    assert en.CATALOG.bad_repeat.format(detail="Dec 21 3pm") in reply
    assert en.CATALOG.ask_time.format(subject="Sync") in reply

    await conversation(post, connector, ["3pm"])
    assert creates(graph) == [
        series("Sync", "2026-11-23T15:00", "2026-11-23T15:30", ("Monday",), until("2026-12-14"))
    ]


async def test_a_place_and_an_optional_mention_survive_the_subject_question(
    post: Post, graph: RunningGraph, connector: RunningConnector
) -> None:
    connector.emulator.add_member("a:1on1-conversation", MEGAN)
    await conversation(
        post,
        connector,
        [
            "meet every Monday 3pm at Harry's Bar with optional <at>Megan Bowen</at>",
            "Sync",
        ],
        entities=[mention(MEGAN["id"], "Megan Bowen")],
    )
    expected = series("Sync", "2026-11-23T15:00", "2026-11-23T15:30", ("Monday",), no_end())
    megan = optional("MeganB@contoso.com")
    megan["emailAddress"]["name"] = "Megan Bowen"  # the roster's name, kept by the draft
    assert creates(graph) == [{**expected, "attendees": [megan], **place("Harry's Bar")}]


async def test_a_restart_between_the_two_turns_keeps_the_repeat(
    graph: RunningGraph, connector: RunningConnector, tmp_path: Path
) -> None:
    env = {
        "GRAPH_BASE_URL": f"{graph.url}/v1.0",
        "GRAPH_CA_BUNDLE": str(graph.ca_file),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'meetbot.db'}",
    }
    conversation_id = new_conversation_id()
    local_now = wall_clock(SATURDAY_9AM)
    for text in ("meet Sync every Monday", "3pm"):
        process, url = await start_bot(tmp_path, **env)
        try:
            activity = make_message(
                text,
                service_url=connector.url,
                conversation_id=conversation_id,
                local_now=local_now,
            )
            async with httpx.AsyncClient(base_url=url, timeout=30) as client:
                assert (await client.post("/api/messages", json=activity)).status_code < 300
        finally:
            await stop(process)

    assert creates(graph) == [
        series("Sync", "2026-11-23T15:00", "2026-11-23T15:30", ("Monday",), no_end())
    ]
