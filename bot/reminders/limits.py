"""Token buckets that keep proactive sends inside Teams' rate limits.

Teams limits each bot per conversation (7 sends a second, 8 in 2 s, 60 in 30 s, 1800 an hour)
and each app per tenant (about 30-50 requests a second overall); beyond them it answers 429.
A bucket of capacity `c` refilled at `r` per second lets at most `c + r*W` sends through in any
window of `W` seconds, so one bucket per documented window, with `c + r*W` equal to that
window's limit, keeps every window within its limit at once.

Conversation buckets hand out reservations: `reserve()` takes a token now, possibly going
into debt, and says how long the caller must wait before using it; a caller that will not wait
that long `refund()`s its token. The per-app limit is a `Pacer` instead: one send at a time
through a gate spaced by actual send times, so sends delayed by a busy event loop cannot bunch
up behind each other and overrun Teams' one-second window.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.reminders.clock import Clock

# Teams' per-bot, per-conversation limits: (sends, window in seconds).
TEAMS_CONVERSATION_LIMITS: tuple[tuple[int, float], ...] = (
    (7, 1.0),
    (8, 2.0),
    (60, 30.0),
    (1800, 3600.0),
)


@dataclass
class TokenBucket:
    capacity: float
    rate: float  # tokens per second
    tokens: float = field(init=False)
    updated: float | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        if self.capacity < 1 or self.rate <= 0:
            raise ValueError("a bucket needs capacity >= 1 and a positive rate")
        self.tokens = self.capacity

    def reserve(self, now: float) -> float:
        """Take one token; the seconds to wait before it may be used (0 when available)."""
        self._refill(now)
        self.tokens -= 1
        return 0.0 if self.tokens >= 0 else -self.tokens / self.rate

    def refund(self, now: float) -> None:
        self._refill(now)
        self.tokens = min(self.capacity, self.tokens + 1)

    def pause(self, now: float, seconds: float) -> None:
        """No tokens for `seconds` (a 429's Retry-After)."""
        self._refill(now)
        self.tokens = min(self.tokens, -seconds * self.rate)

    def is_full(self, now: float) -> bool:
        self._refill(now)
        return self.tokens >= self.capacity

    def _refill(self, now: float) -> None:
        if self.updated is not None and now > self.updated:
            self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        if self.updated is None or now > self.updated:
            self.updated = now


class Pacer:
    """At most `rate` sends a second, each at least 1/rate after the previous one *was sent*."""

    def __init__(self, rate: float) -> None:
        if rate <= 0:
            raise ValueError("a pacer needs a positive rate")
        self._interval = 1.0 / rate
        self._next: float | None = None
        self._lock = asyncio.Lock()

    async def turn(self, clock: Clock) -> None:
        """Return when it is this caller's turn to send."""
        async with self._lock:
            now = clock.now().timestamp()
            if self._next is not None and now < self._next:
                await clock.sleep(self._next - now)
                now = clock.now().timestamp()
            self._next = now + self._interval


def buckets_for(limits: Iterable[tuple[int, float]]) -> list[TokenBucket]:
    """One bucket per window, each letting exactly the window's limit through."""
    return [TokenBucket(capacity=limit / 2, rate=limit / 2 / window) for limit, window in limits]


class SendLimits:
    """Per-app and per-conversation buckets for one bot instance."""

    def __init__(
        self,
        *,
        app_rate: float | None,
        conversation_limits: tuple[tuple[int, float], ...] = TEAMS_CONVERSATION_LIMITS,
        max_conversations: int = 100_000,
    ) -> None:
        # At most app_rate + 1 sends in any second, spaced by when they were really sent.
        self._app = Pacer(app_rate) if app_rate is not None else None
        self._conversation_limits = conversation_limits
        self._conversations: OrderedDict[str, list[TokenBucket]] = OrderedDict()
        self._max_conversations = max_conversations

    @classmethod
    def unlimited(cls) -> SendLimits:
        """No pacing at all (Teams' 429s still apply): for a connector without limits."""
        return cls(app_rate=None, conversation_limits=())

    def reserve(self, conversation_id: str, now: float) -> float:
        """Reserve one send in `conversation_id`: the seconds to wait before it."""
        waits = [bucket.reserve(now) for bucket in self._buckets(conversation_id, now)]
        return max(waits, default=0.0)

    def refund(self, conversation_id: str, now: float) -> None:
        for bucket in self._buckets(conversation_id, now):
            bucket.refund(now)

    async def app_turn(self, clock: Clock) -> None:
        """Wait for the app-wide send slot (right before sending)."""
        if self._app is not None:
            await self._app.turn(clock)

    def throttled(self, conversation_id: str, now: float, retry_after: float) -> None:
        """Teams answered 429: nothing more to that conversation for `retry_after` seconds."""
        for bucket in self._buckets(conversation_id, now):
            bucket.pause(now, retry_after)

    def _buckets(self, conversation_id: str, now: float) -> list[TokenBucket]:
        key = conversation_id.split(";messageid=", 1)[0]  # a thread counts as its channel
        buckets = self._conversations.get(key)
        if buckets is None:
            buckets = buckets_for(self._conversation_limits)
            self._conversations[key] = buckets
            if len(self._conversations) > self._max_conversations:
                self._forget_idle(now)
        else:
            self._conversations.move_to_end(key)
        return buckets

    def _forget_idle(self, now: float) -> None:
        """Drop the least recently used conversations whose buckets are full again."""
        for key in list(self._conversations)[: len(self._conversations) // 2]:
            if all(bucket.is_full(now) for bucket in self._conversations[key]):
                del self._conversations[key]
