"""Reminders give way to turns being answered (`bot.reminders.answering`): a reminder about to
re-read its meeting or send waits while a turn is in flight, for a while at most; the turns
are counted by the `Answered` middleware, which leaves the bot's own proactive turns out."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from botbuilder.core import TurnContext
from botbuilder.core.adapters import TestAdapter
from botbuilder.schema import Activity, ActivityEventNames, ActivityTypes

from bot.reminders import Answering
from bot.teams.middleware import Answered
from tests.reminders.conftest import T0, World, make_scheduler


async def _settled() -> None:
    """Let every task that can run, run (what is left waits for something)."""
    for _ in range(50):
        await asyncio.sleep(0)


async def test_a_due_reminder_waits_while_a_turn_is_being_answered(world: World) -> None:
    answering = Answering()
    parts = world.parts()
    scheduler = make_scheduler(parts, answering=answering)
    reminder = await world.meeting("Sync", T0 + timedelta(hours=1))
    world.clock.set(reminder.due_at)

    with answering.turn():
        draining = asyncio.ensure_future(scheduler.drain())
        sleeping = asyncio.ensure_future(world.clock.until_sleeping())
        await asyncio.wait({draining, sleeping}, return_when=asyncio.FIRST_COMPLETED)
        assert not draining.done()  # it gave way: waiting for the turn (or a while), on the clock
        await _settled()
        assert world.sent() == []
        reads = [r for r in world.graph.emulator.requests if "/events/" in r.path]
        assert reads == []  # not even the re-read of its meeting
    assert await draining == 1
    assert len(world.sent(reminder.conversation_id)) == 1
    assert world.clock.now() == reminder.due_at  # the turn ended: no time had to pass


async def test_a_turn_that_goes_on_holds_a_reminder_up_for_a_while_only(world: World) -> None:
    """At most `yield_to_turns` before the re-read, and again before the send."""
    answering = Answering()
    parts = world.parts()
    scheduler = make_scheduler(parts, answering=answering, yield_to_turns=timedelta(seconds=0.25))
    reminder = await world.meeting("Sync", T0 + timedelta(hours=1))
    world.clock.set(reminder.due_at)
    with answering.turn():
        draining = asyncio.ensure_future(scheduler.drain())
        await world.clock.until_sleeping()
        world.clock.advance(timedelta(milliseconds=249))
        await _settled()
        assert not draining.done() and world.sent() == []
        world.clock.advance(timedelta(milliseconds=1))  # the re-read goes ahead
        await world.clock.until_sleeping()  # and the send gives way once more
        assert world.sent() == []
        world.clock.advance(timedelta(milliseconds=250))
        assert await draining == 1
        assert len(world.sent(reminder.conversation_id)) == 1
        assert answering.turns == 1  # sent while the turn still went on
    assert answering.turns == 0
    await answering.quiet()  # nothing in flight: at once


async def test_turns_are_counted_while_they_run_and_proactive_ones_are_not() -> None:
    answering = Answering()
    middleware = Answered(answering)
    seen: list[int] = []

    async def logic() -> None:
        seen.append(answering.turns)

    message = Activity(type=ActivityTypes.message, text="meet now")
    proactive = Activity(type=ActivityTypes.event, name=ActivityEventNames.continue_conversation)
    await middleware.on_turn(TurnContext(TestAdapter(), message), logic)
    await middleware.on_turn(TurnContext(TestAdapter(), proactive), logic)
    assert seen == [1, 0]
    assert answering.turns == 0
