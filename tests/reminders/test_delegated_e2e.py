"""Issue 25's reminder acceptance, end to end in local delegated mode: the user signs in through
`/api/messages` (Teams SSO against the token service stand-in), books two meetings, and the
bot's own scheduler (on a ManualClock) re-reads the first with their token; after `sign out`
the second still arrives, with the join link stored at the `meet`, marked as not re-checked."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from aiohttp import web

from bot.i18n import en
from bot.reminders import ManualClock
from bot.services import SERVICES
from bot.store import ReminderState
from emulators.token_service import TokenService
from tests.conftest import RunningConnector, RunningGraph
from tests.delegated import OAUTH_CARD, USER, serve_delegated
from tests.factories import USER_AAD_ID, make_message

LA = ZoneInfo("America/Los_Angeles")
T0 = datetime(2030, 3, 4, 16, 0, tzinfo=UTC)  # Monday 8:00 in Los Angeles
CHAT = "a:1on1-reminders"
ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"


@dataclass
class Delegated:
    app: web.Application
    http: httpx.AsyncClient
    clock: ManualClock
    tokens: TokenService
    connector: RunningConnector

    async def post(self, activity: dict[str, Any]) -> httpx.Response:
        response = await self.http.post("/api/messages", json=activity)
        await self.app[SERVICES].pacer.drain()
        return response

    async def say(self, text: str) -> None:
        activity = make_message(
            text,
            service_url=self.connector.url,
            conversation_id=CHAT,
            local_now=self.clock.now().astimezone(LA),
        )
        assert (await self.post(activity)).status_code in (200, 201)

    async def sign_in(self) -> None:
        """`sign in`, and the Teams client's token exchange for the OAuth card it gets."""
        await self.say("sign in")
        (card,) = self.attachments(OAUTH_CARD)
        activity = make_message("", service_url=self.connector.url, conversation_id=CHAT)
        activity.pop("text")
        activity.update(
            type="invoke",
            name="signin/tokenExchange",
            value={
                "id": card["tokenExchangeResource"]["id"],
                "connectionName": card["connectionName"],
                "token": self.tokens.sso_token(USER, USER_AAD_ID),
            },
        )
        assert (await self.post(activity)).status_code == 200

    async def at(self, when: datetime) -> None:
        self.clock.set(when)
        await self.app[SERVICES].scheduler.settle()

    def attachments(self, kind: str) -> list[dict[str, Any]]:
        return [
            attachment["content"]
            for call in self.connector.emulator.activities(CHAT)
            for attachment in call.body.get("attachments") or []
            if attachment["contentType"] == kind
        ]

    def reminders_sent(self) -> list[dict[str, Any]]:
        return [
            call.body["attachments"][0]["content"]
            for call in self.connector.emulator.activities(CHAT)
            if "deliveryKey" in (call.body.get("channelData") or {}).get("meetbot", {})
        ]


@pytest.fixture
async def delegated(
    graph: RunningGraph,
    connector: RunningConnector,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> AsyncIterator[Delegated]:
    monkeypatch.chdir(tmp_path)
    clock = ManualClock(T0)
    async with (
        serve_delegated(graph, clock=clock) as bot,
        httpx.AsyncClient(base_url=bot.url, timeout=30) as http,
    ):
        yield Delegated(bot.app, http, clock, bot.tokens, connector)


def warnings(card: dict[str, Any]) -> list[str]:
    return [b["text"] for b in card["body"] if b.get("color") == "Warning"]


def joins(card: dict[str, Any]) -> list[str]:
    return [a["url"] for a in card.get("actions", []) if a["type"] == "Action.OpenUrl"]


async def test_a_reminder_rereads_with_the_token_and_after_sign_out_arrives_marked(
    delegated: Delegated, graph: RunningGraph
) -> None:
    await delegated.sign_in()
    await delegated.say("meet Design review tomorrow 3pm")
    await delegated.say("meet Retro tomorrow 4pm")
    store = delegated.app[SERVICES].store
    first, second = sorted(await store.open_reminders(USER_AAD_ID), key=lambda r: r.starts_at)
    events = {e["id"]: e for e in graph.emulator.events(USER_AAD_ID)}
    assert set(events) == {first.event_id, second.event_id}

    await delegated.at(first.due_at)
    (card,) = delegated.reminders_sent()
    assert warnings(card) == []
    assert joins(card) == [events[first.event_id]["onlineMeeting"]["joinUrl"]]
    reads = [r for r in graph.emulator.requests if r.path == f"/v1.0/me/events/{first.event_id}"]
    assert reads and {(r.method, r.token, r.oid) for r in reads} == {
        ("GET", "delegated", USER_AAD_ID)
    }

    await delegated.say("sign out")
    assert delegated.tokens.stored(USER, "graph", "msteams") is None
    before = len(graph.emulator.requests)
    await delegated.at(second.due_at)

    _, second_card = delegated.reminders_sent()  # the first, and this one
    assert warnings(second_card) == [en.CATALOG.reminder_not_rechecked]
    assert joins(second_card) == [events[second.event_id]["onlineMeeting"]["joinUrl"]]
    assert "Retro" in str(second_card)
    assert len(graph.emulator.requests) == before  # no Graph call without the token
    sent = await store.get_reminder(second.id)
    assert sent is not None and sent.state is ReminderState.SENT
