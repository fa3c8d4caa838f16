"""What the chat side asks of reminders: remember where to send, make, list, change, watch.

`Reminders` is the handler's only way into the store's reminder tables. Making a reminder is
idempotent (its key is conversation + event), so a redelivered `meet` finds the first one.
A `meet` is first recorded as pending (`expect`), before Graph is called, and settled by the
reminder write (`for_meeting(..., settles=)`) or `refused`: what a crash or a failed write
leaves between the two is reconciled later (`bot.reminders.reconcile`).
The scheduler (`bot.reminders.scheduler`) is told through `on_change(due)` that there is new
work, due at `due` (None: look again now).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from botbuilder.schema import ConversationReference

from bot.reminders.plan import first_attempt
from bot.store import (
    MeetingRecord,
    MeetingStore,
    PendingCreate,
    PendingCreateStore,
    ReferenceStore,
    Reminder,
    ReminderState,
    ReminderStore,
    Watch,
    WatchStore,
    reminder_key,
)

_KNOWN_LIMIT = 10_000
TOO_SOON = "the meeting starts sooner than the reminder"
NOT_WANTED = "no reminder was wanted"


class ChatSideStore(
    ReferenceStore, MeetingStore, ReminderStore, PendingCreateStore, WatchStore, Protocol
):
    """The store's tables the chat side reads and writes (every `Store` has them)."""


@dataclass(frozen=True, slots=True)
class MeetingSpot:
    """Who made a meeting, where, and how their cards should read."""

    user_id: str
    conversation_id: str
    zone: str  # IANA
    locale: str | None


@dataclass(frozen=True, slots=True)
class ReminderChoice:
    """The reminder a meeting ended up with: `lead` None when there is none."""

    reminder: Reminder
    lead: timedelta | None
    too_soon: bool


class Reminders:
    def __init__(
        self,
        store: ChatSideStore,
        *,
        default_lead: timedelta,
        clock: Callable[[], datetime],
        on_change: Callable[[datetime | None], None] = lambda due: None,
        hold: timedelta = timedelta(seconds=60),
    ) -> None:
        """`hold`: how long a turn keeps its pending create before a reconcile may take it up
        (longer than the turn's Graph budget, so a live turn is not raced)."""
        self._store = store
        self.default_lead = default_lead
        self._clock = clock
        self._on_change = on_change
        self._hold = hold
        self._known: dict[str, ConversationReference] = {}  # the reference this instance last wrote

    # --- conversations ----------------------------------------------------------------------

    async def remember(
        self, conversation_id: str, reference: ConversationReference, *, always: bool = False
    ) -> None:
        """Keep where a conversation is: `reference`, as botbuilder makes it, without an
        activity id (a proactive send starts a turn of its own). It is written (as msrest writes
        it) only when it differs from what this instance last wrote, unless `always` (an
        installation or membership change, after which a reference another instance dropped
        must come back)."""
        if not always and self._known.get(conversation_id) == reference:
            return  # (models compare field by field: far cheaper than writing one out)
        written = {k: v for k, v in reference.serialize().items() if k != "activityId"}
        await self._store.save_reference(conversation_id, written, now=self._clock())
        if len(self._known) >= _KNOWN_LIMIT:
            self._known.clear()
        self._known[conversation_id] = reference

    async def forget(self, conversation_id: str) -> None:
        self._known.pop(conversation_id, None)
        await self._store.drop_reference(conversation_id)

    # --- reminders for meetings the bot made --------------------------------------------------

    async def expect(
        self,
        spot: MeetingSpot,
        *,
        transaction_id: str,
        subject: str,
        start: datetime,
        end: datetime,
        attendees: Sequence[str],
        lead: timedelta | None,
        request: str | None = None,
    ) -> None:
        """Record a create about to go to Graph (durably: it is committed when this returns),
        so that it ends in a reminder even if nothing after the create does. `request`: the
        create's whole Graph body as JSON, for a reconcile to send again."""
        await self._store.add_pending_create(
            PendingCreate(
                transaction_id=transaction_id,
                user_id=spot.user_id,
                conversation_id=spot.conversation_id,
                subject=subject,
                starts_at=start,
                ends_at=end,
                attendees=tuple(attendees),
                lead=lead,
                zone=spot.zone,
                locale=spot.locale,
                next_attempt_at=self._clock() + self._hold,
                request=request,
            )
        )

    async def doubted(self, transaction_id: str) -> None:
        """Graph's answer to the create was lost (it may have made the event) and the user was
        told to check their calendar: a reconcile only looks for the event, never makes it."""
        await self._store.doubt_pending_create(transaction_id)

    async def refused(self, transaction_id: str) -> None:
        """Graph refused the create (or made an event that cannot have a reminder): there is
        nothing to reconcile."""
        await self._store.drop_pending_create(transaction_id)

    async def for_meeting(
        self,
        spot: MeetingSpot,
        *,
        event_id: str,
        subject: str,
        start: datetime,
        end: datetime,
        join_url: str | None,
        lead: timedelta | None,
        settles: str | None = None,
    ) -> ReminderChoice:
        """Record the meeting and give it its reminder (`lead` None: no reminder), in one
        write that also settles the pending create `settles` (a transaction id)."""
        now = self._clock()
        meeting = MeetingRecord(
            meeting_id=event_id,
            kind="event",
            user_id=spot.user_id,
            conversation_id=spot.conversation_id,
            subject=subject,
            starts_at=start,
            ends_at=end,
            join_url=join_url,
            created_at=now,
        )
        state, detail = ReminderState.PENDING, None
        wanted = lead if lead is not None else self.default_lead
        if lead is None:
            state, detail = ReminderState.CANCELLED, NOT_WANTED
        elif start - lead <= now:
            state, detail = ReminderState.CANCELLED, TOO_SOON
        reminder = Reminder(
            id=uuid.uuid4().hex,
            key=reminder_key(spot.conversation_id, event_id),
            user_id=spot.user_id,
            conversation_id=spot.conversation_id,
            event_id=event_id,
            subject=subject,
            starts_at=start,
            ends_at=end,
            lead=wanted,
            zone=spot.zone,
            locale=spot.locale,
            source="meet",
            next_attempt_at=first_attempt(now, start - wanted, start),
            state=state,
            detail=detail,
        )
        stored = await self._store.add_meeting(meeting, reminder, settles=settles)
        if stored.state.is_open:
            self._on_change(stored.next_attempt_at)
        return choice_of(stored)

    async def set_lead(
        self, reminder_id: str, user_id: str, lead: timedelta | None
    ) -> Reminder | None:
        """Change (or with None, cancel) one of the user's reminders; None when it is not
        theirs or no longer open."""
        if lead is None:
            return await self.cancel(reminder_id, user_id)
        reminder = await self._store.get_reminder(reminder_id)
        if reminder is None or reminder.starts_at - lead <= self._clock():
            return None
        changed = await self._store.set_reminder_lead(reminder_id, user_id, lead)
        if changed is not None:
            self._on_change(changed.next_attempt_at)
        return changed

    async def pending(self, user_id: str) -> list[Reminder]:
        """The user's reminders still to come, the next one first."""
        reminders = await self._store.open_reminders(user_id, limit=100)
        waiting = [r for r in reminders if r.state is ReminderState.PENDING]
        return sorted(waiting, key=lambda reminder: (reminder.due_at, reminder.id))

    async def cancel(self, reminder_id: str, user_id: str) -> Reminder | None:
        """Cancel one of the user's pending reminders: it as it was, or None."""
        reminder = await self._store.get_reminder(reminder_id)
        if reminder is None or not await self._store.cancel_reminder(reminder_id, user_id):
            return None
        return reminder

    async def moved(
        self,
        user_id: str,
        event_id: str,
        *,
        start: datetime,
        end: datetime,
        was: datetime | None = None,
    ) -> int:
        """The user moved the event `event_id` to `start`-`end`: its open reminders follow at
        once (the scheduler's checks would find the move too, but only at their next look).
        With `was`, only a reminder of the meeting that started then (one occurrence of a
        series whose reminder names the master). How many were rescheduled."""
        now = self._clock()
        moved = 0
        for reminder in await self._store.open_reminders(user_id, limit=100):
            if reminder.event_id != event_id or (was is not None and reminder.starts_at != was):
                continue
            changed = await self._store.reschedule(
                reminder.id,
                subject=reminder.subject,
                starts_at=start,
                ends_at=end,
                next_attempt_at=first_attempt(now, start - reminder.lead, start),
            )
            if changed is not None:
                moved += 1
                self._on_change(changed.next_attempt_at)
        return moved

    # --- calendar watch -------------------------------------------------------------------------

    async def watching(self, user_id: str) -> Watch | None:
        return await self._store.get_watch(user_id)

    async def watch(self, spot: MeetingSpot) -> tuple[Watch, bool]:
        """Turn the user's calendar watch on (first scan now): the watch, and whether it is new."""
        existing = await self._store.get_watch(spot.user_id)
        watch = Watch(
            user_id=spot.user_id,
            conversation_id=spot.conversation_id,
            zone=spot.zone,
            locale=spot.locale,
            lead=existing.lead if existing else self.default_lead,
            next_scan_at=self._clock(),
        )
        await self._store.set_watch(watch)
        self._on_change(None)
        return watch, existing is None

    async def unwatch(self, user_id: str) -> bool:
        return await self._store.stop_watch(user_id)


def choice_of(reminder: Reminder) -> ReminderChoice:
    if reminder.state.is_open:
        return ReminderChoice(reminder, reminder.lead, too_soon=False)
    return ReminderChoice(reminder, None, too_soon=reminder.detail == TOO_SOON)
