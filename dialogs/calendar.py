"""The calendar commands: upcoming, online / make online, join, cancel meeting, providers.

Each returns a card. Lookups read the organizer's calendarView for today and the next 7 days
(`upcoming_events`, `best_match`: `dialogs.move` finds its meeting the same way); card buttons
carry the event id and the user they were made for, and the router checks the clicker is that
user before anything changes.

A meeting found in calendarView that belongs to a series (an occurrence or an exception, with
its `seriesMasterId`) is cancelled as said ("cancel meeting standup this one" / "the whole
series"): `POST .../events/{occurrenceId}/cancel` cancels that meeting only, the same on the
master cancels the series (Graph: event: cancel). Not said, the confirmation asks which.

calendarView answers a recurring meeting as its occurrences (and exceptions, the moved ones),
each with its own id and `seriesMasterId`. `upcoming` and `online` mark an occurrence with
how its series repeats, read from the master (`$select=recurrence`, one read per series
shown); `join` reads the occurrence and gives it that recurrence, so its meeting card says it
as a series' card does. `online` lists a series once and PATCHes its
master: a recurring Teams meeting has one join link for all its occurrences, as Outlook's own
Teams toggle sets it for the whole series.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from bot.commands import SeriesScope
from bot.graph import GraphClient, GraphError, GraphNotFound, TeamsNotAllowed, TokenError
from bot.graph.models import Event, PatternedRecurrence
from bot.i18n import Catalog
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

log = logging.getLogger(__name__)

LOOKAHEAD = timedelta(days=7)
MAX_SERIES_READS = 4  # at once: Outlook allows 4 concurrent requests per mailbox
Patterns = dict[str, PatternedRecurrence]  # series master id -> its recurrence


class CalendarFlow:
    def __init__(self, graph: GraphClient, *, simulated: bool) -> None:
        self._graph = graph
        self._simulated = simulated

    async def upcoming(self, who: Requester, now: datetime) -> dict[str, Any]:
        try:
            with self._graph.budget():
                events = await self._window(who, now)
                patterns = await self._patterns(who, events)
        except (GraphError, TokenError) as exc:
            return failure_card(exc, who.catalog, Failed.READ)
        items = [_item(e, who, patterns) for e in events]
        return upcoming_card(who.catalog, items, who.zone)

    async def offline_candidates(self, who: Requester, now: datetime) -> dict[str, Any]:
        try:
            with self._graph.budget():
                events = await self._window(who, now)
                offline = _once_per_series(
                    e for e in events if not e.is_online_meeting and e.is_organizer
                )
                patterns = await self._patterns(who, offline)
        except (GraphError, TokenError) as exc:
            return failure_card(exc, who.catalog, Failed.READ)
        # A series' button names its master: making it online is for all its occurrences.
        candidates = [_item(e, who, patterns, series=True) for e in offline]
        return online_candidates_card(who.catalog, candidates, who.zone, for_user=who.user_id)

    async def make_online(self, who: Requester, event_id: str) -> dict[str, Any]:
        try:
            with self._graph.budget():
                event = await self._graph.make_event_online(who.user_id, event_id)
        except (GraphError, TokenError, TeamsNotAllowed) as exc:
            return failure_card(exc, who.catalog, Failed.MAKE_ONLINE)
        view = self._view(event, who)
        subject = event.subject or who.catalog.untitled_meeting
        series = event.recurrence is not None or event.type == "seriesMaster"
        made = who.catalog.made_online_series if series else who.catalog.made_online
        return meeting_card(view, who.catalog, note=made.format(subject=subject))

    async def join(self, who: Requester, query: str, now: datetime) -> dict[str, Any]:
        try:
            with self._graph.budget():
                match = best_match(await self._window(who, now), query)
                if match is None:
                    return notice_card(who.catalog, who.catalog.no_match.format(query=query))
                info = await self._graph.get_event_online_info(who.user_id, match.id)
                patterns = await self._patterns(who, [match])
        except (GraphError, TokenError) as exc:
            return failure_card(exc, who.catalog, Failed.READ)
        # $select answers only the online-meeting fields; times and subject come from the view,
        # and an occurrence's recurrence from its master (the card says how it repeats).
        merged = match.model_copy(
            update={
                "is_online_meeting": info.is_online_meeting,
                "online_meeting": info.online_meeting,
                "online_meeting_provider": info.online_meeting_provider,
                "recurrence": match.recurrence or patterns.get(match.series_master_id or ""),
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

    async def _patterns(self, who: Requester, events: list[Event]) -> Patterns:
        """How each series among `events` repeats, read from its master. A master that cannot
        be read leaves its occurrences unmarked: the mark is not worth failing the card."""
        masters = list(dict.fromkeys(e.series_master_id for e in events if e.series_master_id))
        if not masters:
            return {}
        limit = asyncio.Semaphore(MAX_SERIES_READS)

        async def read(master: str) -> tuple[str, PatternedRecurrence | None]:
            async with limit:
                try:
                    event = await self._graph.get_event(who.user_id, master, select="recurrence")
                except (GraphError, TokenError) as exc:
                    log.info("the series %s could not be read: %s", master, exc)
                    return master, None
            return master, event.recurrence

        found = await asyncio.gather(*(read(master) for master in masters))
        return {master: recurrence for master, recurrence in found if recurrence is not None}

    def _view(self, event: Event, who: Requester) -> MeetingView:
        return view_from_event(
            event, who.zone, zone_is_fallback=who.zone_is_fallback, simulated=self._simulated
        )


def repeats_text(recurrence: PatternedRecurrence, catalog: Catalog) -> str:
    """ "Repeats weekly", "Repeats every 2 weeks": the mark of an occurrence of the series."""
    pattern = recurrence.pattern
    kind = pattern.type.removeprefix("absolute").removeprefix("relative").casefold()
    once, every = {
        "daily": (catalog.repeats_daily, catalog.repeats_every_days),
        "weekly": (catalog.repeats_weekly, catalog.repeats_every_weeks),
        "monthly": (catalog.repeats_monthly, catalog.repeats_every_months),
        "yearly": (catalog.repeats_yearly, catalog.repeats_every_years),
    }.get(kind, (catalog.repeats_weekly, catalog.repeats_every_weeks))
    return once if pattern.interval <= 1 else every.format(count=pattern.interval)


def _once_per_series(events: Iterable[Event]) -> list[Event]:
    """The events, a series only by its first occurrence here."""
    seen: set[str] = set()
    kept = []
    for event in events:
        if event.series_master_id:
            if event.series_master_id in seen:
                continue
            seen.add(event.series_master_id)
        kept.append(event)
    return kept


def _item(
    event: Event, who: Requester, patterns: Patterns | None = None, *, series: bool = False
) -> AgendaItem:
    """The list row of `event`, an occurrence marked by its series' pattern; with `series`, an
    occurrence's row names its master."""
    assert event.start is not None and event.end is not None
    join = event.online_meeting.join_url if event.online_meeting else None
    master = event.series_master_id
    pattern = (patterns or {}).get(master) if master else None
    return AgendaItem(
        event_id=master if series and master else event.id,
        subject=event.subject or who.catalog.untitled_meeting,
        start=event.start.to_datetime().astimezone(who.zone),
        end=event.end.to_datetime().astimezone(who.zone),
        join_url=join,
        is_online=event.is_online_meeting and bool(join),
        is_organizer=event.is_organizer,
        repeats=None if pattern is None else repeats_text(pattern, who.catalog),
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
