"""`bot.tasks.cancel_and_wait`: the tasks end, and a cancel of the caller is never lost."""

from __future__ import annotations

import asyncio

import pytest

from bot.tasks import cancel_and_wait


async def test_every_task_has_ended_when_it_returns() -> None:
    sleepers = [asyncio.create_task(asyncio.Event().wait()) for _ in range(3)]
    await asyncio.sleep(0)  # they have started waiting
    await cancel_and_wait(*sleepers)
    assert all(task.cancelled() for task in sleepers)


async def slow_to_end(ending: asyncio.Event) -> None:
    """Wait until cancelled; then set `ending` and take one more turn of the loop to end, so
    whoever waits for it is still waiting when the test cancels them."""
    try:
        await asyncio.Event().wait()
    except asyncio.CancelledError:
        ending.set()
        await asyncio.sleep(0)
        raise


async def test_a_cancel_of_the_caller_while_the_tasks_end_goes_on_up() -> None:
    ending = asyncio.Event()
    other = asyncio.create_task(slow_to_end(ending))
    await asyncio.sleep(0)
    caller = asyncio.create_task(cancel_and_wait(other))
    await ending.wait()  # the caller is waiting for `other` to end
    caller.cancel()
    with pytest.raises(asyncio.CancelledError):
        await caller
