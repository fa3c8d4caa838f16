"""When to try a Bot Connector call again, and for how long: Teams' guidance, bounded.

Teams asks bots to retry 429 (after its `Retry-After`), 412, 502 and 504 with exponential
backoff; Meetbot also retries a connection that dropped or timed out before an answer came.
Everything else is final: 403/404 (the bot was removed), 400, 401, 413, 500 and 503 (the
reminder scheduler still retries those later, over minutes, see `bot.reminders.delivery`).

Bounds. One call makes at most `attempts` tries. All the calls made against one `Budget` (every
reply of one turn, or one proactive send) spend at most `budget` seconds between them on
attempts and waits: a wait that would overrun it is not started and the failure is returned at
once, and an attempt's timeout never reaches past it (but is at least `min_attempt_timeout`).
The connector's own time is what is bounded, not the turn's Graph work, so a reply that comes
after slow Graph calls still gets its retries, and a failed reply plus the apology that
follows it cannot together push the answer past the 15 s Teams allows a turn.

Backoff: try n waits a random time in [d/2, d], d = min(max_delay, base_delay * 2**(n-1))
("equal jitter": instances that failed together do not retry in lockstep); a 429 waits at least
its Retry-After, and not at all when that does not fit the budget.

Time is injected (`clock`, monotonic seconds, and `sleep`), so tests never wait for it.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

RETRY_STATUSES = frozenset({412, 429, 502, 504})


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 4.0
    budget: float = 8.0
    attempt_timeout: float = 5.0
    min_attempt_timeout: float = 1.0
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    jitter: Callable[[], float] = random.random  # uniform in [0, 1)

    def new_budget(self) -> Budget:
        return Budget(self)

    def backoff(self, attempt: int, retry_after: float | None = None) -> float:
        """The wait after failed try number `attempt` (1-based)."""
        ceiling = min(self.max_delay, self.base_delay * 2.0 ** (attempt - 1))
        delay = ceiling / 2 + self.jitter() * ceiling / 2
        return max(delay, retry_after) if retry_after is not None else delay


class Budget:
    """The connector time left for one turn's calls, or one proactive send's."""

    def __init__(self, policy: RetryPolicy) -> None:
        self.policy = policy
        self.spent = 0.0

    def remaining(self) -> float:
        return max(0.0, self.policy.budget - self.spent)

    def attempt_timeout(self) -> float:
        policy = self.policy
        return max(policy.min_attempt_timeout, min(policy.attempt_timeout, self.remaining()))

    def fits(self, delay: float) -> bool:
        """Whether a wait of `delay` still leaves time for a try after it."""
        return delay + self.policy.min_attempt_timeout <= self.remaining()

    def spend(self, seconds: float) -> None:
        self.spent += max(0.0, seconds)

    async def wait(self, delay: float) -> None:
        await self.policy.sleep(delay)
        self.spend(delay)


def retry_after_seconds(value: str | None) -> float | None:
    """A `Retry-After` header in seconds (the connector sends delta-seconds), else None."""
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if seconds >= 0 else None
