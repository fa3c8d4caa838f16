"""Token buckets that keep proactive sends inside Teams' rate limits, per instance or shared by
every instance through the database.

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

`SendLimits` keeps all of that in one instance's memory: several instances would each send at
the full rate. `SharedSendLimits` keeps the same budgets in the database (`SendBudgetStore`),
each as a timeline: the moment it is next free.

- A conversation's buckets are the same buckets written as that moment (a bucket's tokens are
  `c - (free_at - now) * r`: taking one moves it by `1/r`; a thread counts as its channel). A
  reservation is one statement, and reservations made while one is in flight share the next
  statement, so the database is asked once per batch of sends, not once per send.
- A tenant's per-app budget (`TEAMS_SEND_RATE` for each tenant; the tenant named in the stored
  conversation reference, or one shared budget for references that name none) is handed out
  in stretches of time: an instance takes the next stretch for the sends it has waiting (at
  most `slice_seconds` of rate), in one statement, and spends it locally through the pacer's
  gate. Stretches of different instances never overlap, and a stretch of `k` sends holds `k`
  moments `1/rate` apart. Each send goes at one of them, or within `1/rate` after it when the
  loop wakes it late; one woken later than that takes the next moment. The moments are fixed,
  so late wake-ups do not push a stretch's sends towards its end, against the first sends of
  the stretch after it: in any second a tenant gets at most `rate + 1` sends, whichever
  instances make them, which is why `TEAMS_SEND_RATE`'s default sits a little below Teams'
  limit. A moment not used is lost to the tenant; taking only what is waiting keeps that
  small.
- A 429 holds the conversation's and its tenant's budgets for the Retry-After, for every
  instance: Teams does not say which limit it was, and sends that keep coming into a limit
  already reached only earn more 429s. Another instance may still spend the stretch it holds,
  which is one stretch at most.

The instances' clocks are assumed to agree to well within `1/rate` (NTP does); budgets whose
moment is long past are forgotten now and then, being no different from ones never written.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections import Counter, OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from bot.reminders.clock import Clock
    from bot.store import SendBudgetStore

log = logging.getLogger(__name__)

# Teams' per-bot, per-conversation limits: (sends, window in seconds).
TEAMS_CONVERSATION_LIMITS: tuple[tuple[int, float], ...] = (
    (7, 1.0),
    (8, 2.0),
    (60, 30.0),
    (1800, 3600.0),
)


# The budget of every conversation reference that names no tenant.
UNKNOWN_TENANT = "(none)"


@dataclass(frozen=True, slots=True)
class Recipient:
    """Where a send goes, as the limits see it: the conversation and its tenant (None: unknown)."""

    conversation_id: str
    tenant: str | None

    @classmethod
    def of(cls, conversation_id: str, reference: Mapping[str, Any]) -> Recipient:
        return cls(conversation_id, reference_tenant(reference))

    @property
    def channel(self) -> str:
        """The conversation whose limits apply: a channel thread counts as its channel."""
        return self.conversation_id.split(";messageid=", 1)[0]


def reference_tenant(reference: Mapping[str, Any]) -> str | None:
    """The Entra tenant a stored conversation reference names, lower-case (as
    `bot.teams.sender.tenant_ids` reads an activity): `conversation.tenantId` (botbuilder
    writes `tenantID`), else `channelData.tenant.id`; None when it names none."""
    conversation = reference.get("conversation")
    named: list[Any] = []
    if isinstance(conversation, dict):
        named += [conversation.get("tenantId"), conversation.get("tenantID")]
    channel_data = reference.get("channelData")
    tenant = channel_data.get("tenant") if isinstance(channel_data, dict) else None
    if isinstance(tenant, dict):
        named.append(tenant.get("id"))
    for value in named:
        if isinstance(value, str) and value.strip():
            return value.strip().lower()
    return None


class SendBudget(Protocol):
    """What the scheduler asks of the limits, per send."""

    async def take(self, to: Recipient, now: float) -> float:
        """Reserve one send in `to`'s conversation: the seconds to wait before it."""

    async def give_back(self, to: Recipient, now: float) -> None:
        """The reservation will not be used (the caller will not wait that long)."""

    async def turn(self, to: Recipient, clock: Clock) -> None:
        """Wait for the per-app send slot (right before sending)."""

    async def hold(self, to: Recipient, now: float, seconds: float) -> None:
        """Teams answered 429 with Retry-After `seconds`."""


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

    # --- SendBudget: this instance's buckets, one app-wide pacer whatever the tenant ---------

    async def take(self, to: Recipient, now: float) -> float:
        return self.reserve(to.conversation_id, now)

    async def give_back(self, to: Recipient, now: float) -> None:
        self.refund(to.conversation_id, now)

    async def turn(self, to: Recipient, clock: Clock) -> None:
        if self._app is not None:
            await self._app.turn(clock)

    async def hold(self, to: Recipient, now: float, seconds: float) -> None:
        for bucket in self._buckets(to.conversation_id, now):
            bucket.pause(now, seconds)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICRO = timedelta(microseconds=1)
_SECOND = 1_000_000  # microseconds


def _us(moment: datetime) -> int:
    return (moment - _EPOCH) // _MICRO


@dataclass(frozen=True, slots=True)
class _Window:
    """One conversation bucket as a timeline: each send moves it by `step`; a send may go once
    it is no more than `tolerance` ahead of now (the bucket's capacity, in time)."""

    name: str
    step: int  # microseconds, rounded up: never faster than the window allows
    tolerance: int

    @classmethod
    def of(cls, limit: int, window: float) -> _Window:
        # As `buckets_for`: capacity limit/2, rate limit/2/window, so tolerance = window.
        return cls(
            f"{limit}/{window:g}", math.ceil(2 * window / limit * _SECOND), round(window * _SECOND)
        )


@dataclass
class _Booking:
    channel: str
    now: int
    answer: asyncio.Future[float]


@dataclass
class _Stretch:
    """This instance's share of one tenant's budget, in microseconds: the first of its
    moments not yet used, and when it ends."""

    next: int = 0
    end: int = 0
    waiting: int = 0
    gate: asyncio.Lock = field(default_factory=asyncio.Lock)


class SharedSendLimits:
    """Per-tenant and per-conversation budgets that every instance on the database shares."""

    def __init__(
        self,
        store: SendBudgetStore,
        *,
        app_rate: float | None,
        conversation_limits: tuple[tuple[int, float], ...] = TEAMS_CONVERSATION_LIMITS,
        slice_seconds: float = 0.2,
        forget_every: timedelta = timedelta(hours=1),
    ) -> None:
        if app_rate is not None and app_rate <= 0:
            raise ValueError("a send rate must be positive")
        self._store = store
        self._windows = tuple(_Window.of(limit, window) for limit, window in conversation_limits)
        self._interval = None if app_rate is None else math.ceil(_SECOND / app_rate)
        self._stretch_sends = 1 if app_rate is None else max(1, int(app_rate * slice_seconds))
        self._tenants: dict[str, _Stretch] = {}
        self._bookings: list[_Booking] = []
        self._booking = asyncio.Lock()
        self._forget_every = _us(_EPOCH + forget_every)
        self._forget_at: int | None = None

    # --- conversations ---------------------------------------------------------------------

    async def take(self, to: Recipient, now: float) -> float:
        if not self._windows:
            return 0.0
        booking = _Booking(
            to.channel, round(now * _SECOND), asyncio.get_running_loop().create_future()
        )
        self._bookings.append(booking)
        async with self._booking:  # one statement at a time; those waiting form the next batch
            if not booking.answer.done():
                batch, self._bookings = self._bookings, []
                await self._book(batch, mine=booking)
        return booking.answer.result()

    async def _book(self, batch: list[_Booking], *, mine: _Booking) -> None:
        now = max(booking.now for booking in batch)
        counts = Counter(booking.channel for booking in batch)
        costs = {
            self._key(channel, window): count * window.step
            for channel, count in counts.items()
            for window in self._windows
        }
        try:
            starts = await self._store.take_budgets(costs, now=now)
        except Exception as error:
            for booking in batch:
                booking.answer.set_exception(error)
            return
        except BaseException:  # cancelled: the others are booked by the next statement
            self._bookings[:0] = [booking for booking in batch if booking is not mine]
            raise
        taken: Counter[str] = Counter()
        for booking in batch:
            taken[booking.channel] += 1
            ready = max(
                starts[self._key(booking.channel, window)]
                + taken[booking.channel] * window.step
                - window.tolerance
                for window in self._windows
            )
            booking.answer.set_result(max(0, ready - now) / _SECOND)
        await self._forget_now_and_then(now)

    async def give_back(self, to: Recipient, now: float) -> None:
        if self._windows:
            costs = {self._key(to.channel, window): window.step for window in self._windows}
            await self._store.return_budgets(costs, now=round(now * _SECOND))

    def _key(self, channel: str, window: _Window) -> str:
        return f"conversation:{channel}:{window.name}"

    async def _forget_now_and_then(self, now: int) -> None:
        if self._forget_at is None:
            self._forget_at = now + self._forget_every
        elif now >= self._forget_at:
            self._forget_at = now + self._forget_every
            try:
                await self._store.forget_budgets(before=now - _SECOND * 60)  # (clocks differ)
            except Exception as error:  # tidying only: the sends are booked all the same
                log.warning("send budgets: could not forget old ones: %r", error)

    # --- tenants -----------------------------------------------------------------------------

    async def turn(self, to: Recipient, clock: Clock) -> None:
        if self._interval is None:
            return
        key = _tenant_key(to)
        stretch = self._tenants.get(key)
        if stretch is None:
            stretch = self._tenants[key] = _Stretch()
        stretch.waiting += 1
        try:
            async with stretch.gate:
                await self._spend(key, stretch, clock, self._interval)
        finally:
            stretch.waiting -= 1

    async def _spend(self, key: str, stretch: _Stretch, clock: Clock, interval: int) -> None:
        """Wait for this send's moment in this instance's stretch of the tenant's budget,
        taking the next stretch when no moment is left in this one."""
        while True:
            now = _us(clock.now())
            if stretch.next + interval <= now:  # moments gone by unused are lost
                stretch.next += (now - stretch.next) // interval * interval
            if stretch.next >= stretch.end:  # no moment left in this stretch: take the next one
                sends = min(stretch.waiting, self._stretch_sends)
                taken = await self._store.take_budgets({key: sends * interval}, now=now)
                stretch.next, stretch.end = taken[key], taken[key] + sends * interval
                continue
            at = stretch.next
            if at > now:
                await clock.sleep((at - now) / _SECOND)
                now = _us(clock.now())
                if now >= at + interval:  # woken too late for this moment: the next one
                    continue
            stretch.next = at + interval
            return

    async def hold(self, to: Recipient, now: float, seconds: float) -> None:
        stamp = round(now * _SECOND)
        pause = round(seconds * _SECOND)
        until = {
            self._key(to.channel, window): stamp + pause + window.tolerance
            for window in self._windows
        }
        if self._interval is not None:
            key = _tenant_key(to)
            until[key] = stamp + pause
            if (stretch := self._tenants.get(key)) is not None:
                stretch.next = stretch.end = 0  # what is left of this one is not spent
        await self._store.hold_budgets(until)


def _tenant_key(to: Recipient) -> str:
    return f"tenant:{to.tenant or UNKNOWN_TENANT}"
