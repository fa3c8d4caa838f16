"""When to look at a reminder: checks ahead of time, then the due moment.

A reminder is not only claimed when due. Until then it is claimed for *checks* that re-read
the meeting: halfway to the due time, but at least `MIN_STEP` and at most `MAX_STEP` apart, and
the last one at the due time itself. A meeting moved earlier is thereby noticed at most
`MAX_STEP` after the move (and before its old reminder time), for about two Graph reads an hour
per pending reminder: far below Outlook's 10,000 requests per 10 minutes per mailbox.
"""

from __future__ import annotations

from datetime import datetime, timedelta

MIN_STEP = timedelta(minutes=5)
MAX_STEP = timedelta(minutes=30)
FINAL_STRETCH = timedelta(minutes=10)  # within this of the due time, the next look is at it


def next_check(now: datetime, due: datetime) -> datetime:
    """The next time to look at a reminder due at `due`."""
    remaining = due - now
    if remaining <= FINAL_STRETCH:
        return due
    return min(due, now + min(MAX_STEP, max(remaining / 2, MIN_STEP)))


def first_attempt(now: datetime, due: datetime, start: datetime) -> datetime:
    """The first look at a new (or moved) reminder: its due time has passed but the meeting
    has not started yet -> now."""
    if due <= now:
        return now if start > now else due
    return next_check(now, due)
