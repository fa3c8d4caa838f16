"""Send budgets shared through the database (`SharedSendLimits`): two instances on one
PostgreSQL together keep each tenant's rate and each conversation's windows, a 429 one of them
hears holds the other, and on SQLite one instance waits exactly as `SendLimits` does."""

from __future__ import annotations

import asyncio
import itertools
import random
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.reminders import ManualClock, SendLimits
from bot.reminders.limits import (
    TEAMS_CONVERSATION_LIMITS,
    Recipient,
    SharedSendLimits,
    reference_tenant,
)
from bot.store import SendBudgetStore, SqliteStore, open_store
from tests.reminders.windows import most_in_any_window

T0 = datetime(2030, 3, 4, 8, tzinfo=UTC)
RATE = 20.0  # sends a second per tenant


class _Watched:
    """A `SendBudgetStore` that counts the statements it is asked for and those in flight, so
    that the test moves the clock only once every instance has its answer (a database that
    answers late is a different test: `late`)."""

    def __init__(self, store: SendBudgetStore) -> None:
        self.store = store
        self.takes = 0
        self.in_flight = 0

    async def _call(self, work: Awaitable[Any]) -> Any:
        self.in_flight += 1
        try:
            await asyncio.sleep(0)  # (answers come back later than the question)
            return await work
        finally:
            self.in_flight -= 1

    async def take_budgets(self, costs: Mapping[str, int], *, now: int) -> dict[str, int]:
        self.takes += 1
        answer: dict[str, int] = await self._call(self.store.take_budgets(costs, now=now))
        return answer

    async def return_budgets(self, costs: Mapping[str, int], *, now: int) -> None:
        await self._call(self.store.return_budgets(costs, now=now))

    async def hold_budgets(self, until: Mapping[str, int]) -> None:
        await self._call(self.store.hold_budgets(until))

    async def forget_budgets(self, *, before: int) -> int:
        forgotten: int = await self._call(self.store.forget_budgets(before=before))
        return forgotten


@pytest.fixture
async def two_stores(postgres_url: str) -> AsyncIterator[tuple[_Watched, _Watched]]:
    """Two instances' stores (two pools) on one PostgreSQL database."""
    first, second = open_store(postgres_url), open_store(postgres_url)
    await first.open()
    await second.open()
    try:
        yield _Watched(first), _Watched(second)
    finally:
        await first.close()
        await second.close()


async def _drive(
    clock: ManualClock,
    work: list[Awaitable[Any]],
    stores: Iterable[_Watched],
    *,
    late: float | Callable[[], float] = 0.0,
) -> None:
    """Run `work`; whenever every task is asleep on the clock or waiting for another that is
    (none runnable, no statement in flight), move time to the next sleeper's moment, plus
    `late` seconds, or what `late()` says each time (a busy event loop that wakes its sleepers
    late)."""
    lateness = late if callable(late) else lambda: late
    watched = list(stores)
    tasks = [asyncio.ensure_future(each) for each in work]
    calm = 0
    while not all(task.done() for task in tasks):
        await asyncio.sleep(0)
        calm = calm + 1 if not any(store.in_flight for store in watched) else 0
        if calm < 10:  # (a woken task reaches its next sleep or statement within a turn or two)
            continue
        calm = 0
        if (wake := clock.next_wake()) is not None:
            clock.set(wake + timedelta(seconds=lateness()))
    for task in tasks:
        task.result()


def _sender(
    limits: SharedSendLimits, clock: ManualClock, sent: dict[str | None, list[float]]
) -> Callable[[Recipient, int], Awaitable[None]]:
    async def send(to: Recipient, count: int) -> None:
        for _ in range(count):
            await limits.turn(to, clock)
            sent.setdefault(to.tenant, []).append((clock.now() - T0).total_seconds())

    return send


async def _into_one_tenant(
    two_stores: tuple[_Watched, _Watched], sends: int, *, late: float | Callable[[], float]
) -> list[float]:
    """Each instance sends `sends` times in three lanes (several sends in flight on each) into
    one tenant at RATE: the moments they went, in seconds from T0, in order."""
    clock = ManualClock(T0)
    sent: dict[str | None, list[float]] = {}
    senders = [
        _sender(SharedSendLimits(store, app_rate=RATE, conversation_limits=()), clock, sent)
        for store in two_stores
    ]
    work = [
        send(Recipient(f"a:chat-{index}-{lane}", "tenant-1"), sends)
        for index, send in enumerate(senders)
        for lane in range(3)
    ]
    await _drive(clock, work, two_stores, late=late)
    return sorted(sent["tenant-1"])


@pytest.mark.parametrize("late", [0.0, 0.013])
async def test_two_instances_together_keep_one_tenants_rate(
    two_stores: tuple[_Watched, _Watched], late: float
) -> None:
    times = await _into_one_tenant(two_stores, 30, late=late)
    assert len(times) == 180
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    # Whichever instance sent, one gate's spacing, less what late wake-ups took from it (a
    # send woken late, then the next stretch's first send, on time).
    assert min(gaps) >= 1 / RATE - 2 * late - 1e-6
    # Late wake-ups may put one more into a second (`TEAMS_SEND_RATE`'s default sits below
    # Teams' limit for that), never more over a longer window.
    assert most_in_any_window(times, 1.0) <= RATE + (1 if late else 0)
    assert most_in_any_window(times, 5.0) <= 5 * RATE + (1 if late else 0)
    # Both instances kept sending: the rate was shared, not taken by whoever came first.
    assert times[-1] <= 180 / RATE * (1.5 if late else 1.1)


@pytest.mark.parametrize("seed", range(3))
async def test_wake_ups_late_at_random_cost_the_tenant_no_moments(
    two_stores: tuple[_Watched, _Watched], seed: int
) -> None:
    """A loop that wakes some sends on time and others up to nearly a gap late: each send
    still goes in its own moment, so late ones neither crowd a stretch's end against the
    next stretch's first sends nor push the moments after them back."""
    rng = random.Random(seed)
    times = await _into_one_tenant(two_stores, 60, late=lambda: rng.choice([0.0, 0.5, 0.97]) / RATE)
    assert len(times) == 360
    assert most_in_any_window(times, 1.0) <= RATE + 1
    assert most_in_any_window(times, 5.0) <= 5 * RATE + 1
    # The tenant got its rate: 360 sends in 18 s, as if every wake-up had been on time (sends
    # spaced from the one before each, rather than put in their moments, took 23-24 s).
    assert times[-1] <= 360 / RATE * 1.02


async def test_two_tenants_each_get_their_whole_rate(two_stores: tuple[_Watched, _Watched]) -> None:
    clock = ManualClock(T0)
    sent: dict[str | None, list[float]] = {}
    senders = [
        _sender(SharedSendLimits(store, app_rate=RATE, conversation_limits=()), clock, sent)
        for store in two_stores
    ]
    work = [
        send(Recipient(f"a:chat-{tenant}-{lane}", tenant), 20)
        for send in senders
        for tenant in ("tenant-1", "tenant-2")
        for lane in range(2)
    ]
    await _drive(clock, work, two_stores)

    for tenant in ("tenant-1", "tenant-2"):
        times = sorted(sent[tenant])
        assert len(times) == 80
        assert most_in_any_window(times, 1.0) <= RATE
        # The tenants went in parallel: each finished in its own 80 / RATE seconds.
        assert times[-1] <= 80 / RATE * 1.1


async def test_two_instances_together_keep_a_conversations_windows(
    two_stores: tuple[_Watched, _Watched],
) -> None:
    """Greedy senders on both instances, at random moments, each waiting its reservation."""
    rng = random.Random(11)
    clock = ManualClock(T0)
    instances = [SharedSendLimits(store, app_rate=None) for store in two_stores]
    thread = Recipient("19:general@thread.tacv2;messageid=17", "tenant-1")
    channel = Recipient("19:general@thread.tacv2", "tenant-1")  # the same limits
    sent: list[float] = []

    async def send(limits: SharedSendLimits, count: int) -> None:
        for _ in range(count):
            await clock.sleep(rng.choice([0.0, 0.01, 0.3, 2.0]))
            to = rng.choice([thread, channel])
            wait = await limits.take(to, clock.now().timestamp())
            await clock.sleep(wait)
            sent.append((clock.now() - T0).total_seconds())

    await _drive(clock, [send(limits, 60) for limits in instances for _ in range(2)], two_stores)

    sent.sort()
    assert len(sent) == 240
    for limit, window in TEAMS_CONVERSATION_LIMITS:
        assert most_in_any_window(sent, window) <= limit, (limit, window)
    # And nearly as many as the windows allow: the budget was shared, not held back.
    assert most_in_any_window(sent, 30.0) >= 57


async def test_a_429_one_instance_hears_holds_the_other(
    two_stores: tuple[_Watched, _Watched],
) -> None:
    clock = ManualClock(T0)
    hearing, other = (SharedSendLimits(store, app_rate=RATE) for store in two_stores)
    to = Recipient("a:chat-1", "tenant-1")
    elsewhere = Recipient("a:chat-2", "tenant-1")  # the same tenant, another conversation
    await hearing.turn(to, clock)
    assert await other.take(to, clock.now().timestamp()) == 0

    await hearing.hold(to, clock.now().timestamp(), 3.0)

    assert await other.take(to, clock.now().timestamp()) >= 3.0  # the conversation
    sent: list[datetime] = []

    async def send() -> None:
        await other.turn(elsewhere, clock)  # the tenant
        sent.append(clock.now())

    await _drive(clock, [send()], two_stores)
    assert sent[0] - T0 >= timedelta(seconds=3)
    # Another tenant is not held.
    assert await other.take(Recipient("a:chat-3", "tenant-2"), clock.now().timestamp()) == 0


async def test_a_reservation_given_back_is_free_for_every_instance(
    two_stores: tuple[_Watched, _Watched],
) -> None:
    first, second = (SharedSendLimits(store, app_rate=None) for store in two_stores)
    to = Recipient("a:chat-1", None)
    now = T0.timestamp()
    waits = [await first.take(to, now) for _ in range(5)]
    assert waits[:3] == [0, 0, 0] and waits[4] > waits[3] > 0
    await first.give_back(to, now)
    assert await second.take(to, now) == pytest.approx(waits[4], abs=1e-5)


@pytest.fixture
async def sqlite_store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    store = SqliteStore(tmp_path / "meetbot.db")
    await store.open()
    try:
        yield store
    finally:
        await store.close()


async def test_reservations_made_together_share_one_statement(sqlite_store: SqliteStore) -> None:
    counting = _Watched(sqlite_store)
    limits = SharedSendLimits(counting, app_rate=None)
    now = T0.timestamp()
    chats = [Recipient(f"a:chat-{n % 10}", "tenant-1") for n in range(100)]

    waits = await asyncio.gather(*(limits.take(to, now) for to in chats))

    assert counting.takes <= 2  # the first alone, then all that came meanwhile
    local = SendLimits(app_rate=None)
    assert list(waits) == pytest.approx(
        [local.reserve(to.conversation_id, now) for to in chats], abs=1e-4
    )


async def test_on_sqlite_one_instance_waits_as_the_local_buckets_do(
    sqlite_store: SqliteStore,
) -> None:
    rng = random.Random(5)
    shared = SharedSendLimits(sqlite_store, app_rate=None)
    local = SendLimits(app_rate=None)
    now = T0.timestamp()
    for _ in range(400):
        now += rng.choice([0.0, 0.0, 0.05, 0.4, 3.0, 90.0])
        to = Recipient(rng.choice(["a:chat-1", "19:c@thread.tacv2;messageid=2"]), "t")
        expected = local.reserve(to.conversation_id, now)
        assert await shared.take(to, now) == pytest.approx(expected, abs=1e-4)
        if expected > 5:  # the scheduler gives back what it will not wait for
            local.refund(to.conversation_id, now)
            await shared.give_back(to, now)


async def test_old_budgets_are_forgotten_once_free(sqlite_store: SqliteStore) -> None:
    limits = SharedSendLimits(sqlite_store, app_rate=None, forget_every=timedelta(minutes=5))
    start = T0.timestamp()
    await limits.take(Recipient("a:chat-1", None), start)
    await limits.take(Recipient("a:chat-2", None), start + 400)  # forgets chat-1's
    assert await sqlite_store.forget_budgets(before=int((start + 400) * 1e6)) == 0


def test_the_tenant_comes_from_the_stored_reference() -> None:
    assert reference_tenant({"conversation": {"id": "a:1", "tenantId": " T-1 "}}) == "t-1"
    assert reference_tenant({"conversation": {"id": "a:1", "tenantID": "T-2"}}) == "t-2"
    assert reference_tenant({"channelData": {"tenant": {"id": "T-3"}}}) == "t-3"
    assert reference_tenant({"conversation": {"id": "a:1"}, "channelData": None}) is None
    assert Recipient.of("a:1", {"conversation": {"tenantId": ""}}).tenant is None
