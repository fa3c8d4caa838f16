"""The turns being answered right now, so that the reminder fan-out gives them the event loop
first: a `meet` posted while thousands of reminders go out is answered as fast as on an idle
bot, since a reminder about to re-read its meeting or to send waits until no turn is in flight.

The wait is bounded (`at_most`): a bot answering turns without a pause still sends its
reminders, only a little later each.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager

from bot.reminders.clock import Clock
from bot.tasks import cancel_and_wait


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

    async def until_quiet(self, clock: Clock, *, at_most: float) -> None:
        """Return once no turn is being answered, or after `at_most` seconds on `clock`."""
        if self._turns == 0:
            return
        waits = [
            asyncio.ensure_future(self._quiet.wait()),
            asyncio.ensure_future(clock.sleep(at_most)),
        ]
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            await cancel_and_wait(*waits)
