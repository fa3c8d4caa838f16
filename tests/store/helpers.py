"""Fixed times and a reminder factory for the store tests."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.store import Reminder, Store, reminder_key

T0 = datetime(2025, 3, 10, 9, 0, 0, 123456, tzinfo=UTC)  # microseconds on purpose
LEAD = timedelta(minutes=15)

OpenStore = Callable[[], contextlib.AbstractAsyncContextManager[Store]]


def make_reminder(n: int = 1, **changes: Any) -> Reminder:
    """Reminder number n: a meeting n hours after T0, reminded LEAD before."""
    starts_at = changes.pop("starts_at", T0 + timedelta(hours=n))
    lead = changes.pop("lead", LEAD)
    conversation_id = changes.pop("conversation_id", "a:chat-1")
    event_id = changes.pop("event_id", f"event-{n}")
    reminder = Reminder(
        id=f"r{n:04d}",
        key=reminder_key(conversation_id, event_id),
        user_id="user-1",
        conversation_id=conversation_id,
        event_id=event_id,
        subject=f"Meeting {n}",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=30),
        lead=lead,
        zone="Europe/Berlin",
        locale="de-DE",
        source="meet",
        next_attempt_at=starts_at - lead,
    )
    return dataclasses.replace(reminder, **changes)
