"""A `meet` interrupted after (or before) Graph's create, end to end through /api/messages.

Once Graph has made the event, no failure may tell the user to try again (that books it
twice): a locked store or a card the connector refuses ends in the short "booked, but Meetbot
could not finish: check your calendar" card, and the reminder is not lost. A pending create
left behind is reconciled by the bot's own scheduler loop once its hold (the reminder lease)
is over: the same transactionId again, so Graph answers with the event it made.
"""

from __future__ import annotations

import asyncio
import dataclasses
import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.app import create_app
from bot.graph import GraphClient
from bot.i18n import en
from bot.reminders import ManualClock, ReconcileConfig
from bot.serve import serve
from bot.services import SERVICES
from bot.settings import load_settings, resolve
from bot.store import PendingCreate, ReminderState, SqliteStore
from tests.conftest import RunningConnector, RunningGraph
from tests.e2e.test_graph_faults import FAST
from tests.e2e.test_meet import card_text
from tests.e2e.test_reminders import LA, T0, TOMORROW_3PM, Bot
from tests.factories import USER_AAD_ID

EN = en.CATALOG
MEET = "meet Design review tomorrow 3pm for 30m"
EVENTS = f"POST /users/{USER_AAD_ID}/events"
HOLD = timedelta(seconds=60)  # REMINDER_LEASE_SECONDS' default: a turn's hold on its create


@pytest.fixture
async def bot(
    graph: RunningGraph,
    connector: RunningConnector,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> AsyncIterator[Bot]:
    # Graph's rules on a shorter clock (as in test_graph_faults): a failing call costs little.
    monkeypatch.setattr("bot.app.GraphClient", partial(GraphClient, policy=FAST))
    monkeypatch.chdir(tmp_path)
    # SQLite's busy timeout (5 s) ends a locked write before the call's own bound does: the
    # tests below need the write to fail, not to wait out the lock and land after it.
    settings = load_settings(
        GRAPH_BASE_URL=f"{graph.url}/v1.0",
        GRAPH_CA_BUNDLE=str(graph.ca_file),
        STORE_TIMEOUT_SECONDS="20",
    )
    clock = ManualClock(T0)
    app = create_app(resolve(settings), clock=clock)
    served = await serve(app)
    services = app[SERVICES]
    async with httpx.AsyncClient(base_url=served.url, timeout=30) as client:
        bot = Bot(client, clock, services.scheduler, services.store, graph, connector)
        await bot.say("help")  # the conversation is known (its reference kept) from here on
        yield bot
    await served.close()


@contextmanager
def locked(bot: Bot) -> Iterator[None]:
    """Another process holds the SQLite file's write lock, as a stuck writer would."""
    assert isinstance(bot.store, SqliteStore)
    other = sqlite3.connect(bot.store.path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        yield
        other.execute("ROLLBACK")
    finally:
        other.close()


def texts_and_cards(bot: Bot) -> str:
    """Everything the bot said in the chat, as one text."""
    return "\n".join([*bot.texts(), *(card_text(card) for card in bot.cards())])


def title(card: dict[str, Any]) -> str:
    return str(card["body"][0]["text"])


def creates(bot: Bot) -> list[Any]:
    return [
        r
        for r in bot.graph.emulator.requests
        if r.method == "POST" and r.path == f"/v1.0/users/{USER_AAD_ID}/events"
    ]


async def reminders_of(bot: Bot, event_id: str) -> list[Any]:
    reminders = await bot.store.open_reminders(USER_AAD_ID)
    return [r for r in reminders if r.event_id == event_id]


async def test_a_store_locked_after_the_create_says_check_your_calendar_and_the_reminder_follows(
    bot: Bot,
) -> None:
    faults = bot.graph.emulator.faults
    faults.inject(EVENTS, slow=True, after=True)  # made, its answer held
    turn = asyncio.create_task(bot.say(MEET))
    await faults.until_held()
    with locked(bot):  # the reminder write meets a locked store
        faults.release()
        await turn
        await bot.connector.emulator.wait_for(lambda _: len(bot.cards()) == 2, timeout=30)
    card = bot.cards()[-1]
    assert title(card) == EN.created_unfinished_title
    assert EN.created_unfinished in card_text(card)
    assert EN.unexpected_error not in texts_and_cards(bot)  # not "please try again"
    (event,) = bot.graph.emulator.events(USER_AAD_ID)
    assert await reminders_of(bot, event["id"]) == []  # not written: the store was locked

    # The scheduler's loop reconciles the create once the turn's hold is over.
    await bot.at(T0 + HOLD)
    (again,) = bot.graph.emulator.events(USER_AAD_ID)  # no second meeting
    assert again["id"] == event["id"]
    first, retry = creates(bot)
    assert retry.json["transactionId"] == first.json["transactionId"]
    (reminder,) = await reminders_of(bot, event["id"])
    assert reminder.state is ReminderState.PENDING
    late = bot.cards()[-1]
    assert EN.created_late in card_text(late) and "Design review" in card_text(late)

    await bot.at(T0 + 2 * HOLD)
    assert len(creates(bot)) == 2  # settled: never reconciled again
    await bot.at(TOMORROW_3PM - reminder.lead)
    assert len(bot.reminders_sent()) == 1


async def test_a_reconcile_posts_the_whole_body_the_turn_sent_again(bot: Bot) -> None:
    faults = bot.graph.emulator.faults
    faults.inject(EVENTS, slow=True, after=True)
    line = (
        "meet Design review every Monday 3pm 4 times at Harry's Bar; Home Office"
        " with ada@example.com and optional bob@example.com\nReview the Q3 numbers"
    )
    turn = asyncio.create_task(bot.say(line))
    await faults.until_held()
    with locked(bot):  # made, but its reminder write meets a locked store
        faults.release()
        await turn
        await bot.connector.emulator.wait_for(lambda _: len(bot.cards()) == 2, timeout=30)

    await bot.at(T0 + HOLD)
    first, retry = creates(bot)
    assert retry.json == first.json  # the same body, transactionId and all
    assert first.json["recurrence"]["range"]["numberOfOccurrences"] == 4
    assert first.json["locations"] == [
        {"displayName": "Harry's Bar"},
        {"displayName": "Home Office"},
    ]
    assert first.json["body"] == {"contentType": "HTML", "content": "Review the Q3 numbers"}
    assert [a["type"] for a in first.json["attendees"]] == ["required", "optional"]
    (event,) = bot.graph.emulator.events(USER_AAD_ID)
    assert len(await reminders_of(bot, event["id"])) == 1


async def test_a_card_refused_with_413_says_check_your_calendar_and_keeps_the_reminder(
    bot: Bot,
) -> None:
    async with httpx.AsyncClient(base_url=bot.connector.url) as admin:
        fault = {"kind": "reply", "times": 1, "status": 413}
        assert (await admin.post("/_emulator/faults", json=fault)).status_code < 300
    await bot.say(MEET)
    await bot.connector.emulator.wait_for(lambda _: len(bot.cards()) == 2, timeout=30)
    assert [f.status for f in bot.connector.emulator.faults_served] == [413]
    card = bot.cards()[-1]
    assert title(card) == EN.created_unfinished_title
    assert EN.unexpected_error not in texts_and_cards(bot)
    (event,) = bot.graph.emulator.events(USER_AAD_ID)
    (reminder,) = await reminders_of(bot, event["id"])

    await bot.at(T0 + HOLD)  # nothing was left to reconcile
    assert len(creates(bot)) == 1 and len(bot.cards()) == 2
    await bot.at(TOMORROW_3PM - reminder.lead)
    assert len(bot.reminders_sent()) == 1


async def test_a_store_down_before_the_create_books_nothing_and_says_try_again(
    bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def down(pending: PendingCreate) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(bot.store, "add_pending_create", down)
    await bot.say(MEET)
    card = bot.cards()[-1]
    assert title(card) == EN.error_title
    assert EN.store_unavailable in card_text(card)  # true: nothing was booked
    assert creates(bot) == []  # Graph was never asked


def _left_behind(lead: timedelta | None = timedelta(minutes=10)) -> PendingCreate:
    """What a turn killed before its create reached Graph leaves in the store."""
    start = TOMORROW_3PM.astimezone(LA)
    return PendingCreate(
        transaction_id="4b1e4a5e-0f0f-5c4a-9a36-7d6f3f1d2c11",
        user_id=USER_AAD_ID,
        conversation_id="a:1on1",
        subject="Left behind",
        starts_at=start,
        ends_at=start + timedelta(minutes=30),
        attendees=("ada@example.com",),
        lead=lead,
        zone="America/Los_Angeles",
        locale="en-US",
        next_attempt_at=T0 + HOLD,
    )


async def test_a_create_that_never_reached_graph_is_made_once_and_posted(bot: Bot) -> None:
    await bot.store.add_pending_create(_left_behind())
    await bot.at(T0 + HOLD - timedelta(seconds=1))
    assert creates(bot) == []  # still the turn's

    await bot.at(T0 + HOLD)
    (event,) = bot.graph.emulator.events(USER_AAD_ID)
    assert event["subject"] == "Left behind"
    assert [a["emailAddress"]["address"] for a in event["attendees"]] == ["ada@example.com"]
    (reminder,) = await reminders_of(bot, event["id"])
    assert reminder.lead == timedelta(minutes=10)
    assert EN.created_late in card_text(bot.cards()[-1])


async def test_graph_away_for_now_is_retried_after_the_lease(bot: Bot) -> None:
    await bot.store.add_pending_create(_left_behind())
    bot.graph.emulator.faults.inject(EVENTS, status=503, times=None)
    await bot.at(T0 + HOLD)
    assert creates(bot) and bot.graph.emulator.events(USER_AAD_ID) == []
    cards = len(bot.cards())

    bot.graph.emulator.faults.clear()
    await bot.at(T0 + 2 * HOLD)
    (event,) = bot.graph.emulator.events(USER_AAD_ID)
    assert len(await reminders_of(bot, event["id"])) == 1
    assert len(bot.cards()) == cards + 1


async def test_graph_refusing_the_create_is_told_and_forgotten(bot: Bot) -> None:
    bot.graph.emulator.configure_user(USER_AAD_ID, allowed_providers=["skypeForConsumer"])
    await bot.store.add_pending_create(_left_behind())
    await bot.at(T0 + HOLD)
    card = bot.cards()[-1]
    assert title(card) == EN.error_title
    assert "doesn't allow Teams meetings" in card_text(card)
    assert bot.graph.emulator.events(USER_AAD_ID) == []
    assert await bot.store.open_reminders(USER_AAD_ID) == []
    cards = len(bot.cards())
    await bot.at(T0 + 3 * HOLD)
    assert len(bot.cards()) == cards  # forgotten: not asked again, not told twice


async def test_graph_away_for_good_is_given_up_with_check_your_calendar(bot: Bot) -> None:
    await bot.store.add_pending_create(_left_behind())
    bot.graph.emulator.faults.inject(EVENTS, status=503, times=None)
    cards = len(bot.cards())
    for attempt in range(1, ReconcileConfig().max_attempts):
        await bot.at(T0 + attempt * HOLD)
        assert len(bot.cards()) == cards  # not yet: tried again after the lease
    await bot.at(T0 + ReconcileConfig().max_attempts * HOLD)
    card = bot.cards()[-1]
    assert title(card) == EN.error_title
    assert EN.maybe_created in card_text(card)  # it may have been made: check the calendar
    tried = len(creates(bot))
    await bot.at(T0 + (ReconcileConfig().max_attempts + 2) * HOLD)
    assert len(creates(bot)) == tried and len(bot.cards()) == cards + 1  # given up


async def test_a_meeting_over_before_its_reconcile_is_forgotten(bot: Bot) -> None:
    start = T0 - timedelta(hours=1)
    over = dataclasses.replace(
        _left_behind(), starts_at=start, ends_at=start + timedelta(minutes=30)
    )
    await bot.store.add_pending_create(over)
    cards = len(bot.cards())
    await bot.at(T0 + HOLD)
    assert creates(bot) == [] and len(bot.cards()) == cards
    assert await bot.store.next_pending_create_at() is None


async def test_a_create_whose_answer_was_lost_is_found_and_reminded_not_made_again(
    bot: Bot,
) -> None:
    bot.graph.emulator.faults.inject(EVENTS, status=504, after=True, times=None)
    await bot.say(MEET)
    card = bot.cards()[-1]
    assert title(card) == EN.error_title and EN.maybe_created in card_text(card)
    (event,) = bot.graph.emulator.events(USER_AAD_ID)  # made, its answers lost
    assert await reminders_of(bot, event["id"]) == []
    tried = len(creates(bot))

    bot.graph.emulator.faults.clear()
    await bot.at(T0 + HOLD)
    assert len(creates(bot)) == tried  # looked for, not created again
    assert len(await reminders_of(bot, event["id"])) == 1
    assert EN.created_after_all in card_text(bot.cards()[-1])


async def test_a_create_whose_answer_was_lost_and_never_made_stays_unmade(bot: Bot) -> None:
    bot.graph.emulator.faults.inject(EVENTS, drop=True, times=None)  # never applied
    await bot.say(MEET)
    assert EN.maybe_created in card_text(bot.cards()[-1])
    cards, tried = len(bot.cards()), len(creates(bot))

    bot.graph.emulator.faults.clear()
    await bot.at(T0 + HOLD)  # the user was told to check: it must not appear now
    assert len(creates(bot)) == tried and bot.graph.emulator.events(USER_AAD_ID) == []
    assert len(bot.cards()) == cards
    assert await bot.store.next_pending_create_at() is None
