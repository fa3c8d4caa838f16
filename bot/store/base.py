"""What Meetbot keeps, and the one interface both database engines implement.

A `Store` is a botbuilder `Storage` (dialog and conversation state, with eTag concurrency) and
also holds the rows the reminder scheduler runs on:

- conversation references, saved on installation and on every message, so a reminder can be
  sent later to the same chat or channel thread (`continue_conversation`);
- the meetings the bot made;
- reminders, claimed atomically by whichever instance gets there first;
- calendar watches (`remind me about all my meetings`);
- pending creates: a `meet` recorded before its Graph create and settled with its reminder,
  so a crash or a failed write between the two is reconciled later (`bot.reminders.reconcile`).

Every datetime crossing this interface is timezone-aware; stores keep them in UTC and give them
back in UTC. `SqliteStore` (the default) and `PostgresStore` implement it; `open_store` picks
one by `DATABASE_URL`. The schema is created and migrated by `open()`.
"""

from __future__ import annotations

import abc
import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from botbuilder.core import Storage

log = logging.getLogger(__name__)
HEALTH_TIMEOUT_S = 2.0


class ReminderState(StrEnum):
    PENDING = "pending"  # waiting for next_attempt_at
    SENDING = "sending"  # claimed by a worker until lease_until
    SENT = "sent"  # delivered; activity_id is what the connector answered
    CANCELLED = "cancelled"  # the user cancelled it (or said `no reminder`)
    SKIPPED = "skipped"  # the meeting was cancelled or is over: nothing to remind of
    UNDELIVERABLE = "undeliverable"  # the bot is no longer in the conversation (403/404)
    FAILED = "failed"  # transient failures exhausted the retry budget

    @property
    def is_open(self) -> bool:
        return self in (ReminderState.PENDING, ReminderState.SENDING)


_OPEN_STATES = tuple(state for state in ReminderState if state.is_open)


@dataclass(frozen=True, slots=True)
class Reminder:
    id: str  # assigned by the caller (uuid4 hex)
    key: str  # one reminder per key: `reminder_key(conversation_id, event_id)`
    user_id: str  # whose reminder it is: the organizer, or the watcher; only they list/cancel it
    conversation_id: str  # where it is sent (a channel thread keeps its `;messageid=`)
    event_id: str  # the Graph event, re-read before sending
    subject: str
    starts_at: datetime
    ends_at: datetime
    lead: timedelta  # how long before the start it is sent
    zone: str  # IANA zone of the card's times
    locale: str | None  # the card's language
    source: str  # "meet" (made by the bot) or "watch" (calendar watch)
    next_attempt_at: datetime  # claimable from then on: starts_at - lead, or later after a 429
    state: ReminderState = ReminderState.PENDING
    attempts: int = 0  # failed transient attempts so far
    lease_until: datetime | None = None  # while SENDING
    activity_id: str | None = None  # when SENT
    detail: str | None = None  # why SKIPPED / UNDELIVERABLE / FAILED

    @property
    def due_at(self) -> datetime:
        return self.starts_at - self.lead

    @property
    def delivery_key(self) -> str:
        """The same key for every attempt at this delivery; a moved meeting gets a new one."""
        return f"meetbot-reminder-{self.id}-{int(self.due_at.timestamp())}"


def reminder_key(conversation_id: str, event_id: str) -> str:
    return f"{conversation_id}|{event_id}"


@dataclass(frozen=True, slots=True)
class MeetingRecord:
    meeting_id: str  # Graph event id (kind "event") or onlineMeeting id (kind "onlineMeeting")
    kind: str
    user_id: str  # the organizer
    conversation_id: str
    subject: str
    starts_at: datetime
    ends_at: datetime
    join_url: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Watch:
    """`remind me about all my meetings`: scan the user's calendar and remind them 1:1."""

    user_id: str
    conversation_id: str  # the 1:1 chat reminders go to
    zone: str
    locale: str | None
    lead: timedelta
    next_scan_at: datetime


@dataclass(frozen=True, slots=True)
class PendingCreate:
    """A `meet` whose Graph create may have happened while its reminder is not yet written.

    Written before the create; deleted with the reminder (`add_meeting(..., settles=)`) or
    when Graph refused. Until `next_attempt_at` it belongs to the turn that wrote it; after
    that, a reconcile re-POSTs it with the same `transaction_id` (Graph answers with the event
    it already made) and writes the reminder.
    """

    transaction_id: str  # Graph's idempotency key for the create, derived from the activity
    user_id: str  # the organizer
    conversation_id: str
    subject: str
    starts_at: datetime
    ends_at: datetime
    attendees: tuple[str, ...]
    lead: timedelta | None  # the reminder asked for; None: no reminder
    zone: str  # IANA zone of the create and of the card
    locale: str | None
    next_attempt_at: datetime  # reconcilable from then on
    attempts: int = 0  # reconciles claimed so far
    # Graph's answer was lost and the user told to check the calendar: a reconcile only looks
    # for the event (by transactionId), it never makes it (they may have booked it again).
    find_only: bool = False


class Store(Storage, abc.ABC):  # type: ignore[misc]
    """botbuilder `Storage` (read/write/delete with eTags) plus the scheduler's tables."""

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

    # --- conversation references ------------------------------------------------------------

    @abc.abstractmethod
    async def save_reference(
        self, conversation_id: str, reference: dict[str, Any], *, now: datetime
    ) -> None:
        """Insert or replace the serialized `ConversationReference` of a conversation."""

    @abc.abstractmethod
    async def get_reference(self, conversation_id: str) -> dict[str, Any] | None: ...

    @abc.abstractmethod
    async def drop_reference(self, conversation_id: str) -> None:
        """The bot was removed: forget where to send (a no-op when unknown)."""

    # --- meetings -----------------------------------------------------------------------------

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

    # --- reminders ----------------------------------------------------------------------------

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
    async def mark_sent(self, reminder_id: str, *, activity_id: str | None) -> None:
        """SENDING (or any open state) -> SENT. Idempotent."""

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
    ) -> Reminder | None:
        """The meeting moved: new times, PENDING, attempts 0, next_attempt_at as given (default
        starts_at - lead); only for an open reminder (None otherwise)."""

    @abc.abstractmethod
    async def finish(self, reminder_id: str, state: ReminderState, *, detail: str) -> None:
        """Record a final SKIPPED / UNDELIVERABLE / FAILED outcome of an open reminder."""

    @abc.abstractmethod
    async def reminder_counts(self) -> dict[ReminderState, int]:
        """How many reminders are in each state (states with none are left out). Reads every
        reminder kept: for tools and tests, not for a probe (see `open_reminder_counts`)."""

    @abc.abstractmethod
    async def open_reminder_counts(self) -> dict[ReminderState, int]:
        """How many reminders are still to send, PENDING and SENDING (states with none are left
        out). Read from the due index: it costs what is open, not the history, so /healthz
        answers as fast with a year of sent reminders behind it as on the first day."""

    # --- retention ------------------------------------------------------------------------------

    @abc.abstractmethod
    async def prune(self, before: datetime, *, limit: int) -> int:
        """Forget history older than `before`, at most `limit` rows of each table per call, in
        one short transaction: reminders in a final state whose due time and meeting end are
        both before it, and meetings the bot made whose recorded end is before it (the record
        keeps the end it was made with). Open reminders are never touched. Instances may
        prune at once: on PostgreSQL each skips the rows another is deleting. The number of
        rows deleted (both tables); call again while it is not 0.
        """

    # --- pending creates ------------------------------------------------------------------------

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

    # --- calendar watches ---------------------------------------------------------------------

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
