"""Token buckets and the app pacer keep sends inside Teams' windows; the check plan."""

from __future__ import annotations

import asyncio
import itertools
import random
from datetime import UTC, datetime, timedelta

from bot.reminders import ManualClock, SendLimits
from bot.reminders.limits import TEAMS_CONVERSATION_LIMITS, Pacer, TokenBucket, buckets_for
from bot.reminders.plan import MAX_STEP, MIN_STEP, first_attempt, next_check
from tests.reminders.windows import most_in_any_window

T0 = datetime(2030, 3, 4, 8, tzinfo=UTC)


def test_conversation_buckets_never_exceed_any_teams_window() -> None:
    rng = random.Random(7)
    buckets = buckets_for(TEAMS_CONVERSATION_LIMITS)
    now, sent = 0.0, []
    for _ in range(3000):  # greedy senders at random moments, each waiting its turn
        now += rng.choice([0.0, 0.0, 0.01, 0.3, 2.0, 40.0])
        wait = max(bucket.reserve(now) for bucket in buckets)
        sent.append(now + wait)
    sent.sort()
    for limit, window in TEAMS_CONVERSATION_LIMITS:
        assert most_in_any_window(sent, window) <= limit, (limit, window)


def test_a_bucket_waits_and_refunds() -> None:
    bucket = TokenBucket(capacity=2, rate=1)
    assert bucket.reserve(0.0) == 0 and bucket.reserve(0.0) == 0
    assert bucket.reserve(0.0) == 1.0
    bucket.refund(0.0)
    assert bucket.reserve(0.0) == 1.0
    bucket.pause(0.0, 5)
    assert bucket.reserve(0.0) > 5


async def test_the_pacer_spaces_sends_by_when_they_really_go() -> None:
    clock = ManualClock(T0)
    pacer = Pacer(rate=4)
    sent: list[float] = []

    async def send() -> None:
        await pacer.turn(clock)
        sent.append(clock.now().timestamp())

    tasks = [asyncio.create_task(send()) for _ in range(9)]
    while not all(task.done() for task in tasks):
        sleeping = asyncio.ensure_future(clock.until_sleeping())
        await asyncio.wait({sleeping, *tasks}, return_when=asyncio.FIRST_COMPLETED)
        sleeping.cancel()
        if (wake := clock.next_wake()) is not None:
            clock.set(wake + timedelta(milliseconds=30))  # every wake-up a little late
    gaps = [later - earlier for earlier, later in itertools.pairwise(sent)]
    assert min(gaps) >= 0.25 - 1e-9
    assert most_in_any_window(sent, 1.0) <= 4


def test_unlimited_never_waits() -> None:
    limits = SendLimits.unlimited()
    assert all(limits.reserve("a:1", 0.0) == 0 for _ in range(100))


def test_checks_halve_the_wait_within_bounds() -> None:
    due = T0 + timedelta(days=1)
    assert next_check(T0, due) == T0 + MAX_STEP
    assert next_check(due - timedelta(minutes=40), due) == due - timedelta(minutes=20)
    assert next_check(due - timedelta(minutes=12), due) == due - timedelta(minutes=6)
    assert next_check(due - timedelta(minutes=9), due) == due
    assert next_check(due - timedelta(minutes=11), due) - (due - timedelta(minutes=11)) >= MIN_STEP


def test_first_attempt_of_an_overdue_reminder() -> None:
    start = T0 + timedelta(minutes=5)
    assert first_attempt(T0, start - timedelta(minutes=10), start) == T0  # remind now
    past = T0 - timedelta(minutes=5)
    assert first_attempt(T0, past - timedelta(minutes=10), past) == past - timedelta(minutes=10)
