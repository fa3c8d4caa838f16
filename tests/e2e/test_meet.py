"""`meet` end to end: activity JSON to /api/messages, assertions on what the Graph emulator
received and what reached the Bot Connector."""

from __future__ import annotations

import json
import re
from datetime import datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from bot.app import create_app
from bot.graph.models import Event
from bot.serve import serve
from bot.settings import load_settings, resolve
from bot.teams.sender import SenderClock, sender_clock
from cards.schema import validate_card
from tests.conftest import Post, RunningConnector, RunningGraph
from tests.factories import USER_AAD_ID, make_message

LA = ZoneInfo("America/Los_Angeles")
MORNING = datetime(2026, 11, 21, 9, 0, tzinfo=LA)
MEET = "meet Design review tomorrow 3pm for 45m with adele@contoso.com"


def sent_cards(connector: RunningConnector, conversation_id: str) -> list[dict[str, Any]]:
    """Every Adaptive Card the bot sent to the conversation, each checked against AC 1.5."""
    cards = []
    for call in connector.emulator.activities(conversation_id):
        for attachment in call.body.get("attachments") or []:
            assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
            validate_card(attachment["content"])
            cards.append(attachment["content"])
    return cards


def card_text(card: dict[str, Any]) -> str:
    """The card as JSON with markdown escapes undone, i.e. roughly what a reader sees."""
    return re.sub(r"\\\\(.)", r"\1", json.dumps(card, ensure_ascii=False))


def join_url(card: dict[str, Any]) -> str:
    urls = [a["url"] for a in card.get("actions", []) if a["type"] == "Action.OpenUrl"]
    assert len(urls) == 1, card
    return str(urls[0])


async def test_meet_creates_an_online_event_and_replies_with_the_join_card(
    post: Post, graph: RunningGraph, connector: RunningConnector
) -> None:
    activity = make_message(MEET, service_url=connector.url, local_now=MORNING)
    response = await post(activity)
    assert response.status_code in {200, 201}

    [stored] = graph.emulator.events(USER_AAD_ID)
    event = Event.model_validate(stored)
    assert event.start is not None and event.end is not None
    assert event.start.to_datetime() == datetime(2026, 11, 22, 15, 0, tzinfo=LA)
    assert event.end.to_datetime() == datetime(2026, 11, 22, 15, 45, tzinfo=LA)
    assert event.is_online_meeting and event.online_meeting_provider == "teamsForBusiness"
    assert [(a.email_address.address, a.type) for a in event.attendees] == [
        ("adele@contoso.com", "required")
    ]
    [create] = [r for r in graph.emulator.requests if r.method == "POST" and "events" in r.path]
    assert create.path == f"/v1.0/users/{USER_AAD_ID}/events"
    assert create.json["start"] == {
        "dateTime": "2026-11-22T15:00:00",
        "timeZone": "Pacific Standard Time",
    }
    assert create.json["transactionId"]

    [card] = sent_cards(connector, activity["conversation"]["id"])
    info = event.online_meeting
    assert info is not None and info.join_url and info.toll_number and info.conference_id
    assert join_url(card) == info.join_url
    text = card_text(card)
    assert info.toll_number in text
    digits = "".join(ch for ch in info.toll_number if ch.isdigit())
    assert f"tel:+{digits},,{info.conference_id}#" in text
    reply = connector.emulator.activities(activity["conversation"]["id"])[0]
    assert reply.kind == "reply" and reply.activity_id == activity["id"]


async def test_a_turn_reads_the_senders_clock_once(
    post: Post, connector: RunningConnector, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The parser, the requester and the card share one `now` (and it is worked out once)."""
    reads: list[datetime] = []

    def counted(activity: Any, server_now: datetime, default_zone: ZoneInfo) -> SenderClock:
        clock = sender_clock(activity, server_now, default_zone)
        reads.append(clock.now)
        return clock

    monkeypatch.setattr("bot.teams.sender.sender_clock", counted)
    response = await post(make_message(MEET, service_url=connector.url, local_now=MORNING))
    assert response.status_code in {200, 201}
    assert reads == [MORNING]


async def test_a_redelivered_message_books_one_event_and_answers_twice(
    post: Post, graph: RunningGraph, connector: RunningConnector
) -> None:
    activity = make_message(MEET, service_url=connector.url, local_now=MORNING)
    await post(activity)
    await post(activity)

    assert len(graph.emulator.events(USER_AAD_ID)) == 1
    first, second = sent_cards(connector, activity["conversation"]["id"])
    assert join_url(first) == join_url(second)


async def test_meet_now_twice_is_created_then_got(
    post: Post, graph: RunningGraph, connector: RunningConnector
) -> None:
    activity = make_message("meet now Quick sync", service_url=connector.url)
    await post(activity)
    await post(activity)

    statuses = [r.status for r in graph.emulator.requests if r.path.endswith("/createOrGet")]
    assert statuses == [201, 200]
    assert len(graph.emulator.online_meetings(USER_AAD_ID)) == 1
    first, second = sent_cards(connector, activity["conversation"]["id"])
    assert join_url(first) == join_url(second)
    assert join_url(first) == graph.emulator.online_meetings(USER_AAD_ID)[0]["joinWebUrl"]


async def test_calendar_without_teams_gets_a_clear_answer_and_no_event(
    post: Post, graph: RunningGraph, connector: RunningConnector
) -> None:
    graph.emulator.configure_user(USER_AAD_ID, allowed_providers=["skypeForBusiness"])
    activity = make_message(MEET, service_url=connector.url, local_now=MORNING)
    await post(activity)

    assert graph.emulator.events(USER_AAD_ID) == []
    assert not [
        r for r in graph.emulator.requests if r.method == "POST" and r.path.endswith("/events")
    ]
    [card] = sent_cards(connector, activity["conversation"]["id"])
    text = card_text(card)
    assert "doesn't allow Teams meetings" in text and "skypeForBusiness" in text
    assert "Action.OpenUrl" not in text


async def test_without_audio_conferencing_the_card_has_join_and_no_dial_in(
    post: Post, graph: RunningGraph, connector: RunningConnector
) -> None:
    graph.emulator.configure_user(USER_AAD_ID, audio_conferencing=False)
    activity = make_message(MEET, service_url=connector.url, local_now=MORNING)
    await post(activity)

    [card] = sent_cards(connector, activity["conversation"]["id"])
    [stored] = graph.emulator.events(USER_AAD_ID)
    assert join_url(card) == stored["onlineMeeting"]["joinUrl"]
    text = card_text(card)
    assert "tel:" not in text
    assert "Conference ID" not in text and "Toll" not in text and "None" not in text


async def test_fifty_meetings_cost_one_token_request(
    post: Post, graph: RunningGraph, connector: RunningConnector
) -> None:
    for n in range(50):
        activity = make_message(
            f"meet Standup {n} tomorrow 9am", service_url=connector.url, local_now=MORNING
        )
        assert (await post(activity)).status_code in {200, 201}

    assert len(graph.emulator.events(USER_AAD_ID)) == 50
    assert graph.emulator.token_requests == 1
    calendar_reads = [r for r in graph.emulator.requests if r.path.endswith("/calendar")]
    assert len(calendar_reads) == 1  # steady state: one Graph round trip per meet


async def test_unknown_text_gets_the_help_card(
    post: Post, graph: RunningGraph, connector: RunningConnector
) -> None:
    activity = make_message("schedule something", service_url=connector.url)
    await post(activity)

    [card] = sent_cards(connector, activity["conversation"]["id"])
    text = card_text(card)
    assert "schedule" in text and "meet now" in text
    assert graph.emulator.events(USER_AAD_ID) == []


async def test_bad_input_gets_a_helpful_reply_and_no_graph_call(
    post: Post, graph: RunningGraph, connector: RunningConnector
) -> None:
    activity = make_message("meet Design review tomorrow 25pm", service_url=connector.url)
    await post(activity)

    [reply] = connector.emulator.activities(activity["conversation"]["id"])
    assert "25pm" in reply.body["text"]
    assert "Traceback" not in reply.body["text"]
    assert [r for r in graph.emulator.requests if "/users/" in r.path] == []


async def test_malformed_requests_get_4xx_and_the_server_keeps_serving(
    bot_url: str, post: Post, connector: RunningConnector
) -> None:
    async with httpx.AsyncClient(base_url=bot_url) as client:
        empty = await client.post(
            "/api/messages", content=b"", headers={"Content-Type": "application/json"}
        )
        not_json = await client.post(
            "/api/messages", content=b"{nope", headers={"Content-Type": "application/json"}
        )
        no_type = await client.post("/api/messages", content=b"{}")
        text_plain = await client.post(
            "/api/messages", content=b"hello", headers={"Content-Type": "text/plain"}
        )
        not_activity = await client.post("/api/messages", json=[1, 2])
    assert empty.status_code == 400
    assert not_json.status_code == 400
    assert no_type.status_code == 415
    assert text_plain.status_code == 415
    assert not_activity.status_code == 400

    activity = make_message("help", service_url=connector.url)
    assert (await post(activity)).status_code in {200, 201}
    assert connector.emulator.activities(activity["conversation"]["id"])


async def test_without_a_client_zone_times_are_utc_and_the_card_says_so(
    post: Post, graph: RunningGraph, connector: RunningConnector
) -> None:
    activity = make_message("meet now Triage", service_url=connector.url, zone=None)
    await post(activity)

    [card] = sent_cards(connector, activity["conversation"]["id"])
    text = card_text(card)
    assert "(UTC)" in text and "did not send its time zone" in text


async def test_without_a_client_zone_default_timezone_applies_and_the_card_names_it(
    graph: RunningGraph,
    connector: RunningConnector,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings(
        GRAPH_BASE_URL=f"{graph.url}/v1.0",
        GRAPH_CA_BUNDLE=str(graph.ca_file),
        DEFAULT_TIMEZONE="Asia/Shanghai",
    )
    served = await serve(create_app(resolve(settings)))
    try:
        async with httpx.AsyncClient(base_url=served.url, timeout=30) as client:
            activity = make_message(
                "meet Planning tomorrow 9am", service_url=connector.url, zone=None
            )
            assert (await client.post("/api/messages", json=activity)).status_code in {200, 201}
            with_zone = make_message(
                "meet Review tomorrow 9am", service_url=connector.url, conversation_id="a:other"
            )
            assert (await client.post("/api/messages", json=with_zone)).status_code in {200, 201}
    finally:
        await served.close()

    shanghai, la = ZoneInfo("Asia/Shanghai"), ZoneInfo("America/Los_Angeles")
    starts = {
        stored["subject"]: Event.model_validate(stored).start
        for stored in graph.emulator.events(USER_AAD_ID)
    }
    assert starts["Planning"] is not None and starts["Review"] is not None
    # 9am on the Shanghai clock (01:00 UTC), where a UTC default would have made it 17:00.
    assert starts["Planning"].to_datetime().astimezone(shanghai).time() == time(9, 0)
    # A client that names its zone keeps it: the default is only a stand-in.
    assert starts["Review"].to_datetime().astimezone(la).time() == time(9, 0)
    [card] = sent_cards(connector, activity["conversation"]["id"])
    text = card_text(card)
    assert "(Asia/Shanghai)" in text
    assert "Times are in Asia/Shanghai because your Teams client did not send" in text
    [other] = sent_cards(connector, "a:other")
    assert "did not send its time zone" not in card_text(other)


async def test_a_missing_access_policy_is_named_with_graphs_request_id(
    post: Post, graph: RunningGraph, connector: RunningConnector
) -> None:
    graph.emulator.configure_user(USER_AAD_ID, access_policy=False)
    activity = make_message("meet now Triage", service_url=connector.url)
    await post(activity)

    [card] = sent_cards(connector, activity["conversation"]["id"])
    text = card_text(card)
    [refused] = [r for r in graph.emulator.requests if r.path.endswith("/createOrGet")]
    assert refused.status == 403
    assert "application access policy" in text and "Grant-CsApplicationAccessPolicy" in text
    assert "Reference:" in text
    assert graph.emulator.online_meetings(USER_AAD_ID) == []


async def test_installing_the_bot_shows_the_help_card(
    post: Post, connector: RunningConnector
) -> None:
    update = make_message(service_url=connector.url, type="conversationUpdate", text=None)
    update["membersAdded"] = [{"id": update["recipient"]["id"]}]
    await post(update)

    [card] = sent_cards(connector, update["conversation"]["id"])
    assert "meet now" in card_text(card)


async def test_in_local_mode_a_client_without_entra_ids_uses_the_channel_user_id(
    post: Post, graph: RunningGraph, connector: RunningConnector
) -> None:
    # The Bot Framework Emulator sends no aadObjectId; simulated meetings still work for it.
    activity = make_message("meet now Triage", service_url=connector.url, aad_object_id=None)
    await post(activity)
    assert graph.emulator.online_meetings("29:user-teams-id")
    assert graph.emulator.online_meetings(USER_AAD_ID) == []
