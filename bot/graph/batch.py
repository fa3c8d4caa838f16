"""Event reads asked for at one moment, sent together.

The reminders of one claim re-read their meetings at the same moment (each in its own task):
their `get_event` calls, made in one turn of the event loop, are gathered here and leave as
`GraphClient.get_events` (JSON batches of up to 20) once that turn is over, instead of one
request each. A read made alone is sent alone, as a plain GET. Every other call goes straight
to the client.
"""

from __future__ import annotations

import asyncio
import contextvars
from dataclasses import dataclass
from datetime import datetime

from bot.graph.client import REMINDER_SELECT, GraphClient
from bot.graph.models import Event


@dataclass(frozen=True, slots=True)
class _Read:
    user_id: str
    event_id: str
    select: str
    result: asyncio.Future[Event]


class BatchedReads:
    """The scheduler's `EventSource` on a `GraphClient`, with `get_event` gathered."""

    def __init__(self, graph: GraphClient) -> None:
        self._graph = graph
        self._waiting: list[_Read] = []
        self._sending: set[asyncio.Task[None]] = set()

    async def get_event(
        self, user_id: str, event_id: str, *, select: str = REMINDER_SELECT
    ) -> Event:
        loop = asyncio.get_running_loop()
        read = _Read(user_id, event_id, select, loop.create_future())
        if not self._waiting:
            # After the tasks already scheduled for this turn, which may ask for more; in a
            # context of its own, so no reminder's log context or time budget is the batch's.
            loop.call_soon(self._send, context=contextvars.Context())
        self._waiting.append(read)
        return await read.result

    async def list_calendar_view(
        self, user_id: str, start: datetime, end: datetime, *, zone: str
    ) -> list[Event]:
        return await self._graph.list_calendar_view(user_id, start, end, zone=zone)

    async def list_instances(
        self, user_id: str, series_id: str, start: datetime, end: datetime, *, top: int = 10
    ) -> list[Event]:
        return await self._graph.list_instances(user_id, series_id, start, end, top=top)

    def _send(self) -> None:
        waiting, self._waiting = self._waiting, []
        by_select: dict[str, list[_Read]] = {}
        for read in waiting:
            by_select.setdefault(read.select, []).append(read)
        for select, reads in by_select.items():
            task = asyncio.create_task(self._read(select, reads))
            self._sending.add(task)  # held until done: the loop keeps only weak references
            task.add_done_callback(self._sending.discard)

    async def _read(self, select: str, reads: list[_Read]) -> None:
        try:
            outcomes = await self._graph.get_events(
                [(read.user_id, read.event_id) for read in reads], select=select
            )
        except BaseException as error:  # cancelled at shutdown, or a bug: no read waits for ever
            for read in reads:
                if not read.result.done():
                    read.result.set_exception(error)
            raise
        for read, outcome in zip(reads, outcomes, strict=True):
            if read.result.done():  # its reminder was cancelled meanwhile
                continue
            if isinstance(outcome, Exception):
                read.result.set_exception(outcome)
            else:
                read.result.set_result(outcome)
