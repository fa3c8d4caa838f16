"""The `meet` and `meet now` flows.

They turn a parsed command into a Graph call and the Graph answer into a card. Failures the
user can act on become an error card that says what to do (and carries Graph's request-id);
nothing here builds a half-made meeting: the calendar check happens before the create.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from enum import Enum
from typing import Any
from zoneinfo import ZoneInfo

from bot.commands import MeetCommand, MeetNowCommand
from bot.graph import (
    GraphClient,
    GraphError,
    GraphForbidden,
    GraphNoAnswer,
    GraphThrottled,
    GraphUnavailable,
    InvalidGraphId,
    MissingGrant,
    TeamsNotAllowed,
    TokenError,
)
from bot.graph.models import Event, OnlineMeeting
from bot.i18n import Catalog
from bot.reminders import MeetingSpot, Reminders
from cards import (
    ReminderSetting,
    error_card,
    meeting_card,
    view_from_event,
    view_from_online_meeting,
)

log = logging.getLogger(__name__)

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

    async def schedule(self, command: MeetCommand, who: Requester) -> dict[str, Any]:
        """The meeting card, or the error card; a reminder only once the event exists."""
        try:
            with self._graph.budget():
                event = await self._graph.create_online_event(
                    who.user_id,
                    subject=command.subject,
                    start=command.start,
                    end=command.end,
                    zone=who.zone.key,
                    attendees=command.attendees,
                    transaction_id=who.idempotency_key("event"),
                )
        except (GraphError, TeamsNotAllowed, TokenError) as exc:
            return failure_card(exc, who.catalog, Failed.CREATE)
        view = view_from_event(
            event, who.zone, zone_is_fallback=who.zone_is_fallback, simulated=self._simulated
        )
        reminder = await self._remind(command, event, who)
        return meeting_card(view, who.catalog, reminder=reminder)

    async def _remind(
        self, command: MeetCommand, event: Event, who: Requester
    ) -> ReminderSetting | None:
        """The meeting's reminder in this chat: as asked, else the default (`REMINDER_MINUTES`)."""
        if self._reminders is None or event.start is None or event.end is None:
            return None
        asked = command.reminder
        lead = self._reminders.default_lead if asked is None else asked.before
        start = event.start.to_datetime()
        choice = await self._reminders.for_meeting(
            who.spot,
            event_id=event.id,
            subject=event.subject or command.subject,
            start=start,
            end=event.end.to_datetime(),
            join_url=event.join_url,
            lead=lead,
        )
        return ReminderSetting(
            reminder_id=choice.reminder.id,
            for_user=who.user_id,
            start=start,
            lead=choice.lead,
            too_soon=choice.too_soon,
        )

    async def meet_now(
        self, command: MeetNowCommand, who: Requester
    ) -> tuple[dict[str, Any], OnlineMeeting | None]:
        """The card, and the meeting when one was created or got."""
        try:
            with self._graph.budget():
                meeting, _created = await self._graph.create_or_get_meeting(
                    who.user_id,
                    external_id=who.idempotency_key("meet-now"),
                    subject=command.subject,
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


class Failed(Enum):
    """What the user asked for that did not happen: the error card's title, and which
    sentence (if any) warns that Graph may have done it anyway."""

    CREATE = ("error_title", "maybe_created")
    MEET_NOW = ("error_title", None)  # a stray meet-now meeting is on no calendar
    MAKE_ONLINE = ("make_online_failed_title", None)  # doing it again is harmless
    CANCEL = ("cancel_failed_title", "maybe_cancelled")
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
