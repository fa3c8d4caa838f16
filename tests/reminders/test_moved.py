"""`Reminders.moved`: a meeting moved through the bot takes its open reminders along at once."""

from __future__ import annotations

from datetime import timedelta

from bot.store import ReminderState
from tests.reminders.conftest import T0, USER, World


async def test_the_reminders_of_the_moved_event_follow_it(world: World) -> None:
    moved = await world.meeting("Design review", T0 + timedelta(hours=3))
    other = await world.meeting("Retro", T0 + timedelta(hours=3))
    start = T0 + timedelta(hours=5)

    count = await world.reminders.moved(
        USER, moved.event_id, start=start, end=start + timedelta(minutes=30)
    )

    assert count == 1
    after = await world.store.get_reminder(moved.id)
    assert after is not None and after.state is ReminderState.PENDING
    assert (after.starts_at, after.ends_at, after.due_at) == (
        start,
        start + timedelta(minutes=30),
        start - timedelta(minutes=10),
    )
    assert await world.store.get_reminder(other.id) == other  # another event: untouched


async def test_was_picks_the_reminder_of_one_meeting_of_a_series(world: World) -> None:
    reminder = await world.meeting("Standup", T0 + timedelta(hours=3))
    start = T0 + timedelta(hours=4)

    elsewhere = T0 + timedelta(days=7)
    assert (
        await world.reminders.moved(USER, reminder.event_id, start=start, end=start, was=elsewhere)
        == 0
    )
    assert (
        await world.reminders.moved(
            USER, reminder.event_id, start=start, end=start, was=reminder.starts_at
        )
        == 1
    )


async def test_someone_elses_reminder_never_moves(world: World) -> None:
    reminder = await world.meeting("Design review", T0 + timedelta(hours=3))
    start = T0 + timedelta(hours=5)
    assert (
        await world.reminders.moved("someone-else", reminder.event_id, start=start, end=start) == 0
    )
    assert await world.store.get_reminder(reminder.id) == reminder
