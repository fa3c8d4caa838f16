"""What each part of Meetbot asks of the store: one Protocol per kind of row, and `Store`, what
a database engine is.

- dialog and conversation state: botbuilder's own `Storage` (read/write/delete with eTags);
- `ReferenceStore`: conversation references, saved on installation and on every message, so a
  reminder can be sent later to the same chat or channel thread (`bot.reminders.delivery`);
- `MeetingStore`: the meetings the bot made (written together with their reminder);
- `ReminderStore`: reminders, claimed atomically by whichever instance gets there first;
- `PendingCreateStore`: a `meet` recorded before its Graph create and settled with its
  reminder, so a crash or a failed write between the two is reconciled later
  (`bot.reminders.reconcile`);
- `WatchStore`: calendar watches (`remind me about all my meetings`);
- `SendBudgetStore`: Teams' send limits as timelines every instance shares
  (`bot.reminders.limits`);
- `RetentionStore`: forgetting old history; `StoreHealth`: the probe behind /healthz.

A consumer types its dependency as the Protocols it uses (the scheduler declares its Graph
reads as `EventSource` the same way). `SqliteStore` (the default) and `PostgresStore` implement
every one of them as a `Store`; `open_store` picks one by `DATABASE_URL`, and `open()` creates
and migrates the schema. Every datetime crossing these interfaces is timezone-aware.
"""

from __future__ import annotations

import abc
import asyncio
import logging
import time
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from botbuilder.core import Storage

from bot.store.records import (
    MeetingRecord,
    PendingCreate,
    Reminder,
    ReminderState,
    SentMark,
    Watch,
)

log = logging.getLogger(__name__)
HEALTH_TIMEOUT_S = 2.0

_OPEN_STATES = tuple(state for state in ReminderState if state.is_open)


class ReferenceStore(Protocol):
    """Where each conversation is, for sends outside a turn."""

    @abc.abstractmethod
    async def save_reference(
        self, conversation_id: str, reference: dict[str, Any], *, now: datetime
    ) -> None:
        """Insert or replace the serialized `ConversationReference` of a conversation."""

    @abc.abstractmethod
    async def get_reference(self, conversation_id: str) -> dict[str, Any] | None: ...

    @abc.abstractmethod
    async def get_references(self, conversation_ids: Collection[str]) -> dict[str, dict[str, Any]]:
        """The references of those of `conversation_ids` that have one, in one statement."""

    @abc.abstractmethod
    async def drop_reference(self, conversation_id: str) -> None:
        """The bot was removed: forget where to send (a no-op when unknown)."""


class MeetingStore(Protocol):
    """The meetings the bot made."""

    @abc.abstractmethod
    async def record_meeting(self, meeting: MeetingRecord) -> None:
        """Insert, or on the same (user_id, meeting_id) replace, a meeting the bot made."""

    @abc.abstractmethod
    async def get_meeting(self, user_id: str, meeting_id: str) -> MeetingRecord | None: ...

    @abc.abstractmethod
    async def add_meeting(
        self, meeting: MeetingRecord, reminder: Reminder, *, settles: str | None = None
    ) -> Reminder:
        """`record_meeting` then `add_reminder`, in one transaction: both or neither is kept.
        `settles`: the transaction id of the pending create this completes, deleted in the
        same transaction (the reminder is kept exactly when the pending create is gone).

        `meet` makes one write of it (one COMMIT) instead of three.
        """


class ReminderStore(Protocol):
    """Reminders: made by the chat side, claimed and settled by the scheduler."""

    @abc.abstractmethod
    async def add_reminder(self, reminder: Reminder) -> Reminder:
        """Insert unless a reminder with the same `key` exists; return the stored one.

        A redelivered `meet` thereby leaves the first reminder as it was.
        """

    @abc.abstractmethod
    async def get_reminder(self, reminder_id: str) -> Reminder | None: ...

    @abc.abstractmethod
    async def get_reminder_by_key(self, key: str) -> Reminder | None: ...

    @abc.abstractmethod
    async def open_reminders(self, user_id: str, *, limit: int = 20) -> list[Reminder]:
        """The user's PENDING and SENDING reminders, soonest first."""

    @abc.abstractmethod
    async def cancel_reminder(self, reminder_id: str, user_id: str) -> bool:
        """PENDING -> CANCELLED, only for its owner; False when nothing changed."""

    @abc.abstractmethod
    async def set_reminder_lead(
        self, reminder_id: str, user_id: str, lead: timedelta
    ) -> Reminder | None:
        """For its owner, a PENDING or CANCELLED reminder becomes PENDING with this lead
        (next_attempt_at = starts_at - lead, attempts 0); None when not found, not the owner's,
        or already SENDING / finished."""

    @abc.abstractmethod
    async def claim_due(
        self, now: datetime, *, limit: int, lease: timedelta, worker: str
    ) -> list[Reminder]:
        """Atomically take up to `limit` reminders that are PENDING with next_attempt_at <= now,
        or SENDING with lease_until <= now (a crashed worker's), soonest next_attempt_at first:
        they become SENDING with lease_until = now + lease. Two workers never get the same row
        from one round of claims (PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite: one short write
        transaction)."""

    @abc.abstractmethod
    async def next_attempt_at(self) -> datetime | None:
        """The earliest next_attempt_at of a PENDING reminder (or lease_until of a SENDING one),
        for the scheduler's sleep; None when there is none."""

    @abc.abstractmethod
    async def mark_sent(
        self, reminder_id: str, *, activity_id: str | None, successor: Reminder | None = None
    ) -> None:
        """SENDING (or any open state) -> SENT. Idempotent. `successor` (the reminder of a
        series' next occurrence) is added as `add_reminder` adds, in the same transaction,
        when this call closed the reminder: a series is handed on exactly once."""

    @abc.abstractmethod
    async def mark_sent_many(self, marks: Sequence[SentMark]) -> None:
        """`mark_sent` for each of `marks`, in one statement for those without a successor
        (one transaction on SQLite)."""

    @abc.abstractmethod
    async def release(self, reminder_id: str, *, retry_at: datetime, failed: bool) -> None:
        """SENDING -> PENDING with next_attempt_at = retry_at; `failed` counts one attempt."""

    @abc.abstractmethod
    async def reschedule(
        self,
        reminder_id: str,
        *,
        subject: str,
        starts_at: datetime,
        ends_at: datetime,
        next_attempt_at: datetime | None = None,
        event_id: str | None = None,
    ) -> Reminder | None:
        """The meeting moved: new times, PENDING, attempts 0, next_attempt_at as given (default
        starts_at - lead); only for an open reminder (None otherwise). `event_id`: the
        occurrence a series' reminder is now for (its key stays)."""

    @abc.abstractmethod
    async def finish(
        self,
        reminder_id: str,
        state: ReminderState,
        *,
        detail: str,
        successor: Reminder | None = None,
    ) -> None:
        """Record a final SKIPPED / UNDELIVERABLE / FAILED outcome of an open reminder, and
        add `successor` with it as `mark_sent` does."""

    @abc.abstractmethod
    async def reminder_counts(self) -> dict[ReminderState, int]:
        """How many reminders are in each state (states with none are left out). Reads every
        reminder kept: for tools and tests, not for a probe (see `open_reminder_counts`)."""

    @abc.abstractmethod
    async def open_reminder_counts(self) -> dict[ReminderState, int]:
        """How many reminders are still to send, PENDING and SENDING (states with none are left
        out). Read from the due index: it costs what is open, not the history, so /healthz
        answers as fast with a year of sent reminders behind it as on the first day."""


class PendingCreateStore(Protocol):
    """`meet`s between their Graph create and their reminder write (`PendingCreate`)."""

    @abc.abstractmethod
    async def add_pending_create(self, pending: PendingCreate) -> None:
        """Record a create about to be sent; a redelivered one (same transaction id) keeps the
        row that is there."""

    @abc.abstractmethod
    async def doubt_pending_create(self, transaction_id: str) -> None:
        """Graph's answer to the create was lost: make it `find_only`."""

    @abc.abstractmethod
    async def drop_pending_create(self, transaction_id: str) -> None:
        """The create is settled without a reminder (Graph refused): forget it (a no-op when
        unknown)."""

    @abc.abstractmethod
    async def claim_pending_creates(
        self, now: datetime, *, limit: int, lease: timedelta
    ) -> list[PendingCreate]:
        """Atomically take up to `limit` pending creates with next_attempt_at <= now (the
        longest due first): their next_attempt_at becomes now + lease and attempts grows by
        one (the returned ones carry both; the soonest meeting first). Two instances never
        take the same row from one round of claims."""

    @abc.abstractmethod
    async def next_pending_create_at(self) -> datetime | None:
        """The earliest next_attempt_at of any pending create; None when there is none."""


class WatchStore(Protocol):
    """Calendar watches (`remind me about all my meetings`)."""

    @abc.abstractmethod
    async def set_watch(self, watch: Watch) -> None:
        """Insert or replace the user's watch."""

    @abc.abstractmethod
    async def get_watch(self, user_id: str) -> Watch | None: ...

    @abc.abstractmethod
    async def stop_watch(self, user_id: str) -> bool:
        """Delete the user's watch; False when there was none."""

    @abc.abstractmethod
    async def claim_watches(self, now: datetime, *, limit: int, interval: timedelta) -> list[Watch]:
        """Atomically take up to `limit` watches with next_scan_at <= now, moving their
        next_scan_at to now + interval; the returned watches carry the new next_scan_at."""

    @abc.abstractmethod
    async def next_watch_scan_at(self) -> datetime | None:
        """The earliest next_scan_at of any watch; None when there is none."""


class SendBudgetStore(Protocol):
    """Send budgets shared by every instance, one per key (a tenant, one window of a
    conversation): each is a timeline whose `free_at` is when its budget is next free. Taking
    `cost` moves it to `max(free_at, now) + cost`; a key never written, or whose `free_at` has
    passed, is free now. Times and costs are integer microseconds since the Unix epoch (exact
    on both engines, unlike floats)."""

    @abc.abstractmethod
    async def take_budgets(self, costs: Mapping[str, int], *, now: int) -> dict[str, int]:
        """For every key at once, in one transaction: start = max(free_at, now), free_at =
        start + cost. Each key's start."""

    @abc.abstractmethod
    async def return_budgets(self, costs: Mapping[str, int], *, now: int) -> None:
        """Give back what was taken and not used: free_at = max(now, free_at - cost)."""

    @abc.abstractmethod
    async def hold_budgets(self, until: Mapping[str, int]) -> None:
        """Nothing from these keys before `until` (a 429's Retry-After): free_at becomes at
        least that."""

    @abc.abstractmethod
    async def forget_budgets(self, *, before: int) -> int:
        """Delete the keys whose free_at is before `before` (no different from keys never
        written once that time has passed); how many."""


class RetentionStore(Protocol):
    """History kept only so long (`RETENTION_DAYS`)."""

    @abc.abstractmethod
    async def prune(self, before: datetime, *, limit: int) -> int:
        """Forget history older than `before`, at most `limit` rows of each table per call, in
        one short transaction: reminders in a final state whose due time and meeting end are
        both before it, and meetings the bot made whose recorded end is before it (the record
        keeps the end it was made with). Open reminders are never touched. Instances may
        prune at once: on PostgreSQL each skips the rows another is deleting. The number of
        rows deleted (both tables); call again while it is not 0.
        """


class StoreHealth(Protocol):
    """What /healthz asks of the store."""

    @abc.abstractmethod
    async def health(self) -> dict[str, Any]:
        """`ok`, the engine and, when it answered, its latency and open reminders by state."""


# botbuilder's Storage is untyped, hence the ignore.
class Store(
    Storage,  # type: ignore[misc]
    ReferenceStore,
    MeetingStore,
    ReminderStore,
    PendingCreateStore,
    WatchStore,
    SendBudgetStore,
    RetentionStore,
    StoreHealth,
    abc.ABC,
):
    """A database engine: botbuilder `Storage` and every Protocol above, opened and closed."""

    @abc.abstractmethod
    async def open(self) -> None:
        """Connect, then create or migrate the schema (safe when several instances start)."""

    @abc.abstractmethod
    async def close(self) -> None: ...

    engine: str = "unknown"  # "sqlite" or "postgresql", for /healthz

    async def health(self) -> dict[str, Any]:
        """Whether the database answers a real query (open reminders by state) within 2 s."""
        started = time.perf_counter()
        try:
            async with asyncio.timeout(HEALTH_TIMEOUT_S):
                counts = await self.open_reminder_counts()
        except Exception as exc:  # any failure means unhealthy; the log line has the detail
            log.warning("store health check failed: %r", exc)
            return {"ok": False, "engine": self.engine, "error": type(exc).__name__}
        return {
            "ok": True,
            "engine": self.engine,
            "latency_ms": round((time.perf_counter() - started) * 1000, 1),
            "reminders": {state.value: counts.get(state, 0) for state in _OPEN_STATES},
        }
