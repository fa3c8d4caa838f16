"""What real Graph does besides failing, end to end: each quirk switched on in the Graph
emulator (`emulators.graph.quirks`), each handled by the bot, through /api/messages.

- a create answered 201 without a Teams meeting (microsoft-graph-docs#9740, #22355): read
  again, made online in place, never booked twice; when that fails, said plainly;
- a create answered before `onlineMeeting` was filled in: read again, the link shown;
- event ids that change when the event moves: the bot asks for immutable ids, so a reminder
  finds the moved meeting;
- a user without an Exchange Online mailbox (404 MailboxNotEnabledForRESTAPI);
- the missing application access policy's 403 in each of its wordings.

Every user here has the joinUrl-only `onlineMeeting` of an organizer without audio
conferencing (microsoft-graph-docs#15861, #10215), and every card is checked for a Join
button without a dial-in section. The stack is test_graph_faults.py's (a fast retry policy,
an injected clock), one per module.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import pytest_asyncio
from aiohttp import web

from bot.i18n import en
from bot.store import SqliteStore
from emulators.tls import TlsIdentity
from tests.e2e.test_graph_faults import Bot, Stack, new_user, running_stack
from tests.e2e.test_meet import card_text, join_url

EN = en.CATALOG
EVENTS = "/events"
HOLD = timedelta(seconds=60)  # REMINDER_LEASE_SECONDS' default: a turn's hold on its create
pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def stack(
    tls_identity: TlsIdentity, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Stack]:
    # SQLite's busy timeout (5 s) ends a locked write before the call's own bound does, as in
    # test_meet_interrupted: a write must fail, not wait out the lock and land after it.
    directory = tmp_path_factory.mktemp("graph-quirks")
    async with running_stack(tls_identity, directory, STORE_TIMEOUT_SECONDS="20") as running:
        yield running


@pytest_asyncio.fixture(loop_scope="module")
async def bot(stack: Stack) -> AsyncIterator[Bot]:
    async with new_user(stack) as made:
        yield made


def expect_join_only(card: dict[str, Any], stored: dict[str, Any]) -> None:
    """The card's Join button opens the event's link, and no dial-in section is shown."""
    assert stored["onlineMeeting"] == {"joinUrl": stored["onlineMeeting"]["joinUrl"]}
    assert join_url(card) == stored["onlineMeeting"]["joinUrl"]
    text = card_text(card)
    assert "tel:" not in text and EN.dial_in_heading not in text
    assert EN.toll_label not in text and EN.conference_id_label not in text


async def test_a_create_answered_without_teams_is_made_online_in_place(bot: Bot) -> None:
    bot.graph.faults.inject(f"POST /users/{bot.user}/events", quirk="notOnline")
    await bot.send("meet Design review tomorrow 3pm")

    [create] = bot.calls("POST", EVENTS)
    assert create.status == 201 and create.json["isOnlineMeeting"] is True
    [read] = [r for r in bot.calls("GET", "") if "/events/" in r.path]
    assert read.query["$select"] == "isOnlineMeeting,onlineMeetingProvider,onlineMeeting"
    [patch] = bot.calls("PATCH", "")
    assert patch.json == {"isOnlineMeeting": True, "onlineMeetingProvider": "teamsForBusiness"}
    [stored] = bot.events()  # the same event, made online: not booked twice
    assert stored["isOnlineMeeting"] is True
    assert patch.path.endswith(f"/events/{stored['id']}")
    expect_join_only(bot.last_card(), stored)
    assert "gave it no Teams link" not in card_text(bot.last_card())


async def test_every_create_answered_without_teams_is_made_online(bot: Bot) -> None:
    bot.graph.faults.inject(f"POST /users/{bot.user}/events", quirk="notOnline", times=None)
    await bot.send("meet Retro tomorrow 3pm")
    await bot.send("meet Planning tomorrow 4pm")

    assert len(bot.calls("POST", EVENTS)) == 2 and len(bot.calls("PATCH", "")) == 2
    first, second = bot.events()
    assert first["isOnlineMeeting"] and second["isOnlineMeeting"]
    expect_join_only(bot.last_card(), second)


async def test_a_create_left_offline_is_said_plainly_and_not_booked_twice(bot: Bot) -> None:
    bot.graph.faults.inject(f"POST /users/{bot.user}/events", quirk="notOnline")
    bot.graph.faults.inject(f"PATCH /users/{bot.user}/events/{{event}}", status=500, times=None)
    await bot.send("meet Budget tomorrow 3pm")

    [stored] = bot.events()
    assert stored["isOnlineMeeting"] is False and stored["onlineMeeting"] is None
    assert len(bot.calls("POST", EVENTS)) == 1
    card = bot.last_card()
    text = card_text(card)
    assert EN.created_without_join_link.format(subject="Budget") in text
    assert "Action.OpenUrl" not in text
    # It is booked: its reminder is set like any other's.
    assert await bot.reminded_events() == {stored["id"]}


async def test_a_reconciled_create_left_offline_is_made_online_then(bot: Bot) -> None:
    """The turn's create came back offline, making it online failed and so did the reminder
    write: the reconcile (the same transactionId) gets the offline event back and makes it
    online before posting its card."""
    user = bot.user
    bot.graph.faults.inject(f"POST /users/{user}/events", quirk="notOnline")
    bot.graph.faults.inject(f"PATCH /users/{user}/events/{{event}}", status=500, times=None)
    store = bot.stack.store
    assert isinstance(store, SqliteStore)
    other = sqlite3.connect(store.path, isolation_level=None)

    async def lock_during_the_create(request: web.Request) -> None:
        if request.method == "POST" and request.path.endswith("/events"):
            other.execute("BEGIN IMMEDIATE")  # the reminder write after it meets a locked store

    bot.graph.before_handle = lock_during_the_create
    try:
        await bot.send("meet Review tomorrow 3pm")
    finally:
        bot.graph.before_handle = None
        other.execute("ROLLBACK")
        other.close()
    assert EN.created_unfinished in card_text(bot.last_card())
    [stored] = bot.events()
    assert stored["isOnlineMeeting"] is False

    bot.graph.faults.clear()
    await bot.at(bot.stack.clock.now() + HOLD)
    [again] = bot.events()  # the same event, made online: not booked twice
    assert again["id"] == stored["id"] and again["isOnlineMeeting"] is True
    card = bot.last_card()
    assert EN.created_late in card_text(card)
    expect_join_only(card, again)


async def test_a_join_link_filled_in_after_the_create_is_read_and_shown(bot: Bot) -> None:
    bot.graph.faults.inject(f"POST /users/{bot.user}/events", quirk="onlineMeetingLate")
    await bot.send("meet Standup tomorrow 9am")

    [create] = bot.calls("POST", EVENTS)
    assert create.status == 201
    [read] = [r for r in bot.calls("GET", "") if "/events/" in r.path]
    assert read.query["$select"] == "isOnlineMeeting,onlineMeetingProvider,onlineMeeting"
    assert bot.calls("PATCH", "") == []  # online already: nothing to change
    [stored] = bot.events()
    expect_join_only(bot.last_card(), stored)
    assert await bot.reminded_events() == {stored["id"]}


async def test_a_meeting_whose_id_changed_when_it_moved_is_still_reminded(bot: Bot) -> None:
    bot.graph.configure_user(bot.user, audio_conferencing=False, mutable_ids=True)
    await bot.send("meet Budget tomorrow 3pm")
    [stored] = bot.events()
    async with bot.stack.graph.client() as admin:  # the owner moves it in Outlook
        moved = await admin.patch(
            f"/_emulator/users/{bot.user}/events/{stored['id']}",
            json={
                "start": {"dateTime": _wall(bot.tomorrow_at(17)), "timeZone": "UTC"},
                "end": {
                    "dateTime": _wall(bot.tomorrow_at(17) + timedelta(minutes=30)),
                    "timeZone": "UTC",
                },
            },
        )
    assert moved.status_code == 200

    five_pm = bot.tomorrow_at(17)
    await bot.at(bot.tomorrow_at(15) - timedelta(minutes=10))
    assert bot.reminders_sent() == []
    await bot.at(five_pm - timedelta(minutes=10))
    [sent] = bot.reminders_sent()
    assert "Starts in 10 min" in card_text(sent)
    reads = [r for r in bot.calls("GET", "") if r.path.endswith(f"/events/{stored['id']}")]
    assert reads and all(r.status == 200 for r in reads)
    graph_calls = [r for r in bot.graph.requests if r.path.startswith("/v1.0/")]
    assert all('IdType="ImmutableId"' in _prefer(r.headers) for r in graph_calls)


async def test_a_user_without_an_exchange_mailbox_is_told_to_ask_for_one(bot: Bot) -> None:
    bot.graph.configure_user(bot.user, mailbox=False)
    await bot.send("meet Design review tomorrow 3pm")

    [refused] = bot.calls("POST", EVENTS)  # its calendar was read (and cached) before
    assert refused.status == 404
    text = card_text(bot.last_card())
    assert EN.no_mailbox in text and f"Reference: {refused.request_id}" in text
    assert bot.events() == []


@pytest.mark.parametrize("code", ["Forbidden", "General", "Unauthorized"])
async def test_each_wording_of_the_missing_access_policy_names_it(bot: Bot, code: str) -> None:
    bot.graph.configure_user(bot.user, access_policy=False, access_policy_error=code)
    await bot.send("meet now Triage")

    [refused] = bot.calls("POST", "/createOrGet")
    assert refused.status == 403
    text = card_text(bot.last_card())
    assert EN.missing_access_policy in text and f"Reference: {refused.request_id}" in text
    assert EN.missing_meetings_permission not in text
    assert bot.graph.online_meetings(bot.user) == []


def _wall(moment: datetime) -> str:
    """`moment` as Graph's wall-clock `dateTime` in UTC."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat()


def _prefer(headers: dict[str, str]) -> str:
    return next((value for name, value in headers.items() if name.lower() == "prefer"), "")
