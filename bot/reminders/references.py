"""Conversation references asked for at one moment, read together.

The reminders of one claim reach their sends at about the same moment (their event re-reads
come back in one Graph batch): their reference reads, made in one turn of the event loop, are
gathered here and read in one statement (`ReferenceStore.get_references`) once that turn is
over, instead of one each. A read made alone is made alone.
"""

from __future__ import annotations

import asyncio
import contextvars
from typing import Any

from bot.store import ReferenceStore


class GatheredReferences:
    """`get_reference` on a `ReferenceStore`, the calls of one event-loop turn in one read."""

    def __init__(self, store: ReferenceStore) -> None:
        self._store = store
        self._waiting: list[tuple[str, asyncio.Future[dict[str, Any] | None]]] = []
        self._reading: set[asyncio.Task[None]] = set()

    async def get_reference(self, conversation_id: str) -> dict[str, Any] | None:
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[dict[str, Any] | None] = loop.create_future()
        if not self._waiting:
            # After the tasks already scheduled for this turn, which may ask for more; in a
            # context of its own, so no reminder's log context or time budget is the read's.
            loop.call_soon(self._start, context=contextvars.Context())
        self._waiting.append((conversation_id, answer))
        return await answer

    def _start(self) -> None:
        waiting, self._waiting = self._waiting, []
        task = asyncio.create_task(self._read(waiting))
        self._reading.add(task)  # held until done: the loop keeps only weak references
        task.add_done_callback(self._reading.discard)

    async def _read(self, waiting: list[tuple[str, asyncio.Future[dict[str, Any] | None]]]) -> None:
        try:
            if len(waiting) == 1:
                conversation_id = waiting[0][0]
                reference = await self._store.get_reference(conversation_id)
                found = {} if reference is None else {conversation_id: reference}
            else:
                found = await self._store.get_references([cid for cid, _ in waiting])
        except BaseException as error:  # the store away, or cancelled: no send waits for ever
            for _, answer in waiting:
                if not answer.done():
                    answer.set_exception(error)
            if not isinstance(error, Exception):
                raise
            return
        for conversation_id, answer in waiting:
            if not answer.done():  # (its reminder was cancelled meanwhile)
                answer.set_result(found.get(conversation_id))
