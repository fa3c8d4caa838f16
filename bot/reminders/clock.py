"""Time for the scheduler, injected: the real clock in production, a manual one in tests.

The scheduler never calls `datetime.now()` or `asyncio.sleep()` itself. With `ManualClock`
a test moves time forward explicitly and every sleeper whose moment has come wakes up, so no
test waits for real time to pass.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware (UTC)."""

    async def sleep(self, seconds: float) -> None:
        """Return once `seconds` have passed on this clock."""


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


class ManualClock:
    """A clock that moves only when told to: `advance()` wakes the sleepers that are due."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware start")
        self._now = start.astimezone(UTC)
        self._sleepers: list[tuple[datetime, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._asleep: asyncio.Event | None = None

    def now(self) -> datetime:
        return self._now

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        wake = self._now + timedelta(seconds=seconds)
        heapq.heappush(self._sleepers, (wake, next(self._order), future))
        if self._asleep is not None:
            self._asleep.set()
        await future

    async def until_sleeping(self) -> None:
        """Return once some task is sleeping on this clock (it has run out of work)."""
        while not self.sleepers:
            self._asleep = asyncio.Event()
            await self._asleep.wait()

    @property
    def sleepers(self) -> int:
        """How many sleeps are waiting (cancelled ones excluded)."""
        return sum(1 for _, _, future in self._sleepers if not future.done())

    def next_wake(self) -> datetime | None:
        pending = [wake for wake, _, future in self._sleepers if not future.done()]
        return min(pending, default=None)

    def advance(self, delta: timedelta) -> None:
        self.set(self._now + delta)

    def set(self, when: datetime) -> None:
        if when < self._now:
            raise ValueError("a ManualClock does not go back")
        self._now = when.astimezone(UTC)
        while self._sleepers and self._sleepers[0][0] <= self._now:
            _, _, future = heapq.heappop(self._sleepers)
            if not future.done():
                future.set_result(None)
