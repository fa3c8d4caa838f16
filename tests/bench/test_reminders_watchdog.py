"""bench/reminders.py's watchdog: waiting for the due time is not a stall."""

from __future__ import annotations

from tests.bench.reminders_bench import load


def test_reminders_due_two_minutes_after_seeding_are_waited_for() -> None:
    watchdog = load().Watchdog(starts=1000.0 + 120.0, window=60.0)  # due 120 s from now

    assert not watchdog.stalled(1000.0 + 90.0)  # 90 s of waiting, still before the due time
    assert not watchdog.stalled(1000.0 + 170.0)  # 50 s past due
    assert watchdog.stalled(1000.0 + 181.0)  # 61 s past due and nothing delivered


def test_each_delivery_restarts_the_window() -> None:
    watchdog = load().Watchdog(starts=0.0, window=60.0)

    watchdog.progressed(50.0)

    assert not watchdog.stalled(109.0)
    assert watchdog.stalled(111.0)
