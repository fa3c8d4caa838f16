"""The Bot Connector emulator answers botbuilder's own ConnectorClient like the real service."""

from __future__ import annotations

import httpx
import pytest
from botbuilder.schema import Activity, ActivityTypes
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import MicrosoftAppCredentials

from bot.emulators.connector import (
    TEAMS_CONVERSATION_LIMITS,
    ConnectorEmulator,
    SlidingWindowLimiter,
)
from bot.emulators.serve import serve
from tests.conftest import RunningConnector

CHANNEL_THREAD = "19:abc@thread.tacv2;messageid=1700000000001"


def client(connector: RunningConnector) -> ConnectorClient:
    return ConnectorClient(MicrosoftAppCredentials("", ""), base_url=connector.url)


async def test_replies_and_updates_are_recorded_per_conversation(
    connector: RunningConnector,
) -> None:
    connector_client = client(connector)
    reply = Activity(type=ActivityTypes.message, text="hello", reply_to_id="1700000000001")
    sent = await connector_client.conversations.reply_to_activity(
        CHANNEL_THREAD, "1700000000001", reply
    )
    await connector_client.conversations.update_activity(
        CHANNEL_THREAD, sent.id, Activity(type=ActivityTypes.message, text="edited")
    )
    calls = connector.emulator.activities(CHANNEL_THREAD)
    assert [(c.kind, c.activity_id, c.body["text"]) for c in calls] == [
        ("reply", "1700000000001", "hello"),
        ("update", sent.id, "edited"),
    ]
    assert connector.emulator.activities("another") == []


async def test_members_are_served_by_id_or_entra_id(connector: RunningConnector) -> None:
    adele = {
        "id": "29:adele",
        "aadObjectId": "aad-adele",
        "name": "Adele Vance",
        "email": "AdeleV@contoso.com",
        "userPrincipalName": "adelev@contoso.com",
    }
    connector.emulator.add_member(CHANNEL_THREAD, adele)
    connector_client = client(connector)
    by_id = await connector_client.conversations.get_conversation_member(CHANNEL_THREAD, "29:adele")
    by_aad = await connector_client.conversations.get_conversation_member(
        CHANNEL_THREAD, "aad-adele"
    )
    assert by_id.name == by_aad.name == "Adele Vance"
    members = await connector_client.conversations.get_conversation_members(CHANNEL_THREAD)
    assert [m.id for m in members] == ["29:adele"]


async def test_an_unknown_member_is_404(connector: RunningConnector) -> None:
    async with httpx.AsyncClient(base_url=connector.url) as http:
        response = await http.get("/v3/conversations/a%3A1/members/29%3Anobody")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "MemberNotFoundInConversation"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_limiter_enforces_every_teams_window() -> None:
    clock = FakeClock()
    limiter = SlidingWindowLimiter(TEAMS_CONVERSATION_LIMITS, clock)
    assert [limiter.admit("c") for _ in range(7)] == [None] * 7
    assert limiter.admit("c") == pytest.approx(1.0)  # 8th in one second
    assert limiter.admit("other") is None  # limits are per conversation
    clock.now += 1.0
    assert limiter.admit("c") is None  # the 8th fits in 2 s
    assert limiter.admit("c") == pytest.approx(1.0)  # a 9th in 2 s does not
    clock.now += 3600  # an hour later everything has expired
    start = clock.now
    admitted = []
    for n in range(60):  # 60 in 30 s, paced so no shorter window objects
        clock.now = start + n * 0.5
        admitted.append(limiter.admit("c"))
    assert admitted == [None] * 60
    clock.now = start + 29.9
    assert limiter.admit("c") == pytest.approx(0.1)  # the 61st within 30 s


async def test_rate_limited_sends_get_429_with_retry_after() -> None:
    clock = FakeClock()
    emulator = ConnectorEmulator(rate_limits=True, clock=clock)
    served = await serve(emulator.app)
    try:
        async with httpx.AsyncClient(base_url=served.url) as http:
            url = "/v3/conversations/a%3A1/activities"
            statuses = [
                (await http.post(url, json={"type": "message"})).status_code for _ in range(8)
            ]
            refused = await http.post(url, json={"type": "message"})
            clock.now += 1.0
            later = await http.post(url, json={"type": "message"})
    finally:
        await served.close()
    assert statuses == [201] * 7 + [429]
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "1"
    assert later.status_code == 201
    assert len(emulator.activities("a:1")) == 8 and emulator.throttled == ["a:1", "a:1"]


async def test_a_conversation_the_bot_was_removed_from_answers_403(
    connector: RunningConnector,
) -> None:
    connector.emulator.remove_bot("19:general@thread.tacv2")
    async with httpx.AsyncClient(base_url=connector.url) as http:
        thread = "/v3/conversations/19%3Ageneral%40thread.tacv2%3Bmessageid%3D1/activities"
        refused = await http.post(thread, json={"type": "message"})
        await http.put(
            "/_emulator/conversations/19%3Ageneral%40thread.tacv2/removed", json={"removed": False}
        )
        accepted = await http.post(thread, json={"type": "message"})
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "BotNotInConversationRoster"
    assert accepted.status_code == 201
