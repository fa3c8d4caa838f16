"""`_OneTurnAtATime`: a conversation's turns run one after another, other conversations' turns
alongside them, and nothing is kept once no turn of a conversation runs or waits."""

from __future__ import annotations

import asyncio

from bot.teams.handler import _OneTurnAtATime


async def test_turns_of_one_conversation_wait_and_other_conversations_do_not() -> None:
    turns = _OneTurnAtATime()
    first_inside = asyncio.Event()
    release = asyncio.Event()
    order: list[str] = []

    async def turn(conversation: str, name: str, hold: bool = False) -> None:
        try:
            async with turns.enter(conversation):
                order.append(f"{name} in")
                if hold:
                    first_inside.set()
                    await release.wait()
                order.append(f"{name} out")
        finally:
            turns.leave(conversation)

    first = asyncio.create_task(turn("a:1", "first", hold=True))
    await first_inside.wait()
    second = asyncio.create_task(turn("a:1", "second"))
    other = asyncio.create_task(turn("a:2", "other"))
    await other  # another conversation: not held up by the first turn
    assert order == ["first in", "other in", "other out"]
    assert not second.done()

    release.set()
    await asyncio.gather(first, second)
    assert order[3:] == ["first out", "second in", "second out"]
    assert turns._locks == {}  # nothing kept for conversations with no turn


async def test_a_turn_that_fails_lets_the_next_one_in() -> None:
    turns = _OneTurnAtATime()

    async def failing() -> None:
        try:
            async with turns.enter("a:1"):
                raise RuntimeError("the turn failed")
        finally:
            turns.leave("a:1")

    results = await asyncio.gather(failing(), failing(), return_exceptions=True)
    assert [type(result) for result in results] == [RuntimeError, RuntimeError]
    assert turns._locks == {}


async def test_a_turn_cancelled_while_waiting_is_forgotten() -> None:
    turns = _OneTurnAtATime()
    holder = turns.enter("a:1")
    await holder.acquire()

    async def waiting() -> None:
        try:
            async with turns.enter("a:1"):
                pass
        finally:
            turns.leave("a:1")

    task = asyncio.create_task(waiting())
    await asyncio.sleep(0)  # let it start waiting for the lock
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    holder.release()
    turns.leave("a:1")
    assert turns._locks == {}
