"""`BatchedReads`: `get_event` calls made in one turn of the event loop leave together, as
`GraphClient.get_events`, against the real Graph emulator over TLS."""

from __future__ import annotations

import asyncio

import pytest

from bot.graph import GraphNotFound
from bot.graph.batch import BatchedReads
from tests.graph.test_client_batch import CAROL, batches, reads
from tests.graph.test_client_delegated import (  # the fixtures `live` and `app_mode` too
    ALICE,
    BOB,
    Live,
    app_mode,
    live,
)

__all__ = ["app_mode", "live"]  # fixtures, found by pytest in this module's namespace


async def test_reads_asked_for_at_one_moment_leave_in_one_batch(app_mode: Live) -> None:
    wanted = [(user, app_mode.seed(user, f"Meeting of {user[:4]}")) for user in (ALICE, BOB, CAROL)]
    source = BatchedReads(app_mode.client)

    events = await asyncio.gather(*(source.get_event(user, event_id) for user, event_id in wanted))

    assert [event.subject for event in events] == [
        "Meeting of 6433",
        "Meeting of 0b6f",
        "Meeting of 5a0e",
    ]
    assert [len(batch) for batch in batches(app_mode)] == [3]


async def test_reads_asked_for_one_after_another_are_plain_gets(app_mode: Live) -> None:
    first, second = app_mode.seed(ALICE, "First"), app_mode.seed(ALICE, "Second")
    source = BatchedReads(app_mode.client)

    one = await source.get_event(ALICE, first)
    two = await source.get_event(ALICE, second)

    assert (one.subject, two.subject) == ("First", "Second")
    assert batches(app_mode) == []
    assert len(reads(app_mode)) == 2


async def test_each_read_gets_its_own_answer_or_error(app_mode: Live) -> None:
    kept = app_mode.seed(ALICE, "Kept")
    elsewhere = app_mode.seed(ALICE, "Not in Bob's calendar")
    recurrence = app_mode.seed(BOB, "Series")
    source = BatchedReads(app_mode.client)

    found, missing, selected = await asyncio.gather(
        source.get_event(ALICE, kept),
        source.get_event(BOB, elsewhere),
        source.get_event(BOB, recurrence, select="recurrence"),
        return_exceptions=True,
    )

    assert not isinstance(found, BaseException) and found.subject == "Kept"
    assert isinstance(missing, GraphNotFound)
    # Another $select is another read: alone, as a plain GET.
    assert not isinstance(selected, BaseException) and selected.subject is None
    assert [len(batch) for batch in batches(app_mode)] == [2]


async def test_a_read_whose_caller_gave_up_does_not_hold_up_the_others(app_mode: Live) -> None:
    wanted = [(ALICE, app_mode.seed(ALICE, f"Meeting {n}", hour=9 + n)) for n in range(3)]
    source = BatchedReads(app_mode.client)
    tasks = [asyncio.create_task(source.get_event(user, event_id)) for user, event_id in wanted]
    await asyncio.sleep(0)  # every task has asked; the batch has not left yet
    tasks[1].cancel()

    first, cancelled, third = await asyncio.gather(*tasks, return_exceptions=True)

    assert isinstance(cancelled, asyncio.CancelledError)
    assert not isinstance(first, BaseException) and first.subject == "Meeting 0"
    assert not isinstance(third, BaseException) and third.subject == "Meeting 2"


@pytest.mark.parametrize(("count", "sizes"), [(21, [20]), (45, [5, 20, 20])])
async def test_many_reads_at_once_take_batches_of_twenty(
    app_mode: Live, count: int, sizes: list[int]
) -> None:
    """(One read left over is a plain GET.)"""
    wanted = [(ALICE, app_mode.seed(ALICE, f"Meeting {n}", hour=n % 12)) for n in range(count)]
    source = BatchedReads(app_mode.client)

    events = await asyncio.gather(*(source.get_event(user, event_id) for user, event_id in wanted))

    assert [event.subject for event in events] == [f"Meeting {n}" for n in range(count)]
    assert sorted(len(batch) for batch in batches(app_mode)) == sizes
