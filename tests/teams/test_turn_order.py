"""`OneTurnAtATime`: a conversation's turns run one after another, other conversations' turns
alongside them, and nothing is kept once no turn of a conversation runs or waits."""

from __future__ import annotations

import asyncio

from bot.teams.middleware import OneTurnAtATime


async def test_turns_of_one_conversation_wait_and_other_conversations_do_not() -> None:
    turns = OneTurnAtATime()
    first_inside = asyncio.Event()
    release = asyncio.Event()
    order: list[str] = []

    async def turn(conversation: str, name: str, hold: bool = False) -> None:
        async with turns.turn(conversation, None):
            order.append(f"{name} in")
            if hold:
                first_inside.set()
                await release.wait()
            order.append(f"{name} out")

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
    assert len(turns) == 0  # nothing kept for conversations with no turn


async def test_a_turn_that_fails_lets_the_next_one_in() -> None:
    turns = OneTurnAtATime()

    async def failing() -> None:
        async with turns.turn("a:1", None):
            raise RuntimeError("the turn failed")

    results = await asyncio.gather(failing(), failing(), return_exceptions=True)
    assert [type(result) for result in results] == [RuntimeError, RuntimeError]
    assert len(turns) == 0


async def test_a_turn_cancelled_while_waiting_is_forgotten() -> None:
    turns = OneTurnAtATime()
    holder = turns.turn("a:1", None)
    assert await holder.__aenter__()

    async def waiting() -> None:
        async with turns.turn("a:1", None):
            pass

    task = asyncio.create_task(waiting())
    await asyncio.sleep(0)  # let it start waiting for the lock
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await holder.__aexit__(None, None, None)
    assert len(turns) == 0


async def test_a_turn_not_paced_waits_at_most_its_while_then_runs() -> None:
    turns = OneTurnAtATime()
    release = asyncio.Event()
    inside: list[asyncio.Event] = [asyncio.Event(), asyncio.Event()]

    async def turn(n: int, wait_at_most: float | None) -> bool:
        async with turns.turn("a:1", wait_at_most) as held:
            inside[n].set()
            await release.wait()
            return held

    first = asyncio.create_task(turn(0, None))
    await inside[0].wait()
    second = asyncio.create_task(turn(1, 0.01))
    await asyncio.wait_for(inside[1].wait(), timeout=5)  # in, beside the first
    assert not first.done()
    release.set()
    assert await asyncio.gather(first, second) == [True, False]
    assert len(turns) == 0
