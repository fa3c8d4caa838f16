"""The `meet` and `meet now` flows.

They turn a parsed command into a Graph call and the Graph answer into a card. Failures the
user can act on become an error card that says what to do (and carries Graph's request-id);
nothing here builds a half-made meeting: the calendar check happens before the create.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from bot.commands import MeetCommand, MeetNowCommand
from bot.graph import (
    GraphClient,
    GraphError,
    GraphForbidden,
    GraphThrottled,
    GraphUnavailable,
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
        try:
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
            return failure_card(exc, who.catalog)
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
            meeting, _created = await self._graph.create_or_get_meeting(
                who.user_id,
                external_id=who.idempotency_key("meet-now"),
                subject=command.subject,
            )
        except (GraphError, TokenError) as exc:
            return failure_card(exc, who.catalog), None
        return self.meeting_now_card(meeting, who), meeting

    def meeting_now_card(
        self, meeting: OnlineMeeting, who: Requester, *, note: str | None = None
    ) -> dict[str, Any]:
        view = view_from_online_meeting(
            meeting, who.zone, zone_is_fallback=who.zone_is_fallback, simulated=self._simulated
        )
        return meeting_card(view, who.catalog, note=note)


_GRANT_TEXT = {
    MissingGrant.CALENDARS_PERMISSION: "missing_calendar_permission",
    MissingGrant.MEETINGS_PERMISSION: "missing_meetings_permission",
    MissingGrant.ACCESS_POLICY: "missing_access_policy",
}


def failure_card(exc: Exception, catalog: Catalog) -> dict[str, Any]:
    """The error card for a failure the user or their admin can act on."""
    if isinstance(exc, TeamsNotAllowed):
        providers = ", ".join(exc.allowed) or "none"
        return error_card(catalog, catalog.teams_not_allowed.format(providers=providers))
    request_id = exc.request_id if isinstance(exc, GraphError) else None
    status = exc.status if isinstance(exc, GraphError) else None
    log.warning(
        "graph call failed: %s",
        exc,
        extra={"graph_request_id": request_id, "graph_status": status},
    )
    if isinstance(exc, GraphForbidden) and exc.missing is not None:
        message = getattr(catalog, _GRANT_TEXT[exc.missing])
    elif isinstance(exc, GraphThrottled):
        message = catalog.throttled
    elif isinstance(exc, GraphUnavailable):
        message = catalog.graph_unavailable
    else:
        message = catalog.unexpected_error
    return error_card(catalog, message, request_id=request_id)
