"""The turns being answered right now, so that the reminder fan-out gives them the event loop
first: a `meet` posted while thousands of reminders go out is answered as fast as on an idle
bot, since a reminder about to re-read its meeting or to send waits until no turn is in flight.

The scheduler bounds the wait (`SchedulerConfig.yield_to_turns`): a bot answering turns without
a pause still sends its reminders, only a little later each.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager


class Answering:
    def __init__(self) -> None:
        self._turns = 0
        self._quiet = asyncio.Event()
        self._quiet.set()

    @property
    def turns(self) -> int:
        """How many turns are being answered."""
        return self._turns

    @contextmanager
    def turn(self) -> Iterator[None]:
        """One turn is being answered while inside."""
        self._turns += 1
        self._quiet.clear()
        try:
            yield
        finally:
            self._turns -= 1
            if self._turns == 0:
                self._quiet.set()

    async def quiet(self) -> None:
        """Return once no turn is being answered."""
        await self._quiet.wait()
