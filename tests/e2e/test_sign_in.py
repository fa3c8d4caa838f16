"""Delegated mode end to end: Teams SSO through `/api/messages`, the token service stand-in and
the Graph emulator's `/me` calls.

The test plays the Teams client: it reads the OAuth card the bot sent to the connector, gets
the client's SSO token for that user from the token service and posts the `signin/tokenExchange`
invoke (or, after a failed exchange, opens the sign-in link and posts `signin/verifyState`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from aiohttp import web

from bot.app import create_app
from bot.i18n import en
from bot.serve import Served, serve
from bot.services import SERVICES
from bot.settings import load_settings, resolve
from emulators.token_service import TokenService
from tests.conftest import RunningConnector, RunningGraph
from tests.delegated import (
    CONNECTION,
    USER,
    exchange_invoke,
    oauth_cards,
    serve_delegated,
    verify_state_invoke,
)
from tests.factories import BOT_ID, TENANT_ID, USER_AAD_ID, make_message

LA = ZoneInfo("America/Los_Angeles")
MORNING = datetime(2026, 11, 21, 9, 0, tzinfo=LA)
MEET = "meet Design review tomorrow 3pm for 45m"
OTHER_USER = "29:megan-teams-id"
OTHER_AAD_ID = "7c5e2f0a-1b3d-4c6e-9f8a-2d4b6c8e0f1a"


@dataclass
class Delegated:
    """The bot in delegated mode, its token service, and a client that posts like Teams."""

    url: str
    app: web.Application
    tokens: TokenService
    token_server: Served
    http: httpx.AsyncClient

    async def post(self, activity: dict[str, Any]) -> httpx.Response:
        response = await self.http.post("/api/messages", json=activity)
        await self.app[SERVICES].pacer.drain()
        return response


@pytest.fixture
async def delegated(
    graph: RunningGraph, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> AsyncIterator[Delegated]:
    monkeypatch.chdir(tmp_path)
    async with (
        serve_delegated(graph) as bot,
        httpx.AsyncClient(base_url=bot.url, timeout=30) as http,
    ):
        yield Delegated(bot.url, bot.app, bot.tokens, bot.token_server, http)


def me_event_posts(graph: RunningGraph) -> list[Any]:
    return [
        r for r in graph.emulator.requests if r.method == "POST" and r.path == "/v1.0/me/events"
    ]


def join_cards(connector: RunningConnector, conversation_id: str) -> list[dict[str, Any]]:
    return [
        attachment["content"]
        for call in connector.emulator.activities(conversation_id)
        for attachment in call.body.get("attachments") or []
        if attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
        and "Design review" in str(attachment["content"])
    ]


async def test_a_first_meet_asks_to_sign_in_and_runs_once_the_token_is_exchanged(
    delegated: Delegated, graph: RunningGraph, connector: RunningConnector
) -> None:
    conversation = "a:1on1-sso"
    await delegated.post(
        make_message(
            MEET, service_url=connector.url, local_now=MORNING, conversation_id=conversation
        )
    )
    [card] = oauth_cards(connector, conversation)
    assert card["connectionName"] == CONNECTION
    assert card["tokenExchangeResource"]["uri"] == delegated.tokens.resource_uri
    assert card["buttons"][0]["type"] == "signin"
    assert graph.emulator.events(USER_AAD_ID) == []  # nothing made before the sign-in

    sso = delegated.tokens.sso_token(USER, USER_AAD_ID)
    answer = await delegated.post(
        exchange_invoke(card, sso, connector=connector, conversation_id=conversation)
    )
    assert answer.status_code == 200
    assert answer.json()["id"] == card["tokenExchangeResource"]["id"]

    [create] = me_event_posts(graph)
    assert create.token == "delegated"
    assert create.oid == USER_AAD_ID
    assert create.json["subject"] == "Design review"
    assert len(graph.emulator.events(USER_AAD_ID)) == 1
    assert len(join_cards(connector, conversation)) == 1
    # No call went to another user's mailbox or as the app.
    assert all(r.token != "app" for r in graph.emulator.requests if r.token)


async def test_the_same_exchange_three_times_runs_the_command_once(
    delegated: Delegated, graph: RunningGraph, connector: RunningConnector
) -> None:
    conversation = "a:1on1-three-clients"
    await delegated.post(
        make_message(
            MEET, service_url=connector.url, local_now=MORNING, conversation_id=conversation
        )
    )
    [card] = oauth_cards(connector, conversation)
    sso = delegated.tokens.sso_token(USER, USER_AAD_ID)
    invoke = exchange_invoke(card, sso, connector=connector, conversation_id=conversation)
    answers = await asyncio.gather(*(delegated.post(invoke) for _ in range(3)))
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert len(me_event_posts(graph)) == 1
    assert len(graph.emulator.events(USER_AAD_ID)) == 1
    assert len(join_cards(connector, conversation)) == 1


async def test_a_failed_exchange_answers_412_and_the_sign_in_link_then_signs_in(
    delegated: Delegated, graph: RunningGraph, connector: RunningConnector
) -> None:
    conversation = "a:1on1-consent"
    await delegated.post(
        make_message(
            MEET, service_url=connector.url, local_now=MORNING, conversation_id=conversation
        )
    )
    [card] = oauth_cards(connector, conversation)
    delegated.tokens.fail_next_exchange()
    sso = delegated.tokens.sso_token(USER, USER_AAD_ID)
    answer = await delegated.post(
        exchange_invoke(card, sso, connector=connector, conversation_id=conversation)
    )
    assert answer.status_code == 412
    assert answer.json()["failureDetail"]
    assert graph.emulator.events(USER_AAD_ID) == []

    # Teams shows the sign-in button; the user signs in and Teams sends the magic code.
    async with httpx.AsyncClient() as browser:
        page = await browser.get(card["buttons"][0]["value"])
    code = page.headers["X-Magic-Code"]
    answer = await delegated.post(
        verify_state_invoke(code, connector=connector, conversation_id=conversation)
    )
    assert answer.status_code == 200
    [create] = me_event_posts(graph)
    assert create.oid == USER_AAD_ID
    assert len(join_cards(connector, conversation)) == 1


async def test_sign_out_removes_the_token_and_the_next_command_asks_again(
    delegated: Delegated, graph: RunningGraph, connector: RunningConnector
) -> None:
    conversation = "a:1on1-sign-out"

    async def say(text: str) -> None:
        await delegated.post(
            make_message(
                text, service_url=connector.url, local_now=MORNING, conversation_id=conversation
            )
        )

    await say("upcoming")
    [card] = oauth_cards(connector, conversation)
    sso = delegated.tokens.sso_token(USER, USER_AAD_ID)
    await delegated.post(
        exchange_invoke(card, sso, connector=connector, conversation_id=conversation)
    )
    assert delegated.tokens.stored(USER, CONNECTION, "msteams") is not None
    views = [r for r in graph.emulator.requests if r.path == "/v1.0/me/calendarView"]
    assert len(views) == 1 and views[0].oid == USER_AAD_ID

    await say("sign out")
    assert delegated.tokens.stored(USER, CONNECTION, "msteams") is None
    await say(MEET)
    assert len(oauth_cards(connector, conversation)) == 2
    assert graph.emulator.events(USER_AAD_ID) == []


async def test_in_a_group_chat_a_members_token_never_runs_another_members_command(
    delegated: Delegated, graph: RunningGraph, connector: RunningConnector
) -> None:
    group = "19:group-chat@thread.v2"
    mention = {
        "type": "mention",
        "text": "<at>Meetbot</at>",
        "mentioned": {"id": BOT_ID, "name": "Meetbot"},
    }

    def in_group(activity: dict[str, Any], *, user: str, aad: str) -> dict[str, Any]:
        activity["conversation"] = {
            "conversationType": "groupChat",
            "tenantId": TENANT_ID,
            "id": group,
        }
        activity["from"] = {
            "id": user,
            "name": "Megan" if user == OTHER_USER else "Alex",
            "aadObjectId": aad,
        }
        return activity

    meet = make_message(f"<at>Meetbot</at> {MEET}", service_url=connector.url, local_now=MORNING)
    meet["entities"].append(mention)
    await delegated.post(in_group(meet, user=USER, aad=USER_AAD_ID))
    [card] = oauth_cards(connector, group)

    # Megan's client answers the card shown in the chat with her own SSO token.
    megan = delegated.tokens.sso_token(OTHER_USER, OTHER_AAD_ID)
    answer = await delegated.post(
        in_group(
            exchange_invoke(card, megan, connector=connector), user=OTHER_USER, aad=OTHER_AAD_ID
        )
    )
    assert answer.status_code == 200
    assert me_event_posts(graph) == []
    assert graph.emulator.events(OTHER_AAD_ID) == []

    # Alex's own exchange runs Alex's command, as Alex.
    alex = delegated.tokens.sso_token(USER, USER_AAD_ID)
    await delegated.post(
        in_group(exchange_invoke(card, alex, connector=connector), user=USER, aad=USER_AAD_ID)
    )
    [create] = me_event_posts(graph)
    assert create.oid == USER_AAD_ID
    assert len(graph.emulator.events(USER_AAD_ID)) == 1
    assert graph.emulator.events(OTHER_AAD_ID) == []
    assert len(join_cards(connector, group)) == 1


async def test_a_channel_mention_asks_in_private_and_answers_in_the_thread(
    delegated: Delegated, graph: RunningGraph, connector: RunningConnector
) -> None:
    thread = "19:general@thread.tacv2;messageid=1700000000001"
    meet = make_message(f"<at>Meetbot</at> {MEET}", service_url=connector.url, local_now=MORNING)
    meet["entities"].append(
        {
            "type": "mention",
            "text": "<at>Meetbot</at>",
            "mentioned": {"id": BOT_ID, "name": "Meetbot"},
        }
    )
    meet["conversation"] = {"conversationType": "channel", "tenantId": TENANT_ID, "id": thread}
    meet["channelData"] = {
        "tenant": {"id": TENANT_ID},
        "team": {"id": "19:team@thread.tacv2"},
        "channel": {"id": "19:general@thread.tacv2"},
    }
    await delegated.post(meet)

    # Nothing in the thread another member could use to sign in as Alex.
    in_thread = [call.body for call in connector.emulator.activities(thread)]
    assert in_thread and all(not body.get("attachments") for body in in_thread)
    assert all("http" not in (body.get("text") or "") for body in in_thread)
    assert "Alex" in in_thread[-1]["text"]
    # The card went to Alex in a 1:1 chat the bot opened.
    [created] = [c for c in connector.emulator.calls if c.kind == "create"]
    assert [m["id"] for m in created.body["members"]] == [USER]
    private = created.resource_id
    [card] = oauth_cards(connector, private)

    sso = delegated.tokens.sso_token(USER, USER_AAD_ID)
    answer = await delegated.post(
        exchange_invoke(card, sso, connector=connector, conversation_id=private)
    )
    assert answer.status_code == 200
    [create] = me_event_posts(graph)
    assert create.oid == USER_AAD_ID
    assert len(join_cards(connector, thread)) == 1  # answered where it was asked
    assert join_cards(connector, private) == []


async def test_sign_in_in_application_mode_says_there_is_nothing_to_sign_in_to(
    post: Any, connector: RunningConnector
) -> None:
    await post(make_message("sign in", service_url=connector.url, conversation_id="a:app-mode"))
    [reply] = connector.emulator.activities("a:app-mode")
    assert "nothing to sign in" in reply.body["text"]


async def test_help_says_whether_the_sender_is_signed_in(
    delegated: Delegated, connector: RunningConnector
) -> None:
    conversation = "a:1on1-help"

    async def help_text() -> str:
        await delegated.post(
            make_message("help", service_url=connector.url, conversation_id=conversation)
        )
        return str(connector.emulator.activities(conversation)[-1].body["attachments"][0])

    assert "Not signed in" in await help_text()
    await delegated.post(
        make_message("sign in", service_url=connector.url, conversation_id=conversation)
    )
    [card] = oauth_cards(connector, conversation)
    sso = delegated.tokens.sso_token(USER, USER_AAD_ID)
    answer = await delegated.post(
        exchange_invoke(card, sso, connector=connector, conversation_id=conversation)
    )
    assert answer.status_code == 200
    assert "signed in" in connector.emulator.activities(conversation)[-1].body["text"]
    text = await help_text()
    assert "Signed in" in text and "Not signed in" not in text
    await delegated.post(
        make_message("sign in", service_url=connector.url, conversation_id=conversation)
    )
    assert "already signed in" in connector.emulator.activities(conversation)[-1].body["text"]


async def test_a_token_for_another_entra_user_is_refused_and_signed_out(
    delegated: Delegated, graph: RunningGraph, connector: RunningConnector
) -> None:
    conversation = "a:1on1-wrong-account"
    await delegated.post(
        make_message(
            MEET, service_url=connector.url, local_now=MORNING, conversation_id=conversation
        )
    )
    [card] = oauth_cards(connector, conversation)
    # Alex's Teams account, but the SSO token (and so the Graph token) is Megan's.
    sso = delegated.tokens.sso_token(USER, OTHER_AAD_ID)
    answer = await delegated.post(
        exchange_invoke(card, sso, connector=connector, conversation_id=conversation)
    )
    assert answer.status_code == 200
    assert me_event_posts(graph) == []
    assert delegated.tokens.stored(USER, CONNECTION, "msteams") is None
    reply = connector.emulator.activities(conversation)[-1].body
    assert reply["text"] == en.CATALOG.sign_in_wrong_account


async def test_a_silent_token_service_gets_one_clear_sentence_and_nothing_is_made(
    delegated: Delegated, graph: RunningGraph, connector: RunningConnector
) -> None:
    conversation = "a:1on1-token-service-down"
    await delegated.post(
        make_message("help", service_url=connector.url, conversation_id=conversation)
    )
    await delegated.token_server.close()  # the token service goes away
    answer = await delegated.post(
        make_message(
            MEET, service_url=connector.url, local_now=MORNING, conversation_id=conversation
        )
    )
    assert answer.status_code in {200, 201}
    reply = connector.emulator.activities(conversation)[-1].body
    assert reply["text"] == en.CATALOG.sign_in_unavailable
    assert graph.emulator.events(USER_AAD_ID) == []
    assert oauth_cards(connector, conversation) == []


async def test_a_deployed_delegated_bot_starts_without_any_app_only_graph_credential(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Real Graph, real token service, as an Azure Bot would run it: nothing is contacted at
    start-up, and no app-only Graph token can be had (none is configured)."""
    monkeypatch.chdir(tmp_path)
    config = resolve(
        load_settings(
            GRAPH_PERMISSIONS="delegated",
            OAUTH_CONNECTION_NAME=CONNECTION,
            MicrosoftAppId="11111111-2222-3333-4444-555555555555",
            MicrosoftAppPassword="bot-secret",
            MicrosoftAppType="SingleTenant",
            MicrosoftAppTenantId=TENANT_ID,
        )
    )
    served = await serve(create_app(config))
    try:
        async with httpx.AsyncClient(base_url=served.url) as client:
            health = (await client.get("/healthz")).json()
    finally:
        await served.close()
    assert health["status"] == "ok" and health["mode"] == "cloud"
    assert config.graph is None and config.graph_base_url == "https://graph.microsoft.com/v1.0"
