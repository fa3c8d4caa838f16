"""How Meetbot tries a remote call again: one policy type for Graph, the connector and reminders.

A `RetryPolicy` says how many tries one call gets (`attempts`, the first included), how long to
wait between them (`backoff`: `base_delay` doubling up to `max_delay`, at least the server's
`Retry-After`), and how much time all the tries and waits of one unit of work may take between
them (`budget`: one Teams turn, one proactive send). Each remote keeps its own figures
(`GRAPH_RETRY`, `CONNECTOR_RETRY`, `REMINDER_RETRY`) and its own list of what is worth trying
again; the arithmetic is this module's.

Jitter: a wait is drawn from [d * (1 - spread), d], d the doubled delay, so that instances that
failed together do not retry in lockstep. `chance` (uniform in [0, 1)) picks the point; the
reminder scheduler passes its own, derived from the reminder, so that a test can know it.

A `Budget` is the time left for one unit of work. It counts only the time spent in tries and
waits (`spend`), not the work between them, so a connector reply that follows slow Graph calls
still gets its retries. An attempt's timeout never reaches past what is left, and a wait that
would leave less than `min_attempt` for the try after it is not started.

A caller that paces its own sends and acts on a 429 itself (the reminder scheduler holds every
instance's budget for the tenant and conversation) runs them in `paced_by_caller()`: a 429 is
then not tried again after its Retry-After, which would be a send outside that pacing.

Time is injected (`clock`, monotonic seconds, and `sleep`), so tests never wait for it.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 3  # tries per call, the first one included
    base_delay: float = 0.5  # the wait after the first failed try; doubles after each
    max_delay: float = 4.0  # the longest wait between two tries
    budget: float = 8.0  # seconds of tries and waits for one unit of work (a turn, a send)
    attempt_timeout: float = 5.0  # one try, never more than the budget has left
    min_attempt: float = 0.5  # the shortest try worth starting
    connect_timeout: float | None = None  # a new connection's own limit within a try
    spread: float = 0.0  # the part of a wait left to chance (see the module docstring)
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    jitter: Callable[[], float] = random.random  # uniform in [0, 1)

    def backoff(
        self, failed: int, retry_after: float | None = None, *, chance: float | None = None
    ) -> float:
        """The wait after failed try number `failed` (1-based), at least `retry_after`."""
        ceiling = min(self.max_delay, self.base_delay * 2.0 ** (failed - 1))
        if self.spread:
            drawn = self.jitter() if chance is None else chance
            ceiling *= 1.0 - self.spread * (1.0 - drawn)
        return ceiling if retry_after is None else max(ceiling, retry_after)

    def new_budget(self, seconds: float | None = None) -> Budget:
        return Budget(self, self.budget if seconds is None else seconds)


class Budget:
    """The time left for one unit of work's tries and waits (see the module docstring)."""

    def __init__(self, policy: RetryPolicy, seconds: float) -> None:
        self.policy = policy
        self.seconds = seconds
        self.spent = 0.0

    def remaining(self) -> float:
        return max(0.0, self.seconds - self.spent)

    def attempt_timeout(self) -> float:
        """The next try's time limit: what is left, within the policy's bounds."""
        policy = self.policy
        return max(policy.min_attempt, min(policy.attempt_timeout, self.remaining()))

    def fits(self, delay: float) -> bool:
        """Whether a wait of `delay` still leaves time for a try after it."""
        return delay + self.policy.min_attempt <= self.remaining()

    def spend(self, seconds: float) -> None:
        self.spent += max(0.0, seconds)

    async def wait(self, delay: float) -> None:
        await self.policy.sleep(delay)
        self.spend(delay)


def retry_after_seconds(value: str | None) -> float | None:
    """A `Retry-After` header in seconds (Graph and the connector send delta-seconds), else
    None."""
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if seconds >= 0 else None


# Graph: 8 s of Graph work per turn leaves the rest of Teams' 15-second window for the reply.
GRAPH_RETRY = RetryPolicy(connect_timeout=2.0)
# The connector: Teams asks for exponential backoff; the turn's replies share the budget.
CONNECTOR_RETRY = RetryPolicy(attempts=4, min_attempt=1.0, spread=0.5)
# Reminders: the scheduler retries a failed send over minutes, one try per round.
REMINDER_RETRY = RetryPolicy(attempts=6, base_delay=2.0, max_delay=120.0, spread=0.4)


_PACED_BY_CALLER: ContextVar[bool] = ContextVar("paced_by_caller", default=False)


@contextmanager
def paced_by_caller() -> Iterator[None]:
    """Within it, this task's calls answer a 429 at once (with its Retry-After) instead of
    retrying it: the caller's pacing decides when to send again."""
    token = _PACED_BY_CALLER.set(True)
    try:
        yield
    finally:
        _PACED_BY_CALLER.reset(token)


def throttling_is_paced() -> bool:
    """Whether the calling task is inside `paced_by_caller()`."""
    return _PACED_BY_CALLER.get()
