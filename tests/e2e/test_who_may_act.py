"""Who may act, end to end: the calendar Meetbot touches is always the sender's own.

Each test tries to make the bot act for someone else (text, card values, mentions,
`channelData`, another member's click, another tenant, no Entra id at all) and asserts on the
Graph emulator's request log that only `/users/<sender's aadObjectId>/...` was touched, or that
Graph was not called at all.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote
from zoneinfo import ZoneInfo

import httpx
import pytest
from aiohttp import web

from bot.app import create_app
from bot.i18n import en
from bot.serve import serve
from bot.services import SERVICES
from bot.settings import load_settings, resolve
from tests.conftest import RunningConnector, RunningGraph
from tests.e2e.test_conversations import _actions
from tests.e2e.test_meet import card_text, sent_cards
from tests.factories import BOT_ID, TENANT_ID, USER_AAD_ID, make_message, new_conversation_id

LA = ZoneInfo("America/Los_Angeles")
ADELE_AAD_ID = "0c4e6d25-7f0a-4c7e-9d6b-5a1f2e3d4c5b"
ADELE = {"id": "29:adele-teams-id", "name": "Adele Vance", "aadObjectId": ADELE_AAD_ID}
OTHER_TENANT = "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"

Send = Callable[[dict[str, Any]], Awaitable[httpx.Response]]


# --- helpers ------------------------------------------------------------------------------------


def users_touched(graph: RunningGraph, since: int = 0) -> set[str]:
    """Every user id in a `/v1.0/users/{id}/...` path Graph received (after request `since`)."""
    touched = set()
    for request in graph.emulator.requests[since:]:
        parts = request.path.split("/")
        if len(parts) > 3 and parts[2] == "users":
            touched.add(unquote(parts[3]))
    return touched


def message(
    text: str,
    connector: RunningConnector,
    conversation: str,
    *,
    sender: dict[str, Any] | None = None,
    group: bool = False,
    value: dict[str, Any] | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """A message (or, with `value`, a card submission) from Alex (default) or `sender`. In a
    group chat a typed message @mentions the bot, as Teams requires."""
    activity = make_message(
        text,
        service_url=connector.url,
        conversation_id=conversation,
        local_now=datetime.now(LA),
        **overrides,
    )
    if sender is not None:
        activity["from"] = dict(sender)
    if group:
        activity["conversation"]["conversationType"] = "groupChat"
        activity["conversation"]["isGroup"] = True
        if value is None:
            activity["text"] = f"<at>Meetbot</at> {text}"
            activity["entities"].append(
                {
                    "type": "mention",
                    "text": "<at>Meetbot</at>",
                    "mentioned": {"id": BOT_ID, "name": "Meetbot"},
                }
            )
    if value is not None:
        activity.pop("text")
        activity["value"] = value
    return activity


def texts(connector: RunningConnector, conversation: str) -> list[str]:
    return [str(c.body.get("text") or "") for c in connector.emulator.activities(conversation)]


def seed_offline_event(graph: RunningGraph, user: str, subject: str) -> dict[str, Any]:
    start = datetime.now(LA).replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
    return graph.emulator.seed_event(
        user,
        {
            "subject": subject,
            "start": {"dateTime": start.strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": "UTC"},
            "end": {
                "dateTime": (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S"),
                "timeZone": "UTC",
            },
        },
    )


def button(card: dict[str, Any], action: str, **match: Any) -> dict[str, Any]:
    """The data of the card's one Submit button for `action` (and `match`ing fields)."""
    found = [
        a["data"]
        for a in _actions(card)
        if isinstance(a.get("data"), dict)
        and a["data"].get("meetbot") == action
        and all(a["data"].get(k) == v for k, v in match.items())
    ]
    assert len(found) == 1, card
    return dict(found[0])


def served_app(graph: RunningGraph, tmp_path: Path, **settings: str) -> web.Application:
    """Settings as the environment would give them; the caller serves the app."""
    return create_app(
        resolve(
            load_settings(
                _env_file=None,
                GRAPH_BASE_URL=f"{graph.url}/v1.0",
                GRAPH_CA_BUNDLE=str(graph.ca_file),
                DATABASE_URL=f"sqlite:///{tmp_path / 'meetbot.db'}",
                **settings,
            )
        )
    )


@pytest.fixture
async def send(post: Any) -> Send:
    async def _send(activity: dict[str, Any]) -> httpx.Response:
        response: httpx.Response = await post(activity)
        assert response.status_code in (200, 201), response.text
        return response

    return _send


# --- text, card values, mentions and channelData name no one else --------------------------------


@pytest.mark.parametrize(
    "exchange",
    [
        ["meet Sync as adele@contoso.com tomorrow 3pm"],
        # an incomplete line: the dialog asks for the time, then creates
        ["meet Design review tomorrow 3pm as adele@contoso.com", "tomorrow 3pm"],
        [f"meet now on behalf of {ADELE_AAD_ID}"],
        [f"meet now organizer={ADELE_AAD_ID} user=adele@contoso.com"],
    ],
    ids=["meet-as", "dialog-as", "meet-now-on-behalf", "meet-now-organizer"],
)
async def test_text_naming_another_user_acts_on_the_senders_calendar(
    exchange: list[str], send: Send, graph: RunningGraph, connector: RunningConnector
) -> None:
    conversation = new_conversation_id()
    for text in exchange:
        await send(message(text, connector, conversation))

    assert users_touched(graph) == {USER_AAD_ID}
    created = graph.emulator.events(USER_AAD_ID) + graph.emulator.online_meetings(USER_AAD_ID)
    assert len(created) == 1
    assert graph.emulator.events(ADELE_AAD_ID) == []
    assert graph.emulator.online_meetings(ADELE_AAD_ID) == []


async def test_card_values_naming_another_user_are_ignored(
    send: Send, graph: RunningGraph, connector: RunningConnector
) -> None:
    mine = seed_offline_event(graph, USER_AAD_ID, "Vendor call")
    conversation = new_conversation_id()
    forged = {
        "userId": ADELE_AAD_ID,
        "aadObjectId": ADELE_AAD_ID,
        "organizer": {"emailAddress": {"address": "adele@contoso.com"}},
        "onBehalfOf": ADELE_AAD_ID,
        "user": ADELE,
    }
    make_online = {"meetbot": "make_online", "eventId": mine["id"], "for": USER_AAD_ID} | forged
    await send(message("", connector, conversation, value=make_online))
    tomorrow = (datetime.now(LA) + timedelta(days=1)).date().isoformat()
    form = {
        "meetbot": "schedule_form",
        "subject": "Budget review",
        "date": tomorrow,
        "time": "14:30",
        "duration": "30",
        "attendees": "",
    } | forged
    await send(message("", connector, conversation, value=form))

    assert users_touched(graph) == {USER_AAD_ID}
    [patch] = [r for r in graph.emulator.requests if r.method == "PATCH"]
    assert unquote(patch.path) == f"/v1.0/users/{USER_AAD_ID}/events/{mine['id']}"
    assert {e["subject"] for e in graph.emulator.events(USER_AAD_ID)} == {
        "Vendor call",
        "Budget review",
    }
    assert graph.emulator.events(ADELE_AAD_ID) == []


async def test_another_users_event_id_in_a_card_value_reaches_only_the_senders_mailbox(
    send: Send, graph: RunningGraph, connector: RunningConnector
) -> None:
    hers = seed_offline_event(graph, ADELE_AAD_ID, "Adele's 1:1")
    conversation = new_conversation_id()
    for action in (
        {"meetbot": "make_online", "eventId": hers["id"], "for": USER_AAD_ID},
        {"meetbot": "cancel_meeting", "eventId": hers["id"], "for": USER_AAD_ID, "confirm": True},
    ):
        await send(message("", connector, conversation, value=action))

    assert users_touched(graph) == {USER_AAD_ID}  # her event id looked up in his mailbox
    [still] = graph.emulator.events(ADELE_AAD_ID)
    assert still["id"] == hers["id"] and not still["isOnlineMeeting"]
    assert graph.emulator.cancelled_events(ADELE_AAD_ID) == []


async def test_mentions_and_channel_data_on_behalf_of_do_not_change_the_organizer(
    send: Send, graph: RunningGraph, connector: RunningConnector
) -> None:
    connector.emulator.add_member(
        "19:general@thread.tacv2", ADELE | {"email": "AdeleV@contoso.com"}
    )
    activity = message(
        "meet Planning tomorrow 10am with <at>Adele Vance</at>",
        connector,
        "19:general@thread.tacv2;messageid=1700000000999",
        group=True,
    )
    activity["conversation"]["conversationType"] = "channel"
    activity["entities"].append(
        {
            "type": "mention",
            "text": "<at>Adele Vance</at>",
            "mentioned": {"id": ADELE["id"], "name": "Adele Vance", "aadObjectId": ADELE_AAD_ID},
        }
    )
    activity["channelData"] |= {
        "onBehalfOf": [
            {
                "itemid": 0,
                "mentionType": "person",
                "mri": ADELE["id"],
                "displayName": "Adele Vance",
            }
        ],
        "tenant": {"id": TENANT_ID},
        "aadObjectId": ADELE_AAD_ID,
    }
    activity["from"]["properties"] = {"aadObjectId": ADELE_AAD_ID}
    await send(activity)

    assert users_touched(graph) == {USER_AAD_ID}
    [event] = graph.emulator.events(USER_AAD_ID)
    assert [a["emailAddress"]["address"] for a in event["attendees"]] == ["AdeleV@contoso.com"]
    assert graph.emulator.events(ADELE_AAD_ID) == []


async def test_another_users_reminder_id_in_a_card_value_changes_nothing(
    send: Send, graph: RunningGraph, connector: RunningConnector
) -> None:
    hers = new_conversation_id()
    await send(message("meet Her sync tomorrow 3pm", connector, hers, sender=ADELE))
    reminder_id = button(sent_cards(connector, hers)[0], "set_reminder")["reminderId"]
    await send(message("reminders", connector, hers, sender=ADELE))
    before = sent_cards(connector, hers)[-1]

    mine = new_conversation_id()
    for action in (
        {"meetbot": "cancel_reminder", "reminderId": reminder_id, "for": USER_AAD_ID},
        {"meetbot": "set_reminder", "reminderId": reminder_id, "for": USER_AAD_ID, "minutes": "-"},
        {"meetbot": "set_reminder", "reminderId": reminder_id, "for": USER_AAD_ID, "minutes": "5"},
    ):
        await send(message("", connector, mine, value=action))

    await send(message("reminders", connector, hers, sender=ADELE))
    assert sent_cards(connector, hers)[-1] == before  # still there, still 10 minutes before
    assert "Her sync" in json.dumps(before)


# --- a card button made for one user, clicked by another -----------------------------------------


async def _make_online_card(send: Send, graph: RunningGraph, conversation: str, c: Any) -> Any:
    seed_offline_event(graph, USER_AAD_ID, "Vendor call")
    await send(message("online", c, conversation, group=True))
    return button(sent_cards(c, conversation)[-1], "make_online")


async def _cancel_meeting_card(send: Send, graph: RunningGraph, conversation: str, c: Any) -> Any:
    await send(message("meet Budget sync tomorrow 5pm", c, conversation, group=True))
    await send(message("cancel meeting budget", c, conversation, group=True))
    return button(sent_cards(c, conversation)[-1], "cancel_meeting", confirm=True)


async def _set_reminder_card(send: Send, graph: RunningGraph, conversation: str, c: Any) -> Any:
    await send(message("meet Budget sync tomorrow 5pm", c, conversation, group=True))
    return button(sent_cards(c, conversation)[-1], "set_reminder") | {"minutes": "-"}


async def _cancel_reminder_card(send: Send, graph: RunningGraph, conversation: str, c: Any) -> Any:
    await send(message("meet Budget sync tomorrow 5pm", c, conversation, group=True))
    await send(message("reminders", c, conversation, group=True))
    return button(sent_cards(c, conversation)[-1], "cancel_reminder")


@pytest.mark.parametrize(
    "make_card",
    [_make_online_card, _cancel_meeting_card, _set_reminder_card, _cancel_reminder_card],
    ids=["make-online", "cancel-meeting", "set-reminder", "cancel-reminder"],
)
async def test_another_members_click_on_a_card_is_refused_politely_and_changes_nothing(
    make_card: Callable[..., Awaitable[dict[str, Any]]],
    send: Send,
    graph: RunningGraph,
    connector: RunningConnector,
) -> None:
    conversation = new_conversation_id()
    data = await make_card(send, graph, conversation, connector)
    assert data["for"] == USER_AAD_ID
    await send(message("reminders", connector, conversation, group=True))
    reminders_before = sent_cards(connector, conversation)[-1]
    events_before = graph.emulator.events(USER_AAD_ID)
    graph_before = len(graph.emulator.requests)
    said_before = len(connector.emulator.activities(conversation))

    await send(message("", connector, conversation, sender=ADELE, group=True, value=data))

    assert texts(connector, conversation)[said_before:] == [en.CATALOG.not_for_you]
    assert graph.emulator.requests[graph_before:] == []
    assert graph.emulator.events(USER_AAD_ID) == events_before
    assert graph.emulator.cancelled_events(USER_AAD_ID) == []
    await send(message("reminders", connector, conversation, group=True))
    assert sent_cards(connector, conversation)[-1] == reminders_before


# --- a card action names the card it came from; only the sender's own card is replaced ---------


FORGED_ACTIONS = {
    "schedule-form": {
        "meetbot": "schedule_form",
        "subject": "Her sync",
        "date": "2031-03-04",
        "time": "10:00",
        "duration": "30",
        "attendees": "",
    },
    "schedule-form-invalid": {
        "meetbot": "schedule_form",
        "subject": "Her sync",
        "date": "2031-03-04",
        "time": "10:00",
        "duration": "30",
        "attendees": "not-an-email",
    },
    "cancel-meeting-kept": {
        "meetbot": "cancel_meeting",
        "for": ADELE_AAD_ID,
        "eventId": "AAMkHer",
        "subject": "Her sync",
        "confirm": False,
    },
    "cancel-reminder": {"meetbot": "cancel_reminder", "for": ADELE_AAD_ID, "reminderId": "r-1"},
}


@pytest.mark.parametrize("value", FORGED_ACTIONS.values(), ids=FORGED_ACTIONS.keys())
async def test_a_card_action_naming_another_members_card_answers_with_a_new_message(
    value: dict[str, Any], send: Send, connector: RunningConnector
) -> None:
    """Adele's own action, with `replyToId` set to the reminders list Meetbot sent Alex: her
    answer comes as a new message and his card is left as it is."""
    conversation = new_conversation_id()
    await send(message("meet Budget sync tomorrow 5pm", connector, conversation, group=True))
    await send(message("reminders", connector, conversation, group=True))
    alex_card = connector.emulator.activities(conversation)[-1]
    assert alex_card.resource_id and alex_card.body["attachments"]
    said_before = len(connector.emulator.activities(conversation))

    forged = message(
        "",
        connector,
        conversation,
        sender=ADELE,
        group=True,
        value=value,
        replyToId=alex_card.resource_id,
    )
    await send(forged)

    answers = connector.emulator.activities(conversation)[said_before:]
    assert [c.kind for c in answers] == ["reply"]
    assert answers[0].body["attachments"]
    # his card, clicked by him, is still his to replace
    await send(
        message(
            "",
            connector,
            conversation,
            group=True,
            replyToId=alex_card.resource_id,
            value=button(alex_card.body["attachments"][0]["content"], "cancel_reminder"),
        )
    )
    [update] = connector.emulator.activities(conversation)[said_before + 1 :]
    assert update.kind == "update" and update.activity_id == alex_card.resource_id


# --- a dialog belongs to the member who started it -----------------------------------------------


async def test_in_a_group_chat_only_the_member_who_started_a_dialog_can_answer_it(
    send: Send, graph: RunningGraph, connector: RunningConnector
) -> None:
    conversation = new_conversation_id()
    await send(message("meet Board sync", connector, conversation, group=True))
    asked = len(connector.emulator.activities(conversation))
    await send(message("cancel", connector, conversation, sender=ADELE, group=True))
    await send(message("tomorrow 3pm", connector, conversation, sender=ADELE, group=True))

    assert graph.emulator.requests == []  # her answer neither cancelled nor completed his
    assert en.CATALOG.nothing_to_cancel in texts(connector, conversation)[asked:]

    await send(message("tomorrow 3pm", connector, conversation, group=True))
    assert users_touched(graph) == {USER_AAD_ID}
    [event] = graph.emulator.events(USER_AAD_ID)
    assert event["subject"] == "Board sync"


# --- no Entra id: refused without Graph ----------------------------------------------------------


@pytest.fixture
async def cloud_send(
    graph: RunningGraph, tmp_path: Path
) -> AsyncIterator[tuple[Send, web.Application]]:
    """The bot in cloud mode (real Graph credentials, against the emulator): no fallback to the
    channel user id, as there is for simulated meetings in local mode."""
    app = served_app(
        graph,
        tmp_path,
        GRAPH_AUTHORITY_HOST=graph.url,
        GRAPH_TENANT_ID=graph.emulator.config.tenant_id,
        GRAPH_CLIENT_ID="meetbot-local",
        GRAPH_CLIENT_SECRET="meetbot-local-secret",
    )
    served = await serve(app)
    async with httpx.AsyncClient(base_url=served.url, timeout=30) as client:

        async def _send(activity: dict[str, Any]) -> httpx.Response:
            response = await client.post("/api/messages", json=activity)
            assert response.status_code in (200, 201), response.text
            return response

        yield _send, app
    await served.close()


async def test_in_cloud_mode_a_sender_without_an_entra_id_is_refused_without_graph(
    cloud_send: tuple[Send, web.Application], graph: RunningGraph, connector: RunningConnector
) -> None:
    send, app = cloud_send
    assert app[SERVICES].mode == "cloud"
    conversation = new_conversation_id()
    guest = {"id": "29:anonymous-guest", "name": "Guest"}  # no aadObjectId: a meeting guest
    for activity in (
        message("meet now Quick sync", connector, conversation, sender=guest),
        message("meet Sync tomorrow 3pm", connector, conversation, sender=guest),
        message("upcoming", connector, conversation, sender=guest),
        message("meet", connector, conversation, sender=guest),
        message(
            "",
            connector,
            conversation,
            sender=guest,
            value={"meetbot": "make_online", "eventId": "x", "for": "29:anonymous-guest"},
        ),
    ):
        await send(activity)

    assert graph.emulator.requests == [] and graph.emulator.token_requests == 0
    cards = sent_cards(connector, conversation)
    assert len(cards) == 5
    assert all(en.CATALOG.unknown_sender in card_text(card) for card in cards)


async def test_in_cloud_mode_a_signed_in_sender_is_served(
    cloud_send: tuple[Send, web.Application], graph: RunningGraph, connector: RunningConnector
) -> None:
    send, _app = cloud_send
    conversation = new_conversation_id()
    await send(message("meet now Quick sync", connector, conversation))
    assert users_touched(graph) == {USER_AAD_ID}
    assert len(graph.emulator.online_meetings(USER_AAD_ID)) == 1


# --- ALLOWED_TENANTS ---------------------------------------------------------------------------


@pytest.fixture
async def allow_listed(
    graph: RunningGraph, tmp_path: Path
) -> AsyncIterator[tuple[Send, web.Application]]:
    """The bot serving only TENANT_ID (written in upper case: ids compare case-insensitively)
    and one other tenant."""
    app = served_app(
        graph,
        tmp_path,
        ALLOWED_TENANTS=f" {TENANT_ID.upper()} , 11111111-2222-3333-4444-555555555555",
    )
    served = await serve(app)
    async with httpx.AsyncClient(base_url=served.url, timeout=30) as client:

        async def _send(activity: dict[str, Any]) -> httpx.Response:
            response = await client.post("/api/messages", json=activity)
            assert response.status_code in (200, 201), response.text
            return response

        yield _send, app
    await served.close()


def _from_tenant(
    activity: dict[str, Any], channel_data: str | None, conversation: str | None
) -> Any:
    activity["channelData"] = {"tenant": {"id": channel_data}} if channel_data else {}
    activity["conversation"].pop("tenantId", None)
    if conversation:
        activity["conversation"]["tenantId"] = conversation
    return activity


@pytest.mark.parametrize(
    ("channel_data", "conversation_tenant"),
    [
        (OTHER_TENANT, OTHER_TENANT),
        (OTHER_TENANT, None),
        (None, OTHER_TENANT),
        (TENANT_ID, OTHER_TENANT),  # the two places disagree: not trusted
        (None, None),  # no tenant named at all
    ],
    ids=["other", "other-channel-data", "other-conversation", "disagreeing", "none"],
)
async def test_another_tenant_gets_one_polite_sentence_and_nothing_else(
    channel_data: str | None,
    conversation_tenant: str | None,
    allow_listed: tuple[Send, web.Application],
    graph: RunningGraph,
    connector: RunningConnector,
) -> None:
    send, app = allow_listed
    store = app[SERVICES].store
    conversation = new_conversation_id()
    for activity in (
        message("meet now Quick sync", connector, conversation),
        message("meet", connector, conversation),  # would start a dialog (state)
        message(
            "",
            connector,
            conversation,
            value={"meetbot": "make_online", "eventId": "x", "for": USER_AAD_ID},
        ),
    ):
        await send(_from_tenant(activity, channel_data, conversation_tenant))

    assert graph.emulator.requests == [] and graph.emulator.token_requests == 0
    assert texts(connector, conversation) == [en.CATALOG.tenant_not_allowed] * 3
    assert await store.get_reference(conversation) is None
    assert await store.read([f"msteams/conversations/{conversation}"]) == {}


async def test_another_tenant_in_a_group_chat_without_a_mention_hears_nothing(
    allow_listed: tuple[Send, web.Application], graph: RunningGraph, connector: RunningConnector
) -> None:
    send, app = allow_listed
    conversation = new_conversation_id()
    activity = message("meet now Quick sync", connector, conversation)
    activity["conversation"]["conversationType"] = "groupChat"
    await send(_from_tenant(activity, OTHER_TENANT, OTHER_TENANT))
    update = make_message(
        service_url=connector.url, conversation_id=conversation, type="conversationUpdate"
    )
    update["membersAdded"] = [{"id": BOT_ID}]
    await send(_from_tenant(update, OTHER_TENANT, None))

    assert connector.emulator.activities(conversation) == []
    assert graph.emulator.requests == []
    assert await app[SERVICES].store.get_reference(conversation) is None


@pytest.mark.parametrize(
    ("channel_data", "conversation_tenant"),
    [(TENANT_ID, TENANT_ID), (TENANT_ID.upper(), None), (None, TENANT_ID)],
    ids=["both", "channel-data-only", "conversation-only"],
)
async def test_an_allowed_tenant_is_served(
    channel_data: str | None,
    conversation_tenant: str | None,
    allow_listed: tuple[Send, web.Application],
    graph: RunningGraph,
    connector: RunningConnector,
) -> None:
    send, app = allow_listed
    conversation = new_conversation_id()
    activity = message("meet now Quick sync", connector, conversation)
    await send(_from_tenant(activity, channel_data, conversation_tenant))

    assert users_touched(graph) == {USER_AAD_ID}
    assert len(sent_cards(connector, conversation)) == 1
    assert await app[SERVICES].store.get_reference(conversation) is not None
