"""The calendar commands: upcoming, online / make online, join, cancel meeting, providers.

Each returns a card. Lookups read the organizer's calendarView for today and the next 7 days
(`upcoming_events`, `best_match`: `dialogs.move` finds its meeting the same way); card buttons
carry the event id and the user they were made for, and the router checks the clicker is that
user before anything changes.

A meeting found in calendarView that belongs to a series (an occurrence or an exception, with
its `seriesMasterId`) is cancelled as said ("cancel meeting standup this one" / "the whole
series"): `POST .../events/{occurrenceId}/cancel` cancels that meeting only, the same on the
master cancels the series (Graph: event: cancel). Not said, the confirmation asks which.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bot.commands import SeriesScope
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
from cards.dates import format_when
from cards.series import Choice, series_choice_card
from cards.text import SUBJECT_LIMIT, clean, truncate
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
                match = best_match(await self._window(who, now), query)
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

    async def confirm_cancel(
        self, who: Requester, query: str, now: datetime, scope: SeriesScope | None = None
    ) -> dict[str, Any]:
        try:
            with self._graph.budget():
                events = await self._window(who, now)
        except (GraphError, TokenError) as exc:
            return failure_card(exc, who.catalog, Failed.READ)
        match = best_match(events, query)
        if match is None:
            return notice_card(who.catalog, who.catalog.no_match.format(query=query))
        if not match.is_organizer:
            subject = match.subject or who.catalog.untitled_meeting
            return notice_card(who.catalog, who.catalog.not_organizer.format(subject=subject))
        if match.series_master_id is not None:
            return _series_confirm(match, match.series_master_id, who, scope)
        return cancel_confirm_card(who.catalog, _item(match, who), who.zone, for_user=who.user_id)

    async def answer_confirm(self, who: Requester, click: CancelMeeting) -> dict[str, Any]:
        """A click on the cancel confirmation: cancel the meeting (one of a series, or the
        series through its master), or keep it."""
        if not click.confirm:
            return notice_card(who.catalog, who.catalog.cancel_kept)
        subject = click.subject or who.catalog.untitled_meeting
        if click.scope == SeriesScope.SERIES.value and click.series_id is not None:
            done = who.catalog.series_cancelled.format(subject=subject)
            return await self.cancel(who, click.series_id, subject, done=done)
        if click.scope == SeriesScope.OCCURRENCE.value:
            done = who.catalog.occurrence_cancelled.format(subject=subject)
            return await self.cancel(who, click.event_id, subject, done=done)
        return await self.cancel(who, click.event_id, subject)

    async def cancel(
        self, who: Requester, event_id: str, subject: str, *, done: str | None = None
    ) -> dict[str, Any]:
        """Cancel `event_id` and say so (`done`, else the plain "was cancelled")."""
        try:
            with self._graph.budget():
                await self._graph.cancel_event(who.user_id, event_id)
        except GraphNotFound:
            pass  # already gone: the outcome the user asked for
        except (GraphError, TokenError) as exc:
            return failure_card(exc, who.catalog, Failed.CANCEL)
        text = done or who.catalog.meeting_cancelled.format(subject=subject)
        return notice_card(who.catalog, text)

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
        return await upcoming_events(self._graph, who, now)

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


async def upcoming_events(graph: GraphClient, who: Requester, now: datetime) -> list[Event]:
    """The sender's meetings from now to LOOKAHEAD, soonest first, less the cancelled ones."""
    events = await graph.list_calendar_view(who.user_id, now, now + LOOKAHEAD, zone=who.zone.key)
    return [e for e in events if not e.is_cancelled]


def _series_confirm(
    event: Event, series_id: str, who: Requester, scope: SeriesScope | None
) -> dict[str, Any]:
    """The confirmation of a cancel in a series: of the scope said, else asking which (the
    answer is the confirmation); Keep on both."""
    catalog, item = who.catalog, _item(event, who)
    subject = truncate(clean(item.subject), SUBJECT_LIMIT) or catalog.untitled_meeting
    when = format_when(item.start, item.end, who.zone, catalog)

    def click(chosen: SeriesScope | None, *, confirm: bool = True) -> CancelMeeting:
        return CancelMeeting(
            event_id=event.id,
            for_user=who.user_id,
            confirm=confirm,
            subject=item.subject,
            scope=None if chosen is None else chosen.value,
            series_id=series_id,
        )

    keep = Choice(catalog.cancel_confirm_no, click(None, confirm=False))
    one = Choice(catalog.cancel_this_one, click(SeriesScope.OCCURRENCE), destructive=True)
    every = Choice(catalog.cancel_whole_series, click(SeriesScope.SERIES), destructive=True)
    if scope is SeriesScope.OCCURRENCE:
        question = catalog.cancel_confirm.format(subject=subject, when=when)
        return series_choice_card(question, [one, keep])
    if scope is SeriesScope.SERIES:
        question = catalog.cancel_series_confirm.format(subject=subject)
        return series_choice_card(question, [every, keep])
    return series_choice_card(
        catalog.cancel_which.format(subject=subject, when=when), [one, every, keep]
    )


def best_match(events: list[Event], query: str) -> Event | None:
    """The soonest event whose subject holds every word of the query (case-insensitive)."""
    words = query.casefold().split()
    for event in events:  # calendarView is sorted by start
        subject = (event.subject or "").casefold()
        if words and all(word in subject for word in words):
            return event
    return None
