"""`bot.retry`: the backoff arithmetic and the budget every remote shares."""

from __future__ import annotations

from dataclasses import replace

from bot.retry import CONNECTOR_RETRY, GRAPH_RETRY, REMINDER_RETRY, RetryPolicy, retry_after_seconds


def test_the_backoff_doubles_up_to_its_cap() -> None:
    policy = RetryPolicy(base_delay=0.5, max_delay=2.0)
    assert [policy.backoff(n) for n in range(1, 6)] == [0.5, 1.0, 2.0, 2.0, 2.0]


def test_a_retry_after_is_waited_for_at_least() -> None:
    policy = RetryPolicy(base_delay=0.5)
    assert policy.backoff(1, 3.0) == 3.0
    assert policy.backoff(2, 0.1) == 1.0


def test_the_spread_draws_from_the_upper_part_of_the_wait() -> None:
    policy = replace(CONNECTOR_RETRY, jitter=lambda: 0.0)
    assert policy.backoff(1) == 0.25  # spread 0.5: [d/2, d]
    assert replace(policy, jitter=lambda: 1.0).backoff(1) == 0.5
    assert REMINDER_RETRY.backoff(1, chance=0.0) == 2.0 * (1 - REMINDER_RETRY.spread)
    assert GRAPH_RETRY.backoff(2) == 1.0  # no spread: the same wait every time


def test_a_budget_bounds_tries_and_waits() -> None:
    budget = replace(GRAPH_RETRY, budget=3.0).new_budget()
    assert budget.attempt_timeout() == 3.0
    budget.spend(2.0)
    assert budget.remaining() == 1.0 and budget.fits(0.5) and not budget.fits(0.6)
    budget.spend(5.0)
    assert budget.remaining() == 0.0 and budget.attempt_timeout() == GRAPH_RETRY.min_attempt


def test_retry_after_is_read_as_delta_seconds_only() -> None:
    assert [retry_after_seconds(v) for v in ("2", "0.5", None, "-1", "soon")] == [
        2.0,
        0.5,
        None,
        None,
        None,
    ]
