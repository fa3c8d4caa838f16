"""The `meet` and `meet now` flows.

They turn a parsed command into a Graph call and the Graph answer into a card. Failures the
user can act on become an error card that says what to do (and carries Graph's request-id);
nothing here builds a half-made meeting: the calendar check happens before the create.

A `meet` is written down as pending before Graph is asked (`Reminders.expect`), and settled by
the reminder write. Once Graph has made the event, no later failure (the store locked or down,
the card refused by the connector) tells the user to try again, which would book it twice:
they get the short "booked, but Meetbot could not finish" card, and whatever the turn left
undone (its reminder) is done by a reconcile (`bot.reminders.reconcile`), also after a crash.
A create whose Graph answer was lost is only looked for later, never made again. A create
Graph answered without a Teams link is read again and, if offline, made online in place
(`GraphClient.with_join_link`); if that fails too, the card says plainly that the meeting is
booked without a link, never to book it again.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Any
from zoneinfo import ZoneInfo

from bot.commands import MeetCommand, MeetNowCommand
from bot.commands.places import is_room_address
from bot.graph import (
    GraphClient,
    GraphError,
    GraphForbidden,
    GraphNoAnswer,
    GraphThrottled,
    GraphUnauthorized,
    GraphUnavailable,
    InvalidGraphId,
    MailboxNotEnabled,
    MissingGrant,
    SignInRequired,
    TeamsNotAllowed,
    TokenError,
)
from bot.graph.client import graph_zone_name
from bot.graph.models import Event, OnlineMeeting, Room
from bot.graph.recurrence import recurrence_json
from bot.graph.request import AttendeeType, EventRequest, Invitee, Participant, RoomBooking
from bot.i18n import Catalog, catalog_for
from bot.reminders import MeetingSpot, Reminders
from bot.reminders.reconcile import Finished
from bot.store import PendingCreate
from cards import (
    ReminderSetting,
    error_card,
    meeting_card,
    view_from_event,
    view_from_online_meeting,
)

log = logging.getLogger(__name__)

# How the flow answers the turn: sends one card (the handler's send, or an update in place).
Reply = Callable[[dict[str, Any]], Awaitable[None]]

# Fixed namespace: the same Teams activity always maps to the same Graph idempotency key.
_IDEMPOTENCY_NS = uuid.UUID("5d0b7a4e-2f7c-4a51-9a8e-6f1f3c2b9d10")


@dataclass(frozen=True, slots=True)
class Requester:
    """Who asked and where: the organizer is always the authenticated sender."""

    user_id: str
    conversation_id: str
    activity_id: str
    zone: ZoneInfo
    zone_is_fallback: bool
    catalog: Catalog

    def idempotency_key(self, purpose: str) -> str:
        """A stable id for this activity, so a redelivered message cannot double-book."""
        name = f"{purpose}|{self.conversation_id}|{self.activity_id}"
        return str(uuid.uuid5(_IDEMPOTENCY_NS, name))

    @property
    def spot(self) -> MeetingSpot:
        return MeetingSpot(self.user_id, self.conversation_id, self.zone.key, self.catalog.locale)


class MeetingFlow:
    def __init__(
        self, graph: GraphClient, *, simulated: bool, reminders: Reminders | None = None
    ) -> None:
        self._graph = graph
        self._simulated = simulated
        self._reminders = reminders

    async def schedule(
        self,
        command: MeetCommand,
        who: Requester,
        reply: Reply,
        *,
        names: Mapping[str, str] | None = None,
    ) -> None:
        """Book the meeting and answer with `reply`: the meeting card, or an error card; a
        reminder only once the event exists. `names`: display names by folded address (the
        roster's), sent with the invitations."""
        transaction_id = who.idempotency_key("event")
        lead = self._lead(command)
        where = await self._where(command, who.user_id)
        request = self._graph.event_request(
            subject=command.subject,
            start=command.start,
            end=command.end,
            zone=who.zone.key,
            attendees=invitees(command, names or {}),
            places=where.places,
            room=where.room,
            agenda=command.agenda,
            recurrence=_recurrence(command, who.zone.key),
        )
        try:
            await self._expect(command, who, transaction_id, lead, request)
        except Exception:  # whatever the store raised: Graph has not been asked, nothing is made
            log.exception("the meeting could not be recorded before its create")
            await reply(error_card(who.catalog, who.catalog.store_unavailable))
            return
        try:
            with self._graph.budget():
                event = await self._graph.create_event(
                    who.user_id, request, zone=who.zone.key, transaction_id=transaction_id
                )
        except (GraphError, TeamsNotAllowed, TokenError) as exc:
            await self._settle_failed(transaction_id, exc)
            await reply(failure_card(exc, who.catalog, Failed.CREATE))
            return
        # From here on the event exists: every failure ends in `unfinished_card`.
        event = await self._with_join_link(event, who.user_id)
        try:
            card = await self._created_card(
                event, who, command.subject, lead, transaction_id, room_unresolved=where.unresolved
            )
        except Exception:  # the store's, of whatever kind: the pending create is reconciled
            log.exception("meeting %s was created but its reminder was not written", event.id)
            card = unfinished_card(who.catalog)
        try:
            await reply(card)
        except Exception:  # the connector refused the card (too large, say): a short one
            log.exception("the card of meeting %s could not be sent", event.id)
            await reply(unfinished_card(who.catalog))

    async def _with_join_link(self, event: Event, user_id: str) -> Event:
        """The created event with its Teams link, when Graph answered without one; as it is
        when adding one fails (the card then says so: it is booked, do not book it again)."""
        if event.join_url:
            return event
        log.warning("meeting %s was created without a Teams link", event.id)
        try:
            with self._graph.budget():
                return await self._graph.with_join_link(user_id, event)
        except (GraphError, TeamsNotAllowed, TokenError) as exc:
            log.warning("meeting %s: no Teams link could be added: %s", event.id, exc)
            return event

    def _lead(self, command: MeetCommand) -> timedelta | None:
        """The reminder asked for, else the default (`REMINDER_MINUTES`); None: no reminder."""
        if self._reminders is None:
            return None
        asked = command.reminder
        return self._reminders.default_lead if asked is None else asked.before

    async def _where(self, command: MeetCommand, user_id: str) -> Where:
        """The meeting's places, and its room looked up in the tenant's room list (read for
        `user_id`, with their token in delegated mode): a room name not found there (or a
        list the app may not read) stays a plain place."""
        if command.room is None:
            return Where(command.places)
        rooms: list[Room] = []
        try:
            with self._graph.budget():
                rooms = await self._graph.list_rooms(user_id)
        except (GraphError, TokenError) as exc:  # Place.Read.All not granted, most often
            log.info("the room list could not be read: %s", exc)
        by_key = {
            key.casefold(): room
            for room in rooms
            if room.email_address
            for key in (room.email_address, room.display_name or "")
            if key
        }
        found = by_key.get(command.room.casefold())
        if found is not None and found.email_address:
            name = found.display_name or found.email_address
            return Where(command.places, RoomBooking(found.email_address, name))
        if is_room_address(command.room):  # a mailbox needs no list to be booked
            return Where(command.places, RoomBooking(command.room, command.room))
        return Where((*command.places, command.room), unresolved=command.room)

    async def _expect(
        self,
        command: MeetCommand,
        who: Requester,
        transaction_id: str,
        lead: timedelta | None,
        request: EventRequest,
    ) -> None:
        if self._reminders is None:
            return
        await self._reminders.expect(
            who.spot,
            transaction_id=transaction_id,
            subject=command.subject,
            start=command.start,
            end=command.end,
            attendees=command.attendees,
            lead=lead,
            request=json.dumps(request.graph_json()),
        )

    async def _settle_failed(self, transaction_id: str, exc: Exception) -> None:
        """A refused create is forgotten; one whose answer was lost (the card says to check
        the calendar) is left to a reconcile that only looks for it."""
        if self._reminders is None:
            return
        try:
            if isinstance(exc, GraphError) and exc.maybe_applied:
                await self._reminders.doubted(transaction_id)
            else:
                await self._reminders.refused(transaction_id)
        except Exception:  # then a reconcile asks Graph again, with the same transactionId
            log.exception("a failed create could not be settled")

    async def _created_card(
        self,
        event: Event,
        who: Requester,
        subject: str,
        lead: timedelta | None,
        transaction_id: str,
        *,
        room_unresolved: str | None = None,
    ) -> dict[str, Any]:
        view = view_from_event(
            event, who.zone, zone_is_fallback=who.zone_is_fallback, simulated=self._simulated
        )
        if room_unresolved is not None:
            view = dataclasses.replace(view, room_unresolved=room_unresolved)
        reminder = None
        if self._reminders is not None:
            reminder = await remind(
                self._reminders, event, who.spot, subject, lead, settles=transaction_id
            )
        note = _link_note(event, subject, who.catalog)
        return meeting_card(view, who.catalog, note=note, reminder=reminder)

    async def finish(self, pending: PendingCreate, *, now: datetime, last_try: bool) -> Finished:
        """Reconcile a `meet` its turn did not finish (`bot.reminders.reconcile`): the create
        again, same transactionId, so Graph answers with the event it made (or makes it now,
        if the first never arrived); then its reminder, and the card to post. `SignInRequired`
        (the organizer has no token) is not an answer: it goes up to the reconcile, which
        tries again later."""
        catalog = catalog_for(pending.locale)
        if self._reminders is None:
            return Finished(None, settled=False)
        if now >= pending.ends_at:  # nothing left to book or remind of
            log.warning("create %s given up: the meeting is over", pending.transaction_id)
            await self._reminders.refused(pending.transaction_id)
            return Finished(None, settled=True)
        zone = _zone(pending.zone)
        if pending.find_only:
            return await self._find(pending, zone, catalog, last_try=last_try)
        try:
            event = await self._graph.create_event(
                pending.user_id,
                self._pending_request(pending, zone),
                zone=pending.zone,
                transaction_id=pending.transaction_id,
            )
        except SignInRequired:
            raise
        except (GraphThrottled, GraphUnavailable, GraphUnauthorized, TokenError) as exc:
            # Graph away, or our sign-in refused: nothing is known of the first create.
            if not last_try:  # the lease brings it back
                log.info("create %s: Graph failed for now: %s", pending.transaction_id, exc)
                return Finished(None, settled=False)
            await self._reminders.refused(pending.transaction_id)
            card = error_card(catalog, _reason(exc, catalog), advice=catalog.maybe_created)
            return Finished(card, settled=True)
        except (GraphError, TeamsNotAllowed) as exc:  # refused: nothing was made
            await self._reminders.refused(pending.transaction_id)
            return Finished(failure_card(exc, catalog, Failed.CREATE), settled=True)
        event = await self._with_join_link(event, pending.user_id)
        spot = MeetingSpot(pending.user_id, pending.conversation_id, zone.key, pending.locale)
        reminder = await remind(
            self._reminders,
            event,
            spot,
            pending.subject,
            pending.lead,
            settles=pending.transaction_id,
        )
        view = view_from_event(event, zone, zone_is_fallback=False, simulated=self._simulated)
        note = _link_note(event, pending.subject, catalog) or catalog.created_late
        card = meeting_card(view, catalog, note=note, reminder=reminder)
        return Finished(card, settled=True)

    def _pending_request(self, pending: PendingCreate, zone: ZoneInfo) -> EventRequest:
        """The body the turn sent, as it was written down (rows from before it was kept: what
        they hold, the subject, times and required attendees)."""
        if pending.request is not None:
            return EventRequest.model_validate(json.loads(pending.request))
        return self._graph.event_request(
            subject=pending.subject,
            start=pending.starts_at.astimezone(zone),
            end=pending.ends_at.astimezone(zone),
            zone=pending.zone,
            attendees=[Invitee(address) for address in pending.attendees],
        )

    async def _find(
        self, pending: PendingCreate, zone: ZoneInfo, catalog: Catalog, *, last_try: bool
    ) -> Finished:
        """A create whose answer was lost: the event made with its transactionId, if any, gets
        its reminder and its card; none found, nothing is made (the user was told to check)."""
        assert self._reminders is not None
        try:
            events = await self._graph.list_calendar_view(
                pending.user_id, pending.starts_at, pending.ends_at, zone=pending.zone
            )
        except SignInRequired:
            raise
        except (GraphThrottled, GraphUnavailable, GraphUnauthorized, TokenError) as exc:
            if not last_try:
                log.info("create %s: Graph failed for now: %s", pending.transaction_id, exc)
                return Finished(None, settled=False)
            events = []  # given up; the card they saw already says to check the calendar
        except (GraphError, TeamsNotAllowed):
            events = []
        made = [e for e in events if e.transaction_id == pending.transaction_id]
        if not made:
            await self._reminders.refused(pending.transaction_id)
            return Finished(None, settled=True)
        spot = MeetingSpot(pending.user_id, pending.conversation_id, zone.key, pending.locale)
        event = made[0]
        reminder = await remind(
            self._reminders,
            event,
            spot,
            pending.subject,
            pending.lead,
            settles=pending.transaction_id,
        )
        view = view_from_event(event, zone, zone_is_fallback=False, simulated=self._simulated)
        card = meeting_card(view, catalog, note=catalog.created_after_all, reminder=reminder)
        return Finished(card, settled=True)

    async def meet_now(
        self,
        command: MeetNowCommand,
        who: Requester,
        participants: Sequence[Participant] = (),
    ) -> tuple[dict[str, Any], OnlineMeeting | None]:
        """The card, and the meeting when one was created or got."""
        try:
            with self._graph.budget():
                meeting, _created = await self._graph.create_or_get_meeting(
                    who.user_id,
                    external_id=who.idempotency_key("meet-now"),
                    subject=command.subject,
                    participants=participants,
                )
        except (GraphError, TokenError) as exc:
            return failure_card(exc, who.catalog, Failed.MEET_NOW), None
        return self.meeting_now_card(meeting, who), meeting

    def meeting_now_card(
        self, meeting: OnlineMeeting, who: Requester, *, note: str | None = None
    ) -> dict[str, Any]:
        view = view_from_online_meeting(
            meeting, who.zone, zone_is_fallback=who.zone_is_fallback, simulated=self._simulated
        )
        return meeting_card(view, who.catalog, note=note)


async def remind(
    reminders: Reminders,
    event: Event,
    spot: MeetingSpot,
    subject: str,
    lead: timedelta | None,
    *,
    settles: str,
) -> ReminderSetting | None:
    """The meeting's reminder in this chat (`lead` None: none), written with the meeting; it
    settles the pending create. An event without times can have no reminder: it settles as
    refused."""
    if event.start is None or event.end is None:
        await reminders.refused(settles)
        return None
    start = event.start.to_datetime()
    choice = await reminders.for_meeting(
        spot,
        event_id=event.id,
        subject=event.subject or subject,
        start=start,
        end=event.end.to_datetime(),
        join_url=event.join_url,
        lead=lead,
        settles=settles,
        # A series: one reminder per occurrence, the first for the master's first start.
        series=event.type == "seriesMaster" or event.recurrence is not None,
    )
    return ReminderSetting(
        reminder_id=choice.reminder.id,
        for_user=spot.user_id,
        start=start,
        lead=choice.lead,
        too_soon=choice.too_soon,
    )


def _link_note(event: Event, subject: str, catalog: Catalog) -> str | None:
    """For a meeting booked without a Teams link: that it is booked all the same, so it is
    not booked twice; None when it has its link."""
    if event.join_url:
        return None
    return catalog.created_without_join_link.format(subject=event.subject or subject)


def unfinished_card(catalog: Catalog) -> dict[str, Any]:
    """Graph made the event but the turn could not finish (the reminder write or the card
    failed): look in the calendar, do not book it again. Small, so it gets through where a
    full meeting card was refused."""
    return error_card(catalog, catalog.created_unfinished, title=catalog.created_unfinished_title)


def _zone(key: str) -> ZoneInfo:
    try:
        return ZoneInfo(key)
    except (ValueError, KeyError):  # ZoneInfoNotFoundError is a KeyError
        return ZoneInfo("UTC")


@dataclass(frozen=True, slots=True)
class Where:
    """Where a meeting is: its places, the room to book, and a room name that could not be
    booked (kept among the places, and the card says so)."""

    places: tuple[str, ...]
    room: RoomBooking | None = None
    unresolved: str | None = None


def _recurrence(command: MeetCommand, zone: str) -> dict[str, Any] | None:
    """A series' `recurrence`, repeating in the organizer's zone: Graph keeps each
    occurrence's wall time in it across DST (the first start may be sent in UTC when its
    wall time is ambiguous; the series still repeats in the zone)."""
    if command.repeat is None:
        return None
    return dict(recurrence_json(command.repeat, command.start, graph_zone_name(zone)))


def invitees(command: MeetCommand, names: Mapping[str, str]) -> list[Invitee]:
    """The required attendees, then the optional ones, each with their name if known."""
    required = [Invitee(a, names.get(a.casefold())) for a in command.attendees]
    optional = [
        Invitee(a, names.get(a.casefold()), AttendeeType.OPTIONAL) for a in command.optional
    ]
    return required + optional


class Failed(Enum):
    """What the user asked for that did not happen: the error card's title, and which
    sentence (if any) warns that Graph may have done it anyway."""

    CREATE = ("error_title", "maybe_created")
    MEET_NOW = ("error_title", None)  # a stray meet-now meeting is on no calendar
    MAKE_ONLINE = ("make_online_failed_title", None)  # doing it again is harmless
    CANCEL = ("cancel_failed_title", "maybe_cancelled")
    MOVE = ("move_failed_title", "maybe_moved")
    READ = ("calendar_failed_title", None)

    def __init__(self, title: str, maybe_done: str | None) -> None:
        self.title = title
        self.maybe_done = maybe_done


_GRANT_TEXT = {
    MissingGrant.CALENDARS_PERMISSION: "missing_calendar_permission",
    MissingGrant.MEETINGS_PERMISSION: "missing_meetings_permission",
    MissingGrant.ACCESS_POLICY: "missing_access_policy",
}
_TRANSIENT_STATUSES = frozenset({502, 503, 504})


def failure_card(exc: Exception, catalog: Catalog, failed: Failed) -> dict[str, Any]:
    """The error card for a failed Graph call: what failed (`failed`), why, what to check
    before trying again, and Graph's request-id, or that Graph sent none."""
    title: str = getattr(catalog, failed.title)
    if isinstance(exc, TeamsNotAllowed):
        providers = ", ".join(exc.allowed) or "none"
        message = catalog.teams_not_allowed.format(providers=providers)
        return error_card(catalog, message, title=title)
    request_id = exc.request_id if isinstance(exc, GraphError) else None
    status = exc.status if isinstance(exc, GraphError) else None
    log.warning(
        "graph call failed: %s",
        exc,
        extra={"graph_request_id": request_id, "graph_status": status},
    )
    advice = None
    if isinstance(exc, GraphError) and exc.maybe_applied and failed.maybe_done:
        advice = getattr(catalog, failed.maybe_done)
    return error_card(
        catalog,
        _reason(exc, catalog),
        request_id=request_id,
        title=title,
        advice=advice,
        no_answer=isinstance(exc, GraphNoAnswer),
    )


def _reason(exc: Exception, catalog: Catalog) -> str:
    if isinstance(exc, GraphForbidden) and exc.missing is not None:
        return str(getattr(catalog, _GRANT_TEXT[exc.missing]))
    if isinstance(exc, MailboxNotEnabled):
        return catalog.no_mailbox
    if isinstance(exc, GraphThrottled):
        return catalog.throttled
    if isinstance(exc, GraphNoAnswer):
        return catalog.graph_timeout if exc.timed_out else catalog.graph_no_connection
    if isinstance(exc, GraphUnavailable):
        transient = exc.status in _TRANSIENT_STATUSES
        return catalog.graph_unavailable if transient else catalog.graph_failed
    if isinstance(exc, TokenError):
        return catalog.sign_in_failed
    if isinstance(exc, InvalidGraphId):
        return catalog.invalid_graph_id
    return catalog.unexpected_error
