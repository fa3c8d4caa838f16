"""The reminder scheduler: driven by the database, safe with several instances and crashes.

Each round claims the reminders that are due (an atomic claim in the store, so two instances
never take the same one), re-reads each meeting's event from Graph, and then:

- before the reminder is due (a *check*): a moved meeting is rescheduled, a cancelled one
  skipped, and the next check is set closer to the due time, so a meeting moved earlier is
  noticed before its old reminder time;
- when due: a cancelled or finished meeting is skipped, a moved one rescheduled, and otherwise
  the reminder card is sent into its conversation (`bot.reminders.delivery`), paced within
  Teams' limits per conversation and per app in each tenant (budgets every instance shares
  through the database: `bot.reminders.limits`) and carrying the reminder's delivery key.

A 429 puts the reminder back for its Retry-After; 412/5xx and dropped connections retry with
bounded exponential backoff; 403/404 mean the bot left the conversation: its reference is
dropped and the reminder recorded as undeliverable. A claim is a lease: if the instance dies
mid-send, another one (or the restarted one) takes the reminder up again when the lease ends
and sends it with the same delivery key. A backlog is claimed a batch of slots at a time, and
the sends that finished meanwhile are recorded together just before (one commit for them all).

A recurring meeting the bot made has one reminder open at a time. The first is written with
the series master (`Reminder.series_id`); when claimed it looks up its occurrence among the
master's instances, and each one, settled (sent, or skipped: that occurrence was cancelled or
is over), hands on to the next in the same write (`successor_of`), which finds its occurrence
in turn. A cancelled occurrence is not among the instances, a moved one (an exception) is
there at its new time, and a series with none left ends. Graph away while finding is retried
with the same backoff and, past its budget, every `MAX_STEP`: giving up would end the series.

In delegated mode (`GRAPH_PERMISSIONS=delegated`) each read is made with the organizer's own
token, and one who has none (signed out, consent revoked) gets `SignInRequired` instead of a
read. Nothing then waits for a sign-in that may never come: a check ahead of time goes on to
the next check; a due reminder goes out at once with what was stored when it was made (its
times, subject and the meeting's join link) on a card that says it was not re-checked; a
series' reminder that cannot find its next occurrence looks again every `SIGN_IN_RECHECK`
and, once `SIGN_IN_PATIENCE` has passed since the occurrence before it, the series' reminders
end. A calendar watch skips the round (its reminders, which keep no join link, go out as
stored without one), and a pending create waits for its next lease (`bot.reminders.reconcile`).

Time comes only from the injected `Clock`; calendar watches (`remind me about all my meetings`)
are scanned in the same loop, and so are pending creates (`bot.reminders.reconcile`): the
`meet`s a crash or a failed write interrupted between the Graph create and the reminder write,
looked at from the first round after a start.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
import uuid
from collections.abc import Awaitable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from botbuilder.core import MessageFactory
from botbuilder.schema import Activity

from bot.graph import (
    GraphError,
    GraphForbidden,
    GraphNotFound,
    GraphThrottled,
    GraphUnavailable,
    SignInRequired,
    TokenError,
)
from bot.graph.models import Event
from bot.i18n import catalog_for
from bot.logs import log_context
from bot.reminders.answering import Answering
from bot.reminders.clock import Clock
from bot.reminders.delivery import Delivery, Outcome, Sender
from bot.reminders.limits import Recipient, SendBudget
from bot.reminders.plan import MAX_STEP, first_attempt, next_check
from bot.reminders.reconcile import PendingCreates
from bot.reminders.references import GatheredReferences
from bot.retry import REMINDER_RETRY, RetryPolicy, paced_by_caller
from bot.store import (
    MeetingStore,
    ReferenceStore,
    Reminder,
    ReminderState,
    ReminderStore,
    RetentionStore,
    SentMark,
    Watch,
    WatchStore,
    reminder_key,
    successor_of,
)
from bot.tasks import cancel_and_wait
from cards import MeetingView, card_attachment, reminder_card, view_from_event

log = logging.getLogger(__name__)


class SchedulerStore(
    ReminderStore, ReferenceStore, MeetingStore, WatchStore, RetentionStore, Protocol
):
    """The store's tables a round works on (every `Store` has them); the meetings for the join
    link stored with one, when it cannot be read again."""


class EventSource(Protocol):
    """The Graph reads the scheduler needs (`GraphClient` has them)."""

    async def get_event(self, user_id: str, event_id: str, *, select: str = ...) -> Event: ...

    async def list_calendar_view(
        self, user_id: str, start: datetime, end: datetime, *, zone: str
    ) -> list[Event]: ...

    async def list_instances(
        self, user_id: str, series_id: str, start: datetime, end: datetime, *, top: int = 10
    ) -> list[Event]: ...


# How far ahead a series' next occurrence is looked for: past any pattern's interval the bot
# books (every few months at most). A series with nothing in it has ended.
SERIES_HORIZON = timedelta(days=400)
# A series' reminder whose organizer has no token looks for its next occurrence this often,
# and gives up (the series' reminders end) this long after the occurrence before it: longer
# than a monthly series' gap, so one sign-in within it picks the series up where it is.
SIGN_IN_RECHECK = timedelta(hours=1)
SIGN_IN_PATIENCE = timedelta(days=35)


@dataclass(frozen=True, slots=True)
class SchedulerConfig:
    worker: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    lease: timedelta = timedelta(seconds=60)  # a claim's lifetime; a dead worker's is retaken
    poll: timedelta = timedelta(seconds=5)  # the longest idle sleep (other instances' inserts)
    concurrency: int = 64  # reminders in flight at once
    # Failed transient sends (attempts) before a reminder is recorded FAILED, and the backoff
    # between them (seconds); one try per round, so the policy's budget is not used here.
    retry: RetryPolicy = REMINDER_RETRY
    watch_interval: timedelta = timedelta(minutes=5)
    watch_lookahead: timedelta = timedelta(hours=1)
    watch_batch: int = 20
    simulated: bool = False  # local mode: cards say the meeting is simulated
    retention: timedelta | None = timedelta(days=30)  # history kept; None keeps it forever
    prune_every: timedelta = timedelta(hours=1)  # how often old history is looked for
    prune_batch: int = 500  # rows per table per transaction: the store is never held long
    shutdown_grace: timedelta = timedelta(seconds=10)  # for sends in flight at shutdown
    # The longest a reminder waits, before each step, for the turns being answered.
    yield_to_turns: timedelta = timedelta(milliseconds=250)


@dataclass
class SchedulerStats:
    sent: int = 0
    throttled: int = 0
    retried: int = 0
    skipped: int = 0
    rescheduled: int = 0
    checked: int = 0
    undeliverable: int = 0
    failed: int = 0
    followed: int = 0  # reminders of a series that found their occurrence
    unchecked: int = 0  # sent without re-reading the meeting: the organizer had no token


class ReminderScheduler:
    def __init__(
        self,
        *,
        store: SchedulerStore,
        events: EventSource,
        sender: Sender,
        limits: SendBudget,
        clock: Clock,
        config: SchedulerConfig | None = None,
        pending: PendingCreates | None = None,
        answering: Answering | None = None,
    ) -> None:
        self._store = store
        self._references = GatheredReferences(store)
        self._answering = answering  # turns in flight, which come first
        self._pending = pending
        self._next_reconcile: datetime | None = None  # None: at the first round
        self._reconciling = False  # a batch is in flight
        self._events = events
        self._sender = sender
        self._limits = limits
        self._clock = clock
        self._config = config or SchedulerConfig()
        self._wake = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self._slot_free = asyncio.Event()
        # Slots claimed together while a backlog lasts (`_round`), and whether one does.
        self._claim_batch = max(1, self._config.concurrency // 4)
        self._backlog = False
        # Sent reminders whose SENT is still to be written: written together (`_write_marks`).
        self._unmarked: list[SentMark] = []
        self._next_watch_scan: datetime | None = None
        self._next_prune: datetime | None = None  # None: at the first round
        self._quiet_rounds = 0  # times the loop went idle with nothing in flight
        self._quiet = asyncio.Condition()
        self.stats = SchedulerStats()
        self.running = False
        self._last_round_at: datetime | None = None
        self._asleep_until: datetime | None = None  # while idle: when it looks again at the latest
        self._failing_rounds = 0  # rounds in a row that raised

    # --- the loop ---------------------------------------------------------------------------

    def wake(self, due: datetime | None = None) -> None:
        """Something changed here: a reminder became due at `due`, or (None) anything else,
        such as a new calendar watch. The loop looks again now, unless it sleeps until no
        later than `due` anyway: a `meet` whose reminder is due tomorrow costs the store
        nothing more today (no claim, no watch scan, no re-planning per message)."""
        if due is not None:
            asleep_until = self._asleep_until
            if asleep_until is not None and due >= asleep_until:
                return
        else:
            self._next_watch_scan = None
        self._wake.set()

    async def run(self) -> None:
        """Deliver reminders until cancelled. Failures of one round are logged, never fatal."""
        self.running = True
        try:
            while True:
                self._last_round_at = self._clock.now()
                try:
                    busy = await self._round()
                    self._failing_rounds = 0
                    if not busy:
                        await self._idle()  # it reads the store too
                except Exception:
                    self._failing_rounds += 1
                    log.exception("reminder round failed; trying again after the poll interval")
                    await self._pause()
        finally:
            self.running = False
            await self._shut_down()

    def health(self) -> dict[str, Any]:
        """For /healthz: the loop runs and has looked at the store lately (within three poll
        intervals, or a lease when that is longer: a round may wait on sends in flight)."""
        now = self._clock.now()
        age = (now - self._last_round_at).total_seconds() if self._last_round_at else None
        limit = max(3 * self._config.poll, self._config.lease).total_seconds()
        stalled = age is None or age > limit
        return {
            "ok": self.running and not stalled and self._failing_rounds == 0,
            "running": self.running,
            "last_round_age_s": round(age, 1) if age is not None else None,
            "failing_rounds": self._failing_rounds,
            "in_flight": len(self._tasks),
            "worker": self._config.worker,
            "stats": asdict(self.stats),
        }

    async def _shut_down(self) -> None:
        """Let sends in flight finish and be recorded (for a while), then cancel the rest;
        a cancelled one is taken up again when its lease ends."""
        tasks = set(self._tasks)
        if tasks:
            grace = self._config.shutdown_grace.total_seconds()
            _, pending = await asyncio.wait(tasks, timeout=grace)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        await self._write_marks()

    async def settle(self) -> None:
        """Return once the running loop has looked at the store again and has nothing in
        flight: whatever was due at the clock's time has been dealt with."""
        async with self._quiet:
            target = self._quiet_rounds + 1
            self.wake()
            await self._quiet.wait_for(lambda: self._quiet_rounds >= target)

    async def run_once(self) -> int:
        """One round, and wait for what it claimed to finish: the number claimed."""
        await self._scan_watches()
        if self._pending is not None:
            await self._reconcile(self._pending, self._clock.now())
        claimed = await self._claim(self._config.concurrency)
        await asyncio.gather(*(self._handle(reminder) for reminder in claimed))
        await self._write_marks()
        await self._prune()
        return len(claimed)

    async def drain(self) -> int:
        """Rounds until nothing is due at the clock's current time: the number claimed."""
        total = 0
        while claimed := await self.run_once():
            total += claimed
        return total

    async def _round(self) -> bool:
        """Claim into free slots. True when it should go on at once rather than idle.

        While a backlog is being worked off (the last claim filled every free slot), slots
        are claimed into a batch at a time, not one by one as each frees up: one claim per
        batch is one write and one commit for several reminders."""
        await self._scan_watches()
        self._start_reconcile()
        free = self._config.concurrency - len(self._tasks)
        if free <= 0 or (self._backlog and free < self._claim_batch):
            await self._wait_for_slots(self._claim_batch if self._backlog else 1)
            return True
        await self._write_marks()  # the sends that freed these slots
        claimed = await self._claim(free)
        for reminder in claimed:
            task = asyncio.create_task(self._handle(reminder))
            self._tasks.add(task)
            task.add_done_callback(self._done)
        self._backlog = len(claimed) == free
        if self._backlog:  # maybe more are due: claim again when a batch of slots frees up
            await self._wait_for_slots(self._claim_batch)
            return True
        await self._prune()  # only in a round with free slots left: sends come first
        return False

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self._slot_free.set()
        if not task.cancelled() and (error := task.exception()) is not None:
            log.error("reminder task failed", exc_info=error)

    async def _wait_for_slots(self, wanted: int) -> None:
        """Until `wanted` slots are free (or every task has ended, which frees them all)."""
        while self._tasks and self._config.concurrency - len(self._tasks) < wanted:
            self._slot_free.clear()
            await self._slot_free.wait()

    async def _pause(self) -> None:
        """After a failed round (the database away, say): the poll interval, or a wake-up."""
        await self._first_of(
            self._clock.sleep(self._config.poll.total_seconds()), self._wake.wait()
        )
        self._wake.clear()

    async def _first_of(self, *waits: Awaitable[Any]) -> None:
        await first_of(*waits)

    async def _idle(self) -> None:
        await self._write_marks()
        next_due = await self._store.next_attempt_at()
        now = self._clock.now()  # after the store's answer: the clock may have moved meanwhile
        wake_at = now + self._config.poll
        if next_due is not None:
            wake_at = min(wake_at, next_due)
        if self._next_watch_scan is not None:
            wake_at = min(wake_at, self._next_watch_scan)
        if self._next_reconcile is not None and not self._reconciling:  # (else: when it ends)
            wake_at = min(wake_at, self._next_reconcile)
        delay = (wake_at - now).total_seconds()
        if delay <= 0 or self._unmarked:  # (a send that finished meanwhile: recorded first)
            await asyncio.sleep(0)
            return
        if self._wake.is_set():  # woken while the round ran: look again at once
            self._wake.clear()
            return
        # Started before going quiet, so a clock sleep is registered before `settle()` returns.
        waits = [
            asyncio.ensure_future(self._clock.sleep(delay)),
            asyncio.ensure_future(self._wake.wait()),
        ]
        if self._tasks:  # re-plan when one finishes (it may have put a reminder back)
            self._slot_free.clear()
            waits.append(asyncio.ensure_future(self._slot_free.wait()))
        else:
            async with self._quiet:
                self._quiet_rounds += 1
                self._quiet.notify_all()
        self._asleep_until = wake_at
        try:
            await self._first_of(*waits)
        finally:
            self._asleep_until = None
            self._wake.clear()

    async def _claim(self, limit: int) -> list[Reminder]:
        return await self._store.claim_due(
            self._clock.now(),
            limit=limit,
            lease=self._config.lease,
            worker=self._config.worker,
        )

    # --- one reminder -------------------------------------------------------------------------

    async def _handle(self, reminder: Reminder) -> None:
        with log_context(reminder_id=str(reminder.id), conversation_id=reminder.conversation_id):
            await self._yield_to_turns()
            await self._handle_reminder(reminder)

    async def _yield_to_turns(self) -> None:
        """Let the turns being answered have the event loop first (for a while at most)."""
        if self._answering is not None and self._answering.turns:
            limit = self._config.yield_to_turns.total_seconds()
            await first_of(self._answering.quiet(), self._clock.sleep(limit))

    async def _handle_reminder(self, reminder: Reminder) -> None:
        if reminder.awaits_occurrence:
            await self._find_occurrence(reminder)
            return
        try:
            event = await self._current_event(reminder)
        except SignInRequired:
            await self._unchecked(reminder)
            return
        if event is None:
            return
        now = self._clock.now()
        if now < reminder.due_at:  # a check ahead of time; the meeting is where it was
            self.stats.checked += 1
            await self._release(reminder, next_check(now, reminder.due_at), failed=False)
            return
        await self._send(reminder, event)

    async def _unchecked(self, reminder: Reminder) -> None:
        """The meeting cannot be read again: its organizer has no token. A check ahead of
        time goes on to the next one (a sign-in meanwhile lets it see a move); when due, the
        reminder goes out with what was stored, unless by those times the meeting is over."""
        now = self._clock.now()
        if now < reminder.due_at:  # (not counted as checked: nothing was read)
            await self._release(reminder, next_check(now, reminder.due_at), failed=False)
            return
        if now >= reminder.ends_at:
            await self._finish(reminder, ReminderState.SKIPPED, "the meeting is over (not re-read)")
            return
        await self._send(reminder, None)

    async def _send(self, reminder: Reminder, event: Event | None) -> None:
        """Send the reminder card: of `event` as Graph has it now, or (None) of what was stored
        when the reminder was made, marked as not re-checked."""
        reference = await self._references.get_reference(reminder.conversation_id)
        if reference is None:
            await self._finish(reminder, ReminderState.UNDELIVERABLE, "no conversation reference")
            return
        # The card is made before the send slot is waited for, so that the send leaves at its
        # moment: every instance's pacing counts on sends going out when their turn comes.
        if event is None:
            view = await self._stored_view(reminder)
        else:
            view = self._view(reminder, await self._with_recurrence(reminder, event))
        activity = self._activity(reminder, view, rechecked=event is not None)
        to = Recipient.of(reminder.conversation_id, reference)
        await self._yield_to_turns()
        if not await self._pace(reminder, to):
            return
        with paced_by_caller():  # a 429 comes back here, to hold every instance's budget
            outcome = await self._sender.send(reference, activity)
        if event is None and outcome.delivery is Delivery.SENT:
            self.stats.unchecked += 1
            log.info("reminder %s: sent as stored, not re-read (no sign-in)", reminder.id)
        await self._record(reminder, outcome, to)

    async def _current_event(self, reminder: Reminder) -> Event | None:
        """The event now, or None when the reminder was settled (skipped, moved, retried).
        `SignInRequired` (no token for the organizer) is the caller's to act on."""
        try:
            event = await self._events.get_event(reminder.user_id, reminder.event_id)
        except SignInRequired:
            raise
        except GraphNotFound:
            await self._finish(reminder, ReminderState.SKIPPED, "the meeting was deleted")
            return None
        except (GraphThrottled, GraphUnavailable, TokenError) as error:
            await self._retry(reminder, f"Graph: {error}")
            return None
        except GraphForbidden as error:
            await self._finish(reminder, ReminderState.FAILED, f"Graph refused: {error}")
            return None
        except GraphError as error:
            await self._retry(reminder, f"Graph: {error}")
            return None
        if event.is_cancelled:
            await self._finish(reminder, ReminderState.SKIPPED, "the meeting was cancelled")
            return None
        if event.start is None or event.end is None:
            await self._finish(reminder, ReminderState.FAILED, "the event has no start or end")
            return None
        start, end = event.start.to_datetime(), event.end.to_datetime()
        now = self._clock.now()
        if now >= end:
            await self._finish(reminder, ReminderState.SKIPPED, "the meeting is over")
            return None
        if start != reminder.starts_at or end != reminder.ends_at:
            await self._store.reschedule(
                reminder.id,
                subject=event.subject or reminder.subject,
                starts_at=start,
                ends_at=end,
                next_attempt_at=first_attempt(now, start - reminder.lead, start),
            )
            self.stats.rescheduled += 1
            log.info("reminder %s: the meeting moved to %s", reminder.id, start.isoformat())
            return None
        return event

    async def _find_occurrence(self, reminder: Reminder) -> None:
        """Point a series' reminder at its occurrence: the first one starting at or after its
        `starts_at` that is not over. It is put back for that occurrence's first look (at
        once when due), or the series is recorded as ended."""
        assert reminder.series_id is not None  # (awaits_occurrence)
        now = self._clock.now()
        since = max(reminder.starts_at, now)
        try:
            occurrences = await self._events.list_instances(
                reminder.user_id, reminder.series_id, since, since + SERIES_HORIZON
            )
        except GraphNotFound:
            await self._finish(reminder, ReminderState.SKIPPED, "the series was deleted")
            return
        except GraphForbidden as error:
            await self._finish(reminder, ReminderState.FAILED, f"Graph refused: {error}")
            return
        except SignInRequired:
            await self._await_sign_in(reminder)
            return
        except (GraphError, TokenError) as error:
            await self._retry(reminder, f"Graph: {error}")
            return
        upcoming = sorted(
            (
                (event.start.to_datetime(), event.end.to_datetime(), event)
                for event in occurrences
                if event.start is not None and event.end is not None and not event.is_cancelled
            ),
            key=lambda found: found[0],
        )
        for start, end, event in upcoming:
            if start >= reminder.starts_at and end > now:
                await self._store.reschedule(
                    reminder.id,
                    event_id=event.id,
                    subject=event.subject or reminder.subject,
                    starts_at=start,
                    ends_at=end,
                    next_attempt_at=first_attempt(now, start - reminder.lead, start),
                )
                self.stats.followed += 1
                log.info("reminder %s: the next occurrence starts %s", reminder.id, start)
                return
        await self._finish(reminder, ReminderState.SKIPPED, "the series has ended")

    async def _await_sign_in(self, reminder: Reminder) -> None:
        """A series' next occurrence cannot be looked for: the organizer has no token. The
        reminder stays open and looks again every `SIGN_IN_RECHECK` (unreminded occurrences
        meanwhile pass: the one found is the next still to come), but not for ever: past
        `SIGN_IN_PATIENCE` after the occurrence before it, the series' reminders end."""
        now = self._clock.now()
        if now - reminder.starts_at >= SIGN_IN_PATIENCE:
            await self._finish(
                reminder,
                ReminderState.FAILED,
                "the organizer has not signed in again: the series' next meeting is unknown",
            )
            return
        log.info("reminder %s: the next occurrence waits for a sign-in", reminder.id)
        await self._release(reminder, now + SIGN_IN_RECHECK, failed=False)

    async def _stored_view(self, reminder: Reminder) -> MeetingView:
        """The card's view from what was stored: the reminder's times and subject, and the join
        link recorded with the meeting the bot made (a series': the master's, which every
        occurrence shares). A watched meeting has none recorded: the card has no Join button."""
        meeting = await self._store.get_meeting(
            reminder.user_id, reminder.series_id or reminder.event_id
        )
        zone = _zone(reminder.zone)
        return MeetingView(
            subject=reminder.subject,
            start=reminder.starts_at.astimezone(zone),
            end=reminder.ends_at.astimezone(zone),
            zone=zone,
            zone_is_fallback=False,
            join_url=meeting.join_url if meeting is not None else None,
            dial_in=None,
            simulated=self._config.simulated,
        )

    def _view(self, reminder: Reminder, event: Event) -> MeetingView:
        zone = _zone(reminder.zone)
        return view_from_event(
            event, zone, zone_is_fallback=False, simulated=self._config.simulated
        )

    async def _with_recurrence(self, reminder: Reminder, event: Event) -> Event:
        """An occurrence as the card shows it: with its series' recurrence, which only the
        master carries (one read, at the send only). Unread, the card goes out without it."""
        if reminder.series_id is None or event.recurrence is not None:
            return event
        try:
            master = await self._events.get_event(
                reminder.user_id, reminder.series_id, select="recurrence"
            )
        except (GraphError, TokenError) as error:
            log.info("reminder %s: the series could not be read: %s", reminder.id, error)
            return event
        return event.model_copy(update={"recurrence": master.recurrence})

    async def _pace(self, reminder: Reminder, to: Recipient) -> bool:
        """Wait for a send slot within Teams' limits (the conversation's, then its tenant's),
        or put the reminder back for later."""
        stamp = self._clock.now().timestamp()
        wait = await self._limits.take(to, stamp)
        if wait > self._config.lease.total_seconds() / 4:  # would outlive the claim: requeue
            await self._limits.give_back(to, stamp)
            retry_at = self._clock.now() + timedelta(seconds=wait)
            await self._release(reminder, retry_at, failed=False)
            return False
        if wait > 0:
            await self._clock.sleep(wait)
        await self._limits.turn(to, self._clock)
        return True

    def _activity(self, reminder: Reminder, view: MeetingView, *, rechecked: bool) -> Activity:
        catalog = catalog_for(reminder.locale)
        card = reminder_card(
            view,
            catalog,
            now=self._clock.now(),
            rechecked=rechecked,
            series=reminder.series_id is not None,
        )
        activity = MessageFactory.attachment(card_attachment(card))
        activity.summary = catalog.reminder_summary.format(subject=view.subject or "")
        # `deliveryKey` names this delivery on every attempt; `alert` puts it in the user's feed.
        activity.channel_data = {
            "meetbot": {"deliveryKey": reminder.delivery_key},
            "notification": {"alert": True},
        }
        return activity

    async def _record(self, reminder: Reminder, outcome: Outcome, to: Recipient) -> None:
        match outcome.delivery:
            case Delivery.SENT:
                self.stats.sent += 1
                successor = successor_of(reminder, now=self._clock.now())
                self._unmarked.append(SentMark(reminder.id, outcome.activity_id, successor))
                if len(self._unmarked) >= self._claim_batch:
                    await self._write_marks()
            case Delivery.THROTTLED:
                self.stats.throttled += 1
                delay = outcome.retry_after or 1.0
                now = self._clock.now()
                await self._limits.hold(to, now.timestamp(), delay)
                await self._release(reminder, now + timedelta(seconds=delay), failed=False)
            case Delivery.RETRY:
                await self._retry(reminder, outcome.detail)
            case Delivery.GONE:
                await self._store.drop_reference(reminder.conversation_id)
                await self._finish(
                    reminder,
                    ReminderState.UNDELIVERABLE,
                    f"the bot is no longer in the conversation ({outcome.detail})",
                )
            case Delivery.REFUSED:
                await self._finish(reminder, ReminderState.FAILED, outcome.detail)

    async def _write_marks(self) -> None:
        """Record the reminders sent since the last time, all at once (one statement, or on
        SQLite one transaction). Until then a sent reminder is held by its claim, and a crash
        meanwhile sends it again after the lease with the same delivery key, as a crash
        between a send and its mark always did. Marks are written before each claim, before
        going idle and at shutdown, and as soon as a claim's batch of them is waiting."""
        marks, self._unmarked = self._unmarked, []
        if not marks:
            return
        try:
            await self._store.mark_sent_many(marks)
        except Exception:
            log.exception(
                "%d reminder(s) were sent but could not be recorded; they go out again (same "
                "delivery key) when their claim ends: %s",
                len(marks),
                ", ".join(mark.reminder_id for mark in marks),
            )

    async def _retry(self, reminder: Reminder, detail: str) -> None:
        attempts = reminder.attempts + 1
        if attempts >= self._config.retry.attempts and reminder.awaits_occurrence:
            # Giving up here would end the whole series: look again at the pace of a check
            # until Graph answers (it is told apart from a refusal or a deleted series).
            log.info("reminder %s: the next occurrence is still unknown (%s)", reminder.id, detail)
            await self._release(reminder, self._clock.now() + MAX_STEP, failed=False)
            return
        if attempts >= self._config.retry.attempts:
            await self._finish(reminder, ReminderState.FAILED, f"gave up after {detail}")
            return
        self.stats.retried += 1
        delay = _backoff(self._config.retry, reminder, attempts)
        log.info("reminder %s: retrying in %.1fs after %s", reminder.id, delay, detail)
        await self._release(reminder, self._clock.now() + timedelta(seconds=delay), failed=True)

    async def _release(self, reminder: Reminder, retry_at: datetime, *, failed: bool) -> None:
        await self._store.release(reminder.id, retry_at=retry_at, failed=failed)

    async def _finish(self, reminder: Reminder, state: ReminderState, detail: str) -> None:
        if state is ReminderState.SKIPPED:
            self.stats.skipped += 1
        elif state is ReminderState.UNDELIVERABLE:
            self.stats.undeliverable += 1
        else:
            self.stats.failed += 1
        log.info("reminder %s: %s (%s)", reminder.id, state.value, detail)
        # A series goes on past an occurrence that was skipped or could not be sent, not past
        # a conversation the bot left, nor past its own end (a reminder that found nothing).
        hands_on = state is not ReminderState.UNDELIVERABLE and not reminder.awaits_occurrence
        successor = successor_of(reminder, now=self._clock.now()) if hands_on else None
        await self._store.finish(reminder.id, state, detail=detail, successor=successor)

    # --- interrupted creates ----------------------------------------------------------------------

    def _start_reconcile(self) -> None:
        """Finish the `meet`s a crash or failure interrupted, when the next one is due and at
        least every poll interval (another instance may have left one). It runs beside the
        round, as a task in flight like a send, so its Graph calls never hold up a reminder."""
        pending, now = self._pending, self._clock.now()
        if pending is None or self._reconciling:
            return
        if self._next_reconcile is not None and now < self._next_reconcile:
            return
        self._reconciling = True
        task = asyncio.create_task(self._reconcile(pending, now))
        self._tasks.add(task)
        task.add_done_callback(self._done)

    async def _reconcile(self, pending: PendingCreates, now: datetime) -> None:
        """One batch. Like pruning, a failure is logged and looked at again a poll later."""
        latest = now + self._config.poll
        due: datetime | None = None
        try:
            due = await pending.run_once()
        except Exception as error:  # the store's own failures: a round must not fail for this
            log.warning("reconciling interrupted meetings failed: %r", error)
        finally:
            self._next_reconcile = latest if due is None else min(due, latest)
            self._reconciling = False

    # --- retention ------------------------------------------------------------------------------

    async def _prune(self) -> None:
        """Forget finished reminders and meetings older than the retention period: one batch
        per round that has slots to spare (rounds come at least every poll interval), every
        `prune_every` once the backlog is gone. Each instance does it; PostgreSQL instances
        skip the rows another is deleting. Housekeeping never holds up reminders: a failed
        prune is logged and tried again an interval later, and the round goes on."""
        retention = self._config.retention
        now = self._clock.now()
        if retention is None or (self._next_prune is not None and now < self._next_prune):
            return
        try:
            deleted = await self._store.prune(now - retention, limit=self._config.prune_batch)
        except Exception as error:  # the store's own failures: a round must not fail for this
            log.warning("forgetting old reminders and meetings failed: %r", error)
            self._next_prune = now + self._config.prune_every
            return
        if deleted:
            log.info("forgot %d reminders and meetings older than %s", deleted, retention)
        more = deleted >= self._config.prune_batch  # a full batch: maybe more are due
        self._next_prune = now if more else now + self._config.prune_every

    # --- calendar watches -----------------------------------------------------------------------

    async def _scan_watches(self) -> None:
        now = self._clock.now()
        if self._next_watch_scan is not None and now < self._next_watch_scan:
            return
        watches = await self._store.claim_watches(
            now, limit=self._config.watch_batch, interval=self._config.watch_interval
        )
        for watch in watches:
            try:
                await self.scan_watch(watch, now)
            except SignInRequired:
                # No token for the watcher: this round is skipped (the claim already set the
                # next scan); the reminders it made go out as stored.
                log.info("calendar watch of %s: skipped, no sign-in", watch.user_id)
            except (GraphError, TokenError) as error:
                log.warning("calendar watch of %s failed: %s", watch.user_id, error)
        if len(watches) < self._config.watch_batch:
            # Look again when the next watch is due, and at least every interval (another
            # instance may have added one).
            upcoming = await self._store.next_watch_scan_at()
            latest = now + self._config.watch_interval
            self._next_watch_scan = min(upcoming, latest) if upcoming else latest

    async def scan_watch(self, watch: Watch, now: datetime) -> int:
        """Add (or move) a reminder for every online meeting in the watch's look-ahead window:
        the number of meetings seen."""
        horizon = now + max(self._config.watch_lookahead, watch.lead + self._config.watch_interval)
        events = await self._events.list_calendar_view(watch.user_id, now, horizon, zone=watch.zone)
        reminded = await self._series_reminded(watch, events)
        seen = 0
        for event in events:
            if not _is_joinable(event) or event.start is None or event.end is None:
                continue
            if event.series_master_id is not None and event.series_master_id in reminded:
                continue  # a series the bot made here: its own reminders follow it
            start, end = event.start.to_datetime(), event.end.to_datetime()
            if start <= now:
                continue
            seen += 1
            wanted = Reminder(
                id=uuid.uuid4().hex,
                key=reminder_key(watch.conversation_id, event.id),
                user_id=watch.user_id,
                conversation_id=watch.conversation_id,
                event_id=event.id,
                subject=event.subject or "",
                starts_at=start,
                ends_at=end,
                lead=watch.lead,
                zone=watch.zone,
                locale=watch.locale,
                source="watch",
                next_attempt_at=first_attempt(now, start - watch.lead, start),
            )
            stored = await self._store.add_reminder(wanted)
            if stored.state.is_open and (stored.starts_at, stored.ends_at) != (start, end):
                await self._store.reschedule(
                    stored.id,
                    subject=wanted.subject,
                    starts_at=start,
                    ends_at=end,
                    next_attempt_at=wanted.next_attempt_at,
                )
        return seen

    async def _series_reminded(self, watch: Watch, events: list[Event]) -> set[str]:
        """The series among `events` that the bot reminds of in the watch's chat already (it
        made them there): one read, and only when the window has an occurrence."""
        if all(event.series_master_id is None for event in events):
            return set()
        reminders = await self._store.open_reminders(watch.user_id, limit=100)
        return {
            reminder.series_id
            for reminder in reminders
            if reminder.series_id is not None and reminder.conversation_id == watch.conversation_id
        }


def _is_joinable(event: Event) -> bool:
    return (
        event.is_online_meeting
        and not event.is_cancelled
        and event.online_meeting is not None
        and bool(event.online_meeting.join_url)
    )


def _zone(key: str) -> ZoneInfo:
    try:
        return ZoneInfo(key)
    except (ValueError, KeyError):  # ZoneInfoNotFoundError is a KeyError
        return ZoneInfo("UTC")


def _backoff(policy: RetryPolicy, reminder: Reminder, attempts: int) -> float:
    """The policy's backoff with a per-reminder jitter (deterministic, so tests can know it)."""
    digest = hashlib.blake2b(f"{reminder.id}:{attempts}".encode(), digest_size=2).digest()
    delay = policy.backoff(attempts, chance=int.from_bytes(digest, "big") / 0x10000)
    return float(math.ceil(delay * 1000) / 1000)


async def first_of(*waits: Awaitable[Any]) -> None:
    """Wait for the first of `waits` to finish; cancel the others and wait for them to end
    (a cancel of the caller meanwhile goes on up: see `bot.tasks.cancel_and_wait`)."""
    futures = {asyncio.ensure_future(wait) for wait in waits}
    try:
        await asyncio.wait(futures, return_when=asyncio.FIRST_COMPLETED)
    finally:
        await cancel_and_wait(*futures)
