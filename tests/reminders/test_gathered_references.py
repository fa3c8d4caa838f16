"""`GatheredReferences`: reference reads made in one turn of the event loop are one statement
(`get_references`), on a real SQLite store; a read made alone stays `get_reference`."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Collection
from pathlib import Path
from typing import Any

import pytest

from bot.reminders.references import GatheredReferences
from bot.store import SqliteStore, StoreUnavailable
from tests.store.helpers import T0


class Counted:
    """The store, with each reference read it is asked for."""

    def __init__(self, store: SqliteStore) -> None:
        self.store = store
        self.reads: list[list[str]] = []
        self.failing = False

    async def get_reference(self, conversation_id: str) -> dict[str, Any] | None:
        self.reads.append([conversation_id])
        return await self.store.get_reference(conversation_id)

    async def get_references(self, conversation_ids: Collection[str]) -> dict[str, dict[str, Any]]:
        self.reads.append(sorted(conversation_ids))
        if self.failing:
            raise StoreUnavailable("SQLite: no answer within 5 s")
        return await self.store.get_references(conversation_ids)


@pytest.fixture
async def counted(tmp_path: Path) -> AsyncIterator[Counted]:
    store = SqliteStore(tmp_path / "meetbot.db")
    await store.open()
    for name in ("a:one", "a:two", "a:three"):
        await store.save_reference(name, {"conversation": {"id": name}}, now=T0)
    try:
        yield Counted(store)
    finally:
        await store.close()


async def test_reads_asked_for_at_one_moment_are_one_statement(counted: Counted) -> None:
    references = GatheredReferences(counted)  # type: ignore[arg-type]  # (the reads only)

    found = await asyncio.gather(
        *(references.get_reference(name) for name in ("a:one", "a:gone", "a:three", "a:one"))
    )

    assert found == [
        {"conversation": {"id": "a:one"}},
        None,
        {"conversation": {"id": "a:three"}},
        {"conversation": {"id": "a:one"}},
    ]
    assert counted.reads == [["a:gone", "a:one", "a:one", "a:three"]]


async def test_reads_one_after_another_are_each_its_own(counted: Counted) -> None:
    references = GatheredReferences(counted)  # type: ignore[arg-type]

    assert await references.get_reference("a:one") == {"conversation": {"id": "a:one"}}
    assert await references.get_reference("a:gone") is None

    assert counted.reads == [["a:one"], ["a:gone"]]


async def test_a_failed_read_fails_each_caller_and_the_next_read_is_made_again(
    counted: Counted,
) -> None:
    references = GatheredReferences(counted)  # type: ignore[arg-type]
    counted.failing = True

    answers = await asyncio.gather(
        references.get_reference("a:one"), references.get_reference("a:two"), return_exceptions=True
    )
    assert all(isinstance(answer, StoreUnavailable) for answer in answers)

    counted.failing = False
    assert await asyncio.gather(
        references.get_reference("a:one"), references.get_reference("a:two")
    ) == [{"conversation": {"id": "a:one"}}, {"conversation": {"id": "a:two"}}]


async def test_a_caller_that_gave_up_does_not_hold_up_the_others(counted: Counted) -> None:
    references = GatheredReferences(counted)  # type: ignore[arg-type]
    tasks = [asyncio.create_task(references.get_reference(n)) for n in ("a:one", "a:two")]
    await asyncio.sleep(0)  # both have asked; the read has not started
    tasks[0].cancel()

    cancelled, answered = await asyncio.gather(*tasks, return_exceptions=True)

    assert isinstance(cancelled, asyncio.CancelledError)
    assert answered == {"conversation": {"id": "a:two"}}
