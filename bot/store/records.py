"""The rows Meetbot keeps, as every store engine hands them out.

Every datetime here is timezone-aware; stores keep them in UTC and give them back in UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


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
    # The create's whole body (`bot.graph.request.EventRequest` as JSON), so a reconcile
    # re-POSTs exactly what the turn sent; None in rows written before it was kept.
    request: str | None = None
