"""The rows Meetbot keeps, as every store engine hands them out.

Every datetime here is timezone-aware; stores keep them in UTC and give them back in UTC.
"""

from __future__ import annotations

import uuid
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
    # The series master of a recurring meeting the bot made: when this reminder is settled,
    # the next occurrence gets its own (`successor_of`). While `event_id` is still the master's,
    # the occurrence is yet to be found: the first one starting at or after `starts_at` (the
    # master's first start for the meet's own reminder, just after the previous one's start
    # for those that follow).
    series_id: str | None = None

    @property
    def due_at(self) -> datetime:
        return self.starts_at - self.lead

    @property
    def awaits_occurrence(self) -> bool:
        """A reminder of a series that does not know its occurrence yet."""
        return self.series_id is not None and self.event_id == self.series_id

    @property
    def looks_for_next(self) -> bool:
        """A successor (`successor_of`) that has not found its occurrence: its times are the
        occurrence's before it. (The first reminder of a series has the master's own key and
        its first start.)"""
        return self.awaits_occurrence and self.key != reminder_key(
            self.conversation_id, self.event_id
        )

    @property
    def delivery_key(self) -> str:
        """The same key for every attempt at this delivery; a moved meeting gets a new one."""
        return f"meetbot-reminder-{self.id}-{int(self.due_at.timestamp())}"


def reminder_key(conversation_id: str, event_id: str) -> str:
    return f"{conversation_id}|{event_id}"


# A successor's `starts_at` is its predecessor's plus this (the stores keep microseconds): the
# occurrence it is for is the first one starting at or after it, so never the predecessor's.
AFTER = timedelta(microseconds=1)


def successor_of(reminder: Reminder, *, now: datetime) -> Reminder | None:
    """The reminder of the occurrence after `reminder`'s, still to be found (None when it is
    not of a series). Its key names the reminder it follows, so that however often it is
    handed on (two instances, a retaken lease) there is one successor."""
    if reminder.series_id is None:
        return None
    return Reminder(
        id=uuid.uuid4().hex,
        key=f"{reminder_key(reminder.conversation_id, reminder.series_id)}|after:{reminder.id}",
        user_id=reminder.user_id,
        conversation_id=reminder.conversation_id,
        event_id=reminder.series_id,
        subject=reminder.subject,
        starts_at=reminder.starts_at + AFTER,  # the next occurrence starts at or after this
        ends_at=reminder.ends_at,
        lead=reminder.lead,
        zone=reminder.zone,
        locale=reminder.locale,
        source=reminder.source,
        next_attempt_at=now,
        series_id=reminder.series_id,
    )


@dataclass(frozen=True, slots=True)
class SentMark:
    """A reminder that went out, and what its SENT record carries."""

    reminder_id: str
    activity_id: str | None
    successor: Reminder | None = None  # a series' next reminder, added with the mark


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
