"""The calendar commands: upcoming, online / make online, join, cancel meeting, providers.

Each returns a card. Lookups read the organizer's calendarView for today and the next 7 days;
card buttons carry the event id and the user they were made for, and the router checks the
clicker is that user before anything changes.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bot.graph import GraphClient, GraphError, GraphNotFound, TeamsNotAllowed, TokenError
from bot.graph.models import Event
from cards import (
    AgendaItem,
    MeetingView,
    cancel_confirm_card,
    meeting_card,
    notice_card,
    online_candidates_card,
    providers_card,
    upcoming_card,
    view_from_event,
)
from cards.actions import CancelMeeting
from dialogs.meet import Failed, Requester, failure_card

LOOKAHEAD = timedelta(days=7)


class CalendarFlow:
    def __init__(self, graph: GraphClient, *, simulated: bool) -> None:
        self._graph = graph
        self._simulated = simulated

    async def upcoming(self, who: Requester, now: datetime) -> dict[str, Any]:
        try:
            with self._graph.budget():
                events = await self._window(who, now)
        except (GraphError, TokenError) as exc:
            return failure_card(exc, who.catalog, Failed.READ)
        return upcoming_card(who.catalog, [_item(e, who) for e in events], who.zone)

    async def offline_candidates(self, who: Requester, now: datetime) -> dict[str, Any]:
        try:
            with self._graph.budget():
                events = await self._window(who, now)
        except (GraphError, TokenError) as exc:
            return failure_card(exc, who.catalog, Failed.READ)
        candidates = [_item(e, who) for e in events if not e.is_online_meeting and e.is_organizer]
        return online_candidates_card(who.catalog, candidates, who.zone, for_user=who.user_id)

    async def make_online(self, who: Requester, event_id: str) -> dict[str, Any]:
        try:
            with self._graph.budget():
                event = await self._graph.make_event_online(who.user_id, event_id)
        except (GraphError, TokenError, TeamsNotAllowed) as exc:
            return failure_card(exc, who.catalog, Failed.MAKE_ONLINE)
        view = self._view(event, who)
        subject = event.subject or who.catalog.untitled_meeting
        return meeting_card(view, who.catalog, note=who.catalog.made_online.format(subject=subject))

    async def join(self, who: Requester, query: str, now: datetime) -> dict[str, Any]:
        try:
            with self._graph.budget():
                match = _best_match(await self._window(who, now), query)
                if match is None:
                    return notice_card(who.catalog, who.catalog.no_match.format(query=query))
                info = await self._graph.get_event_online_info(who.user_id, match.id)
        except (GraphError, TokenError) as exc:
            return failure_card(exc, who.catalog, Failed.READ)
        # $select answers only the online-meeting fields; times and subject come from the view.
        merged = match.model_copy(
            update={
                "is_online_meeting": info.is_online_meeting,
                "online_meeting": info.online_meeting,
                "online_meeting_provider": info.online_meeting_provider,
            }
        )
        return meeting_card(self._view(merged, who), who.catalog)

    async def confirm_cancel(self, who: Requester, query: str, now: datetime) -> dict[str, Any]:
        try:
            with self._graph.budget():
                events = await self._window(who, now)
        except (GraphError, TokenError) as exc:
            return failure_card(exc, who.catalog, Failed.READ)
        match = _best_match(events, query)
        if match is None:
            return notice_card(who.catalog, who.catalog.no_match.format(query=query))
        if not match.is_organizer:
            subject = match.subject or who.catalog.untitled_meeting
            return notice_card(who.catalog, who.catalog.not_organizer.format(subject=subject))
        return cancel_confirm_card(who.catalog, _item(match, who), who.zone, for_user=who.user_id)

    async def answer_confirm(self, who: Requester, click: CancelMeeting) -> dict[str, Any]:
        """A click on the cancel confirmation: cancel the meeting, or keep it."""
        if not click.confirm:
            return notice_card(who.catalog, who.catalog.cancel_kept)
        return await self.cancel(who, click.event_id, click.subject or who.catalog.untitled_meeting)

    async def cancel(self, who: Requester, event_id: str, subject: str) -> dict[str, Any]:
        try:
            with self._graph.budget():
                await self._graph.cancel_event(who.user_id, event_id)
        except GraphNotFound:
            pass  # already gone: the outcome the user asked for
        except (GraphError, TokenError) as exc:
            return failure_card(exc, who.catalog, Failed.CANCEL)
        return notice_card(who.catalog, who.catalog.meeting_cancelled.format(subject=subject))

    async def providers(self, who: Requester) -> dict[str, Any]:
        try:
            with self._graph.budget():
                calendar = await self._graph.get_calendar(who.user_id)
        except (GraphError, TokenError) as exc:
            return failure_card(exc, who.catalog, Failed.READ)
        return providers_card(
            who.catalog,
            calendar.allowed_online_meeting_providers,
            calendar.default_online_meeting_provider,
        )

    async def _window(self, who: Requester, now: datetime) -> list[Event]:
        events = await self._graph.list_calendar_view(
            who.user_id, now, now + LOOKAHEAD, zone=who.zone.key
        )
        return [e for e in events if not e.is_cancelled]

    def _view(self, event: Event, who: Requester) -> MeetingView:
        return view_from_event(
            event, who.zone, zone_is_fallback=who.zone_is_fallback, simulated=self._simulated
        )


def _item(event: Event, who: Requester) -> AgendaItem:
    assert event.start is not None and event.end is not None
    join = event.online_meeting.join_url if event.online_meeting else None
    return AgendaItem(
        event_id=event.id,
        subject=event.subject or who.catalog.untitled_meeting,
        start=event.start.to_datetime().astimezone(who.zone),
        end=event.end.to_datetime().astimezone(who.zone),
        join_url=join,
        is_online=event.is_online_meeting and bool(join),
        is_organizer=event.is_organizer,
    )


def _best_match(events: list[Event], query: str) -> Event | None:
    """The soonest event whose subject holds every word of the query (case-insensitive)."""
    words = query.casefold().split()
    for event in events:  # calendarView is sorted by start
        subject = (event.subject or "").casefold()
        if words and all(word in subject for word in words):
            return event
    return None
