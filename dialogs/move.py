"""The `move` flow: find the meeting, work out its new time, PATCH it, answer with its card.

The meeting is found as `join` and `cancel meeting` find theirs (`dialogs.calendar`: the
sender's next 7 days, every word of the query in the subject); only its organizer may move it.
The new start is the one said, or the time said on the meeting's own day ("to 4pm"), or the
meeting's time on the day said ("to Thursday"), or the meeting's start shifted ("push 30m");
the meeting keeps its length in elapsed time. The PATCH carries only `start` and `end`
(`GraphClient.move_event` says why). A reminder of the meeting follows it at once.

One meeting of a series (an occurrence or exception in calendarView, with `seriesMasterId`)
moves as said: "this one" PATCHes the occurrence, "the whole series" the master, whose
start and end move to the new time of day on the master's own first date, the length kept;
Graph then moves every occurrence the pattern makes, since they take their time from the
master (Graph: event resource, `recurrence`). The master keeps its date because the range's
`startDate` "must be the same value as the start property of the recurring event"
(https://learn.microsoft.com/graph/api/resources/recurrencerange), and the PATCH sends no
`recurrence`: so a whole series moves to another time of day, never to another day. One
occurrence may not move onto or past its neighbour's day (Graph's "Update event" page:
`ErrorOccurrenceCrossingBoundary`), which the user is told as such. Not said, a card asks
which.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.commands import MoveCommand, SeriesScope
from bot.commands.resolve import add_absolute, wall_clock
from bot.graph import GraphBadRequest, GraphClient, GraphError, TokenError
from bot.graph.models import DateTimeTimeZone, Event
from bot.reminders import Reminders
from cards import MeetingView, error_card, meeting_card, notice_card, view_from_event
from cards.actions import MoveMeeting
from cards.dates import format_when
from cards.series import Choice, series_choice_card
from cards.text import SUBJECT_LIMIT, clean, truncate
from dialogs.calendar import best_match, upcoming_events
from dialogs.meet import Failed, Requester, failure_card

log = logging.getLogger(__name__)

# Graph's 400 for one occurrence moved onto or past the day of its neighbour ("Update event").
OCCURRENCE_CROSSING = "ErrorOccurrenceCrossingBoundary"
_MASTER_SELECT = "subject,start,end,type"


@dataclass(frozen=True, slots=True)
class _Move:
    """One meeting found in calendarView and where it goes."""

    event_id: str
    series_id: str | None  # its series master, when it is one of a series
    subject: str
    was: datetime  # its start now
    start: datetime
    end: datetime


class MoveFlow:
    def __init__(
        self, graph: GraphClient, *, simulated: bool, reminders: Reminders | None = None
    ) -> None:
        self._graph = graph
        self._simulated = simulated
        self._reminders = reminders

    async def move(self, who: Requester, command: MoveCommand, now: datetime) -> dict[str, Any]:
        """`move ...`: the moved meeting's card, the question of a series, or why not."""
        catalog = who.catalog
        with self._graph.budget():
            try:
                match = best_match(await upcoming_events(self._graph, who, now), command.query)
            except (GraphError, TokenError) as exc:
                return failure_card(exc, catalog, Failed.READ)
            if match is None:
                return notice_card(catalog, catalog.no_match.format(query=command.query))
            subject = match.subject or catalog.untitled_meeting
            if not match.is_organizer:
                return notice_card(catalog, catalog.not_organizer.format(subject=subject))
            move = _planned(match, command, who.zone, subject)
            if move.start <= now:
                return self._in_past(who, move)
            if move.series_id is None or command.scope is SeriesScope.OCCURRENCE:
                return await self._one(who, move)
            if command.scope is SeriesScope.SERIES:
                return await self._series(who, move, move.series_id)
            return _which(who, move, move.series_id)

    async def answer(self, who: Requester, click: MoveMeeting, now: datetime) -> dict[str, Any]:
        """A click on "only this one / the whole series"."""
        subject = click.subject or who.catalog.untitled_meeting
        move = _Move(click.event_id, click.series_id, subject, click.was, click.start, click.end)
        if move.start <= now:
            return self._in_past(who, move)
        with self._graph.budget():
            if click.scope == SeriesScope.SERIES.value:
                return await self._series(who, move, click.series_id)
            return await self._one(who, move)

    async def _one(self, who: Requester, move: _Move) -> dict[str, Any]:
        """Move a single meeting, or one meeting of a series."""
        try:
            event = await self._patch(who, move.event_id, move.start, move.end)
        except (GraphError, TokenError) as exc:
            return _move_failed(exc, who)
        await self._follow(who, move.event_id, move)
        note = _said(who, who.catalog.meeting_moved, move)
        return meeting_card(self._view(event, who), who.catalog, note=note)

    async def _series(self, who: Requester, move: _Move, series_id: str) -> dict[str, Any]:
        zone = who.zone
        if move.start.astimezone(zone).date() != move.was.astimezone(zone).date():
            return notice_card(who.catalog, who.catalog.move_series_other_day)
        try:
            master = await self._graph.get_event(who.user_id, series_id, select=_MASTER_SELECT)
            if master.start is None or master.end is None:  # Graph sends both: a broken answer
                log.warning("series master %s came without its start or end", series_id)
                catalog = who.catalog
                return error_card(
                    catalog, catalog.unexpected_error, title=catalog.move_failed_title
                )
            first = master.start.to_datetime()
            start = wall_clock(
                first.astimezone(zone).date(), move.start.astimezone(zone).time(), zone
            )
            end = add_absolute(start, master.end.to_datetime() - first)
            event = await self._patch(who, series_id, start, end)
        except (GraphError, TokenError) as exc:
            return _move_failed(exc, who)
        await self._follow(who, series_id, move, was=move.was)
        await self._follow(who, move.event_id, move)
        # The card shows the meeting that was asked about, at its new time, with the join
        # details of the series Graph answered with.
        shown = event.model_copy(update=_times(move, zone))
        note = _said(who, who.catalog.series_moved, move)
        return meeting_card(self._view(shown, who), who.catalog, note=note)

    async def _patch(self, who: Requester, event_id: str, start: datetime, end: datetime) -> Event:
        return await self._graph.move_event(
            who.user_id, event_id, start=start, end=end, zone=who.zone.key
        )

    async def _follow(
        self, who: Requester, event_id: str, move: _Move, *, was: datetime | None = None
    ) -> None:
        """The meeting's reminders move with it; a failure here leaves that to the scheduler,
        which notices a moved meeting at its next check."""
        if self._reminders is None:
            return
        try:
            await self._reminders.moved(
                who.user_id, event_id, start=move.start, end=move.end, was=was
            )
        except Exception:  # the store's, of whatever kind: the meeting has moved all the same
            log.exception("the reminder of moved meeting %s was not rescheduled", event_id)

    def _in_past(self, who: Requester, move: _Move) -> dict[str, Any]:
        return notice_card(who.catalog, _said(who, who.catalog.move_in_past, move))

    def _view(self, event: Event, who: Requester) -> MeetingView:
        return view_from_event(
            event, who.zone, zone_is_fallback=who.zone_is_fallback, simulated=self._simulated
        )


def _planned(event: Event, command: MoveCommand, zone: ZoneInfo, subject: str) -> _Move:
    """Where `command` puts `event`: its new start, and its end the same length after."""
    assert event.start is not None and event.end is not None  # calendarView events have both
    was, until = event.start.to_datetime(), event.end.to_datetime()
    local = was.astimezone(zone)
    if command.start is not None:
        start = command.start
    elif command.at is not None:
        start = wall_clock(local.date(), command.at, zone)
    elif command.day is not None:
        start = wall_clock(command.day, local.time(), zone)
    else:
        assert command.shift is not None  # the parser sets exactly one
        start = add_absolute(local, command.shift)
    end = add_absolute(start, until - was)
    return _Move(event.id, event.series_master_id, subject, local, start, end)


def _which(who: Requester, move: _Move, series_id: str) -> dict[str, Any]:
    """Ask whether the move is of this meeting only or of its whole series."""
    catalog = who.catalog

    def click(scope: SeriesScope) -> MoveMeeting:
        return MoveMeeting(
            event_id=move.event_id,
            series_id=series_id,
            for_user=who.user_id,
            scope=scope.value,
            start=move.start,
            end=move.end,
            was=move.was,
            subject=move.subject,
        )

    subject = truncate(clean(move.subject), SUBJECT_LIMIT) or catalog.untitled_meeting
    end = add_absolute(move.was, move.end - move.start)
    when = format_when(move.was, end, who.zone, catalog)
    choices = [
        Choice(catalog.move_this_one, click(SeriesScope.OCCURRENCE)),
        Choice(catalog.move_whole_series, click(SeriesScope.SERIES)),
    ]
    return series_choice_card(catalog.move_which.format(subject=subject, when=when), choices)


def _said(who: Requester, template: str, move: _Move) -> str:
    subject = truncate(clean(move.subject), SUBJECT_LIMIT) or who.catalog.untitled_meeting
    when = format_when(move.start, move.end, who.zone, who.catalog)
    return template.format(subject=subject, when=when)


def _times(move: _Move, zone: ZoneInfo) -> dict[str, DateTimeTimeZone]:
    return {
        "start": DateTimeTimeZone.from_datetime(move.start, zone.key),
        "end": DateTimeTimeZone.from_datetime(move.end, zone.key),
    }


def _move_failed(exc: Exception, who: Requester) -> dict[str, Any]:
    catalog = who.catalog
    if isinstance(exc, GraphBadRequest) and exc.code == OCCURRENCE_CROSSING:
        return error_card(
            catalog,
            catalog.move_crossing,
            request_id=exc.request_id,
            title=catalog.move_failed_title,
        )
    return failure_card(exc, catalog, Failed.MOVE)
