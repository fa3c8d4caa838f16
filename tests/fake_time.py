"""Time for retry policies in tests: sleeping only moves a counter, so no test waits."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field, replace

from bot.retry import CONNECTOR_RETRY, RetryPolicy


@dataclass
class FakeTime:
    now: float = 0.0
    sleeps: list[float] = field(default_factory=list)

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)  # still a suspension point, as a real sleep is

    def policy(self, **overrides: float) -> RetryPolicy:
        """The connector's policy on this time, with full jitter (the longest waits) unless
        overridden."""
        policy = replace(CONNECTOR_RETRY, clock=self.clock, sleep=self.sleep, jitter=lambda: 1.0)
        return replace(policy, **overrides)
