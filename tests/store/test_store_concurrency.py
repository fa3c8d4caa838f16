"""Two store objects on one database (two SQLite connections to one file; two PostgreSQL pools)
claiming at once never get the same row: the claims are atomic."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.store import EtagConflict, MeetingRecord, Reminder, Store, Watch
from bot.teams.state import MeetbotConversationState
from tests.factories import make_turn_context
from tests.store.helpers import T0, OpenStore, make_reminder

ROWS = 200
LOOPS_PER_STORE = 8
BATCH = 3
THREAD = "19:thread@thread.tacv2"


async def _claim_all_reminders(store: Store, worker: str) -> list[Reminder]:
    got: list[Reminder] = []
    while batch := await store.claim_due(
        T0 + timedelta(days=30), limit=BATCH, lease=timedelta(hours=1), worker=worker
    ):
        assert len(batch) <= BATCH
        got.extend(batch)
    return got


async def test_concurrent_claims_of_reminders_are_disjoint_and_complete(
    store: Store, open_another: OpenStore
) -> None:
    for n in range(ROWS):
        await store.add_reminder(make_reminder(n, starts_at=T0 + timedelta(minutes=n)))
    async with open_another() as other:
        loops = [
            _claim_all_reminders(s, f"{name}-{i}")
            for i in range(LOOPS_PER_STORE)
            for name, s in (("a", store), ("b", other))
        ]
        results = await asyncio.gather(*loops)
    ids = [r.id for result in results for r in result]
    assert len(ids) == len(set(ids)), "a reminder was claimed twice"
    assert set(ids) == {make_reminder(n).id for n in range(ROWS)}
    assert sum(1 for result in results if result) > 2  # the loops really did interleave
    assert await store.next_attempt_at() == T0 + timedelta(days=30, hours=1)


async def _claim_all_watches(store: Store) -> list[Watch]:
    got: list[Watch] = []
    while batch := await store.claim_watches(
        T0 + timedelta(days=1), limit=BATCH, interval=timedelta(days=7)
    ):
        got.extend(batch)
    return got


async def test_concurrent_claims_of_watches_are_disjoint_and_complete(
    store: Store, open_another: OpenStore
) -> None:
    users = [f"user-{n:03d}" for n in range(60)]
    for n, user in enumerate(users):
        await store.set_watch(
            Watch(user, f"a:{user}", "UTC", None, timedelta(minutes=5), T0 + timedelta(seconds=n))
        )
    async with open_another() as other:
        results = await asyncio.gather(
            *(_claim_all_watches(s) for _ in range(LOOPS_PER_STORE) for s in (store, other))
        )
    claimed = [w.user_id for result in results for w in result]
    assert sorted(claimed) == users


async def test_racing_adds_of_one_key_all_get_the_same_reminder(
    store: Store, open_another: OpenStore
) -> None:
    async with open_another() as other:
        stored = await asyncio.gather(
            *(
                (store if i % 2 else other).add_reminder(make_reminder(1, id=f"try-{i}"))
                for i in range(20)
            )
        )
    assert len({r.id for r in stored}) == 1
    assert await store.reminder_counts() == {stored[0].state: 1}


async def test_racing_add_meetings_of_one_key_all_get_the_same_reminder(
    store: Store, open_another: OpenStore
) -> None:
    async def add(target: Store, i: int) -> Reminder:
        reminder = make_reminder(1, id=f"try-{i}")
        meeting = MeetingRecord(
            reminder.event_id,
            "event",
            reminder.user_id,
            reminder.conversation_id,
            f"take {i}",
            reminder.starts_at,
            reminder.ends_at,
            None,
            T0,
        )
        return await target.add_meeting(meeting, reminder)

    async with open_another() as other:
        stored = await asyncio.gather(*(add(store if i % 2 else other, i) for i in range(20)))
    assert len({r.id for r in stored}) == 1
    assert await store.reminder_counts() == {stored[0].state: 1}
    meeting = await store.get_meeting("user-1", make_reminder(1).event_id)
    assert meeting is not None and meeting.subject.startswith("take ")


async def test_two_instances_creating_one_conversations_state_conflict_instead_of_losing_one(
    store: Store, open_another: OpenStore
) -> None:
    """Both read "nothing stored"; the second write must not silently replace the first."""
    async with open_another() as other:
        turns = [make_turn_context(THREAD), make_turn_context(THREAD)]
        states = [MeetbotConversationState(store), MeetbotConversationState(other)]
        for state, turn in zip(states, turns, strict=True):
            await state.load(turn)
        for n, (state, turn) in enumerate(zip(states, turns, strict=True)):
            await state.create_property("DialogStates").set(turn, {f"29:member-{n}": {"x": n}})
        await states[0].save_changes(turns[0])
        with pytest.raises(EtagConflict):
            await states[1].save_changes(turns[1])
    stored = await store.read([f"msteams/conversations/{THREAD}"])
    assert stored[f"msteams/conversations/{THREAD}"]["DialogStates"] == {"29:member-0": {"x": 0}}


async def test_two_instances_leaving_a_new_conversations_state_empty_write_nothing(
    store: Store, open_another: OpenStore
) -> None:
    """A bot added to a chat hears conversationUpdate and installationUpdate at once; two
    instances with nothing to keep must neither conflict nor create an empty value."""
    async with open_another() as other:
        turns = [make_turn_context(THREAD), make_turn_context(THREAD)]
        states = [MeetbotConversationState(store), MeetbotConversationState(other)]
        for state, turn in zip(states, turns, strict=True):
            await state.load(turn)
            await state.create_property("DialogStates").get(turn, dict)
        for state, turn in zip(states, turns, strict=True):
            await state.save_changes(turn)
    assert await store.read([f"msteams/conversations/{THREAD}"]) == {}
