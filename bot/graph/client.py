"""The Microsoft Graph operations Meetbot uses, over the `httpx.AsyncClient` it is given.

The client is configured where the app is composed (`bot.graph.http`): Graph's base URL, the CA
to trust, the proxy, the connection pool; unit tests hand it `httpx.MockTransport`. Every method
takes the user it acts for, the Teams sender's `aadObjectId`, and reaches Graph in one of two
ways (`GRAPH_PERMISSIONS`):

    application   `/users/{user}/...` with the app's own token (`TokenProvider`)
    delegated     `/me/...` with that user's own token (`UserTokens`), as the seeds' examples:
                  Graph resolves `/me` to the token's user, so one user's call can never reach
                  another's mailbox; a user with no token gets `SignInRequired`, before any
                  request is made

Calendars are cached per user, so steady state is one Graph round trip per meeting; the room
list is cached too: once for the tenant with the app token, once per user with theirs.

Retries follow `bot.retry` (`GRAPH_RETRY`), bounded in count and in time, and only for what
Graph documents as transient: 429 and 503 after the server's `Retry-After`, 502/503/504,
timeouts and dropped connections with a short exponential backoff; a 401 once, with a fresh
token (the app's, or the same user's: `UserTokens.forget`, then `user_token` again). Never
another 4xx, and not a 500 (not documented as transient), and never a `SignInRequired`. Every
write is safe to retry: creates carry `transactionId` or `externalId`, making an event online
PATCHes the same two fields, moving one the same start and end, and a cancel that comes back
404 after an attempt that may have reached Graph has already happened.

Several event reads at once go as JSON batches (`get_events`: `POST /$batch`, at most 20 each,
one token per batch). Each read in it is answered on its own; one Graph throttled or failed on
the way is made again alone, with the retries above.

Time: all Graph calls of one Teams turn share one budget (`budget()`, 8 s by default), so the
bot answers within Teams' 15-second window whatever Graph does: each attempt is cut off at
what is left (at most 5 s), a Retry-After that does not fit is not waited for, and no attempt
starts with less than half a second left. Outside a `budget()` block each call gets its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import aiohttp
import httpx
import orjson
from tzlocal.windows_tz import tz_win

from bot.graph.auth import TokenProvider, UserTokens
from bot.graph.errors import (
    GraphError,
    GraphNoAnswer,
    GraphNotFound,
    GraphThrottled,
    GraphUnauthorized,
    GraphUnavailable,
    TeamsNotAllowed,
    raise_for_response,
)
from bot.graph.ids import event_segment, user_segment
from bot.graph.models import (
    Calendar,
    DateTimeTimeZone,
    Event,
    EventPage,
    OnlineMeeting,
    OnlineMeetingProvider,
    Room,
    RoomPage,
)
from bot.graph.request import EventRequest, Invitee, Participant, RoomBooking
from bot.logs import graph_fields
from bot.retry import GRAPH_RETRY, Budget, RetryPolicy

log = logging.getLogger(__name__)

ONLINE_INFO_SELECT = "isOnlineMeeting,onlineMeetingProvider,onlineMeeting"
# What a reminder card needs: the times (a moved meeting), isCancelled, and the join details
# with the body (the local-numbers link lives in the invitation text).
REMINDER_SELECT = (
    "subject,start,end,isCancelled,isOnlineMeeting,onlineMeetingProvider,onlineMeeting,body"
)
# Only these two: a PATCH that also sends `body` mints a new join URL (microsoft-graph-docs#9743).
MAKE_ONLINE_PATCH = {
    "isOnlineMeeting": True,
    "onlineMeetingProvider": OnlineMeetingProvider.TEAMS.value,
}
# Enough to find a series' next occurrence: the times, and which one it is.
INSTANCE_SELECT = "subject,start,end,isCancelled,type,seriesMasterId"
# On every call, so that a stored event id still names the event after it moved: Exchange's
# default ids change when an item moves ("Obtain immutable identifiers for Outlook resources",
# https://learn.microsoft.com/graph/outlook-immutable-id). It shares the one Prefer header
# with `outlook.timezone`, comma-separated, as RFC 7240 lists several preferences.
IMMUTABLE_IDS = 'IdType="ImmutableId"'
MAX_VIEW_PAGES = 5
BATCH_LIMIT = 20  # requests in one JSON batch (Graph's limit)
_TRANSIENT_STATUSES = frozenset({502, 503, 504})


def graph_zone_name(iana: str) -> str:
    """The zone name to send Graph: Windows names where one exists ("Pacific Standard Time"),
    else the IANA name, which Graph also accepts for most zones."""
    return tz_win.get(iana, iana)


class GraphClient:
    def __init__(
        self,
        http: httpx.AsyncClient,
        tokens: TokenProvider | None,
        *,
        user_tokens: UserTokens | None = None,
        calendar_ttl: timedelta = timedelta(minutes=15),
        rooms_ttl: timedelta = timedelta(hours=1),
        policy: RetryPolicy = GRAPH_RETRY,
    ) -> None:
        """`http` carries Graph's base URL (`https://graph.microsoft.com/v1.0`); `policy` its
        clock and sleep, which the calendar cache uses too. With `user_tokens` every call is
        delegated (see the module docstring) and `tokens`, the app's, is not used (a delegated
        deployment has none: None)."""
        if tokens is None and user_tokens is None:
            raise ValueError("GraphClient needs the app's tokens or the users' tokens")
        self._http = http
        self._base = str(http.base_url).rstrip("/")
        self._tokens = tokens
        self._user_tokens = user_tokens
        self._calendar_ttl = calendar_ttl.total_seconds()
        self._clock = policy.clock
        self.policy = policy
        self._calendars: dict[str, tuple[float, Calendar]] = {}
        # The room list, until when it is fresh: by user in delegated mode (each read with
        # that user's token), under None in application mode (one tenant, one app).
        self._rooms_ttl = rooms_ttl.total_seconds()
        self._rooms: dict[str | None, tuple[float, list[Room]]] = {}
        # The budget of the turn this task is in, if one was opened.
        self._budget: ContextVar[Budget | None] = ContextVar("graph_budget", default=None)

    @contextlib.contextmanager
    def budget(self, seconds: float | None = None) -> Iterator[None]:
        """Give every Graph call inside this block one shared budget of `seconds` (default:
        `policy.budget`). A nested block gets no more than its outer one has left and spends
        from it, so a caller that opened a tighter one (the Teams handler) is never extended
        by a flow."""
        outer = self._budget.get()
        seconds = self.policy.budget if seconds is None else seconds
        inner = self.policy.new_budget(
            seconds if outer is None else min(seconds, outer.remaining())
        )
        token = self._budget.set(inner)
        try:
            yield
        finally:
            self._budget.reset(token)
            if outer is not None:
                outer.spend(inner.spent)

    async def get_calendar(self, user_id: str) -> Calendar:
        """The user's default calendar (allowed and default providers), cached per user."""
        cached = self._calendars.get(user_id)
        if cached and self._clock() < cached[0]:
            return cached[1]
        data = await self._request(
            "GET", f"{self._mailbox(user_id)}/calendar", user_id, resource="calendar"
        )
        calendar = Calendar.model_validate(data)
        self._calendars[user_id] = (self._clock() + self._calendar_ttl, calendar)
        return calendar

    async def create_online_event(
        self,
        user_id: str,
        *,
        subject: str,
        start: datetime,
        end: datetime,
        zone: str,
        attendees: Sequence[str],
        transaction_id: str,
    ) -> Event:
        """Create a Teams meeting with required attendees only (`create_event` for the rest)."""
        request = self.event_request(
            subject=subject,
            start=start,
            end=end,
            zone=zone,
            attendees=[Invitee(address) for address in attendees],
        )
        return await self.create_event(user_id, request, zone=zone, transaction_id=transaction_id)

    @staticmethod
    def event_request(
        *,
        subject: str,
        start: datetime,
        end: datetime,
        zone: str,
        attendees: Sequence[Invitee] = (),
        places: Sequence[str] = (),
        room: RoomBooking | None = None,
        agenda: str | None = None,
        recurrence: Mapping[str, Any] | None = None,
    ) -> EventRequest:
        """The create body for a meeting at `start`-`end` in `zone` (the organizer's IANA
        zone, sent by its Windows name)."""
        zone_name = graph_zone_name(zone)
        return EventRequest.build(
            subject=subject,
            start=_dtz(start, zone_name),
            end=_dtz(end, zone_name),
            attendees=attendees,
            places=places,
            room=room,
            agenda=agenda,
            recurrence=recurrence,
        )

    async def create_event(
        self, user_id: str, request: EventRequest, *, zone: str, transaction_id: str
    ) -> Event:
        """Create `request` as a Teams meeting on the organizer's calendar.

        Checks the calendar's allowed providers first: Graph would otherwise create the event
        with a Skype link or none at all. The answer's times are asked for in `zone` (IANA).
        """
        calendar = await self.get_calendar(user_id)
        if not calendar.allows_teams:
            raise TeamsNotAllowed(calendar.allowed_online_meeting_providers)
        body = {
            **request.graph_json(),
            "isOnlineMeeting": True,
            "onlineMeetingProvider": OnlineMeetingProvider.TEAMS.value,
            "transactionId": transaction_id,
        }
        data = await self._request(
            "POST",
            f"{self._mailbox(user_id)}/events",
            user_id,
            json=body,
            headers={"Prefer": f'outlook.timezone="{graph_zone_name(zone)}"'},
            resource="events",
        )
        return Event.model_validate(data)

    async def list_rooms(self, user_id: str) -> list[Room]:
        """The tenant's rooms (`GET /places/microsoft.graph.room`, Place.Read.All), cached
        for `rooms_ttl`: rooms change rarely and every `in <room>` would ask again. The list
        is the tenant's, but a delegated call needs some user's token: `user_id`'s, and the
        list is cached for that user only. In application mode `user_id` is not used.

        Follows `@odata.nextLink` (Graph sends 100 places a page) for at most MAX_VIEW_PAGES
        pages. https://learn.microsoft.com/en-us/graph/api/place-list
        """
        key = user_id if self._user_tokens is not None else None
        cached = self._rooms.get(key)
        if cached is not None and self._clock() < cached[0]:
            return cached[1]
        path, query = "/places/microsoft.graph.room", None
        rooms: list[Room] = []
        for _ in range(MAX_VIEW_PAGES):
            page = RoomPage.model_validate(
                await self._request("GET", path, user_id, params=query, resource="places")
            )
            rooms.extend(page.value)
            if page.next_link is None:
                break
            path = self._next_path(page.next_link)
        self._rooms[key] = (self._clock() + self._rooms_ttl, rooms)
        return rooms

    async def get_event_online_info(self, user_id: str, event_id: str) -> Event:
        data = await self._request(
            "GET",
            f"{self._mailbox(user_id)}/events/{event_segment(event_id)}",
            user_id,
            params={"$select": ONLINE_INFO_SELECT},
            resource="events",
        )
        return Event.model_validate(data)

    async def get_event(
        self, user_id: str, event_id: str, *, select: str = REMINDER_SELECT
    ) -> Event:
        """The event as it is now, times in UTC (whatever zone it was made in)."""
        data = await self._request(
            "GET",
            f"{self._mailbox(user_id)}/events/{event_segment(event_id)}",
            user_id,
            params={"$select": select},
            headers={"Prefer": 'outlook.timezone="UTC"'},
            resource="events",
        )
        return Event.model_validate(data)

    async def get_events(
        self, reads: Sequence[tuple[str, str]], *, select: str = REMINDER_SELECT
    ) -> list[Event | Exception]:
        """Each `(user_id, event_id)` as `get_event` reads it, in the order given: the event, or
        the exception its read ended in (`GraphError`, `SignInRequired`, `TokenError`). Reads
        made with one token (every read with the app's; each user's own in delegated mode) go
        together, one JSON batch per `BATCH_LIMIT`; a lone read is a plain GET."""
        results: list[Event | Exception] = [GraphNoAnswer("not read", timed_out=False)] * len(reads)
        by_token: dict[str | None, list[int]] = {}
        for index, (user_id, _) in enumerate(reads):
            key = user_id if self._user_tokens is not None else None
            by_token.setdefault(key, []).append(index)
        chunks = [
            indexes[start : start + BATCH_LIMIT]
            for indexes in by_token.values()
            for start in range(0, len(indexes), BATCH_LIMIT)
        ]
        await asyncio.gather(*(self._read_batch(reads, chunk, select, results) for chunk in chunks))
        return results

    async def _read_batch(
        self,
        reads: Sequence[tuple[str, str]],
        chunk: list[int],
        select: str,
        results: list[Event | Exception],
    ) -> None:
        """Read `reads[i]` for each i in `chunk` (one token's), into `results[i]`."""
        if len(chunk) == 1:
            results[chunk[0]] = await self._read_alone(*reads[chunk[0]], select)
            return
        user_id = reads[chunk[0]][0]
        query = urlencode({"$select": select})
        prefer = f'outlook.timezone="UTC", {IMMUTABLE_IDS}'
        urls = {
            str(index): f"{self._mailbox(reads[index][0])}/events/"
            f"{event_segment(reads[index][1])}?{query}"
            for index in chunk
        }
        requests = [
            {"id": step, "method": "GET", "url": url, "headers": {"Prefer": prefer}}
            for step, url in urls.items()
        ]
        try:
            answer = await self._request(
                "POST", "/$batch", user_id, json={"requests": requests}, resource="events"
            )
        except Exception as error:  # the batch as a whole: every read in it ends so
            for index in chunk:
                results[index] = error
            return
        items = {str(item.get("id")): item for item in answer.get("responses", [])}
        again = []
        for index in chunk:
            item = items.get(str(index))
            outcome = None if item is None else _batched_event(item, urls[str(index)])
            if outcome is None:  # throttled, failed on the way, or missing: alone, retried
                again.append(index)
            else:
                results[index] = outcome
        outcomes = await asyncio.gather(
            *(self._read_alone(*reads[index], select) for index in again)
        )
        for index, outcome in zip(again, outcomes, strict=True):
            results[index] = outcome

    async def _read_alone(self, user_id: str, event_id: str, select: str) -> Event | Exception:
        try:
            return await self.get_event(user_id, event_id, select=select)
        except Exception as error:  # the read's result, for its caller to act on
            return error

    async def list_calendar_view(
        self,
        user_id: str,
        start: datetime,
        end: datetime,
        *,
        zone: str,
        select: str | None = None,
        top: int = 50,
    ) -> list[Event]:
        """The events overlapping [start, end), soonest first, times in `zone` (IANA).

        Follows `@odata.nextLink` for at most MAX_VIEW_PAGES pages of `top` events; a longer
        window is cut short (and logged) rather than paged without bound.
        """
        params = {
            "startDateTime": _utc_instant(_aware(start, "start")),
            "endDateTime": _utc_instant(_aware(end, "end")),
            "$top": str(top),
            "$orderby": "start/dateTime",
        }
        if select:
            params["$select"] = select
        # Graph wants the Prefer header on every page, not only the first.
        headers = {"Prefer": f'outlook.timezone="{graph_zone_name(zone)}"'}
        path = f"{self._mailbox(user_id)}/calendarView"
        query: dict[str, str] | None = params
        events: list[Event] = []
        for _ in range(MAX_VIEW_PAGES):
            data = await self._request(
                "GET", path, user_id, params=query, headers=headers, resource="events"
            )
            page = EventPage.model_validate(data)
            events.extend(page.value)
            if page.next_link is None:
                return events
            path, query = self._next_path(page.next_link), None  # the link carries the query
        log.warning(
            "calendarView for %s stopped after %d pages (%d events)",
            user_id,
            MAX_VIEW_PAGES,
            len(events),
        )
        return events

    async def list_instances(
        self, user_id: str, series_id: str, start: datetime, end: datetime, *, top: int = 10
    ) -> list[Event]:
        """The first `top` occurrences and exceptions of the series master `series_id` in
        [start, end), soonest first, times in UTC; cancelled occurrences are not among them
        (https://learn.microsoft.com/en-us/graph/api/event-list-instances). One page only:
        the caller wants the next occurrence, not the whole series."""
        data = await self._request(
            "GET",
            f"{self._mailbox(user_id)}/events/{event_segment(series_id)}/instances",
            user_id,
            params={
                "startDateTime": _utc_instant(_aware(start, "start")),
                "endDateTime": _utc_instant(_aware(end, "end")),
                "$top": str(top),
                "$orderby": "start/dateTime",
                "$select": INSTANCE_SELECT,
            },
            headers={"Prefer": 'outlook.timezone="UTC"'},
            resource="events",
        )
        return EventPage.model_validate(data).value

    async def make_event_online(self, user_id: str, event_id: str) -> Event:
        """Make an existing event a Teams meeting and return it with its join details.

        PATCHes exactly `isOnlineMeeting` and `onlineMeetingProvider`, after checking that the
        calendar allows Teams (else Graph would attach a Skype link or none).
        """
        calendar = await self.get_calendar(user_id)
        if not calendar.allows_teams:
            raise TeamsNotAllowed(calendar.allowed_online_meeting_providers)
        data = await self._request(
            "PATCH",
            f"{self._mailbox(user_id)}/events/{event_segment(event_id)}",
            user_id,
            json=dict(MAKE_ONLINE_PATCH),
            resource="events",
        )
        event = Event.model_validate(data)
        if event.join_url:
            return event
        # Graph may fill onlineMeeting in after answering the PATCH: read it once more.
        info = await self.get_event_online_info(user_id, event_id)
        return _with_online_info(event, info)

    async def with_join_link(self, user_id: str, event: Event) -> Event:
        """`event`, just created as a Teams meeting, with its join details.

        Graph can answer a create without them: before Teams filled them in (a read shortly
        after has them), or with an offline event although Teams was asked for
        (`isOnlineMeeting` false, provider `unknown`: microsoft-graph-docs#9740, #22355). So
        the online fields are read once and, if the event is offline, it is made online
        (`make_event_online`: the same event, never a second create). The result may still
        lack a join URL; the caller tells the user.
        """
        if event.join_url:
            return event
        info = await self.get_event_online_info(user_id, event.id)
        if info.join_url or info.is_online_meeting:
            return _with_online_info(event, info)
        return await self.make_event_online(user_id, event.id)

    async def move_event(
        self, user_id: str, event_id: str, *, start: datetime, end: datetime, zone: str
    ) -> Event:
        """Move an event (a single one, one occurrence of a series, or a series master) to
        `start`-`end`, written in `zone` (IANA), and return it as Graph now has it.

        The PATCH carries `start` and `end` and nothing else: a PATCH that also sends `body`
        makes Graph rebuild the invitation's join block and mint a new join URL, or drop it
        (microsoft-graph-docs#9743, #18896), and every attendee's link would stop working.
        Moving one occurrence onto or past the day of its neighbour is a 400
        `ErrorOccurrenceCrossingBoundary` (Graph's "Update event" page). Sending the same
        times again changes nothing, so a retried PATCH is safe.
        """
        zone_name = graph_zone_name(zone)
        data = await self._request(
            "PATCH",
            f"{self._mailbox(user_id)}/events/{event_segment(event_id)}",
            user_id,
            json={"start": _dtz(start, zone_name), "end": _dtz(end, zone_name)},
            headers={"Prefer": f'outlook.timezone="{zone_name}"'},
            resource="events",
        )
        event = Event.model_validate(data)
        if not event.is_online_meeting or event.join_url:
            return event
        # An online event answered without its join details: read them once more.
        info = await self.get_event_online_info(user_id, event_id)
        return event.model_copy(update={"online_meeting": info.online_meeting})

    async def cancel_event(self, user_id: str, event_id: str, comment: str | None = None) -> None:
        """Cancel a meeting the user organizes and notify its attendees (Graph answers 202).

        An attendee's copy is refused by Graph with a 400 (GraphBadRequest).
        """
        await self._send(
            "POST",
            f"{self._mailbox(user_id)}/events/{event_segment(event_id)}/cancel",
            user_id,
            json={"comment": comment} if comment else {},
            resource="events",
            gone_after_retry_is_success=True,
        )

    async def create_or_get_meeting(
        self,
        user_id: str,
        *,
        external_id: str,
        subject: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        participants: Sequence[Participant] = (),
    ) -> tuple[OnlineMeeting, bool]:
        """`onlineMeetings/createOrGet`: the meeting and whether this call created it (201).
        `participants` go in as `participants.attendees` (seed 001's example)."""
        body: dict[str, Any] = {"externalId": external_id}
        if participants:
            body["participants"] = {"attendees": [person.json() for person in participants]}
        if subject:
            body["subject"] = subject
        if start is not None:
            body["startDateTime"] = _utc_instant(start)
        if end is not None:
            body["endDateTime"] = _utc_instant(end)
        response = await self._send(
            "POST",
            f"{self._mailbox(user_id)}/onlineMeetings/createOrGet",
            user_id,
            json=body,
            resource="onlineMeetings",
        )
        return OnlineMeeting.model_validate(_json(response)), response.status_code == 201

    def _mailbox(self, user_id: str) -> str:
        """Where `user_id`'s calendar and meetings are: `/me` to their own token, as the
        seeds' delegated examples call it, else `/users/{id}` to the app's."""
        if self._user_tokens is not None:
            return "/me"
        return f"/users/{user_segment(user_id)}"

    async def _token(self, user_id: str) -> str:
        """The bearer token for a call made for `user_id`: theirs in delegated mode (raising
        `SignInRequired` when they have none), else the app's."""
        if self._user_tokens is not None:
            return await self._user_tokens.user_token(user_id)
        assert self._tokens is not None  # __init__: one or the other
        return await self._tokens.token()

    def _refused(self, user_id: str) -> None:
        """Graph refused the token of a call made for `user_id`: drop it, so the retry asks
        for a fresh one."""
        if self._user_tokens is not None:
            self._user_tokens.forget(user_id)
        elif self._tokens is not None:
            self._tokens.invalidate()

    async def _request(self, method: str, path: str, user_id: str, **kwargs: Any) -> Any:
        return _json(await self._send(method, path, user_id, **kwargs))

    async def _send(
        self,
        method: str,
        path: str,
        user_id: str,
        *,
        resource: str,
        json: Any = None,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        gone_after_retry_is_success: bool = False,
    ) -> httpx.Response:
        """Send with bounded retries (see the module docstring). With
        `gone_after_retry_is_success`, a 404 that follows an attempt which may have reached
        Graph (a timeout, a dropped connection, a 5xx) means that attempt already did the work,
        so the 404 response is returned, not raised. A GraphError raised for a write says
        whether the write `maybe_applied`."""
        budget = self._budget.get() or self.policy.new_budget()
        attempt = _Attempts()
        try:
            while True:
                attempt.number += 1
                if budget.remaining() < self.policy.min_attempt:
                    # The turn's budget is spent (on earlier calls, or a sleep overran).
                    raise attempt.last or GraphNoAnswer(
                        f"no time left for {method} {path}", timed_out=True
                    )
                try:
                    response = await self._attempt(
                        method, path, user_id, budget, json=json, params=params, headers=headers
                    )
                    raise_for_response(response, resource=resource)
                    return response
                except GraphNotFound:
                    if gone_after_retry_is_success and attempt.maybe_applied:
                        log.info("graph %s %s: 404 after a retry, already done", method, path)
                        return response
                    raise
                except GraphUnauthorized:
                    if attempt.refreshed_token or attempt.number >= self.policy.attempts:
                        raise
                    attempt.refreshed_token = True  # revoked or rotated: a new one, once
                    self._refused(user_id)
                except (GraphThrottled, GraphUnavailable) as exc:
                    # A 429 was refused before any work; a 5xx (even a 503 with Retry-After)
                    # or no answer may have come after the work was done.
                    attempt.maybe_applied |= exc.status != 429
                    attempt.last = exc
                    delay = self._retry_delay(exc, attempt.number, budget)
                    if delay is None:
                        raise
                    log.info("graph %s %s: retrying in %.2fs after %s", method, path, delay, exc)
                    await budget.wait(delay)
        except GraphError as exc:
            exc.maybe_applied = attempt.maybe_applied and method != "GET"
            raise

    async def _attempt(
        self,
        method: str,
        path: str,
        user_id: str,
        budget: Budget,
        *,
        json: Any,
        params: dict[str, str] | None,
        headers: dict[str, str] | None,
    ) -> httpx.Response:
        """One request, token included, cut off at the attempt timeout or what is left."""
        limit = min(self.policy.attempt_timeout, budget.remaining())
        connect = self.policy.connect_timeout
        timeout = httpx.Timeout(limit, connect=limit if connect is None else min(connect, limit))
        started = self._clock()
        try:
            async with asyncio.timeout(limit):
                token = await self._token(user_id)
                sent = {"Authorization": f"Bearer {token}"}
                if json is not None:
                    sent["Content-Type"] = "application/json"
                if headers:
                    sent |= headers
                prefer = sent.get("Prefer")
                sent["Prefer"] = f"{prefer}, {IMMUTABLE_IDS}" if prefer else IMMUTABLE_IDS
                response = await self._http.request(
                    method,
                    self._base + path,  # absolute: httpx parses it once, with nothing to join
                    content=None if json is None else orjson.dumps(json),
                    params=params,
                    headers=sent,
                    timeout=timeout,
                )
        except TimeoutError as exc:
            log.info("graph %s %s: no answer within %.2fs", method, path, limit)
            raise GraphNoAnswer(f"{method} {path}: no answer in time", timed_out=True) from exc
        except httpx.TransportError as exc:
            if _timed_out(exc):
                log.info("graph %s %s: no answer within %.2fs", method, path, limit)
                raise GraphNoAnswer(f"{method} {path}: no answer in time", timed_out=True) from exc
            log.info("graph %s %s: %s", method, path, type(exc).__name__)
            raise GraphNoAnswer(f"{method} {path}: {type(exc).__name__}", timed_out=False) from exc
        finally:
            budget.spend(self._clock() - started)
        request_id = response.headers.get("request-id")
        log.info(
            "graph %s %s -> %s request-id=%s",
            method,
            path,
            response.status_code,
            request_id,
            extra=graph_fields(method, path, response.status_code, request_id),
        )
        return response

    def _retry_delay(self, exc: GraphError, failed: int, budget: Budget) -> float | None:
        """How long to wait before trying again, or None to give up now."""
        if failed >= self.policy.attempts:
            return None
        if isinstance(exc, GraphThrottled):
            delay = self.policy.backoff(failed, exc.retry_after)
        elif isinstance(exc, GraphNoAnswer) or exc.status in _TRANSIENT_STATUSES:
            delay = self.policy.backoff(failed)
        else:
            return None  # a 500 is not documented as transient: do not hammer Graph
        if not budget.fits(delay):
            return None  # waiting would leave no time to try: say so now
        return delay

    def _next_path(self, next_link: str) -> str:
        """The path of an `@odata.nextLink` under our base URL. A link elsewhere is refused:
        following it would hand our bearer token to another host."""
        if not next_link.startswith(self._base + "/"):
            raise GraphError(0, "unexpected_next_link", f"nextLink outside {self._base}")
        return next_link[len(self._base) :]


@dataclass(slots=True)
class _Attempts:
    """Where one call's retries stand."""

    number: int = 0
    refreshed_token: bool = False
    maybe_applied: bool = False
    last: GraphError | None = None  # the failure being retried


def _with_online_info(event: Event, info: Event) -> Event:
    """`event` with the online fields of a later read of it."""
    return event.model_copy(
        update={
            "is_online_meeting": info.is_online_meeting,
            "online_meeting_provider": info.online_meeting_provider,
            "online_meeting": info.online_meeting,
        }
    )


def _batched_event(item: Mapping[str, Any], url: str) -> Event | Exception | None:
    """A batch's answer to the read of `url`: the event, the GraphError it ends in, or None
    when it is worth reading again alone (throttled, unavailable, a refused token)."""
    status = item.get("status")
    log.info("graph GET %s (in a batch) -> %s", url.split("?", 1)[0], status)
    if status == 200:
        try:
            return Event.model_validate(item.get("body"))
        except ValueError as error:  # what `get_event` would have raised
            return error
    if not isinstance(status, int):
        return None
    body = item.get("body")
    response = httpx.Response(
        status,
        headers=item.get("headers") or {},
        json=body if isinstance(body, dict) else None,
    )
    try:
        raise_for_response(response, resource="events")
    except (GraphThrottled, GraphUnavailable, GraphUnauthorized):
        return None
    except GraphError as error:
        return error
    return None  # a 2xx that is not 200: not what a read answers


def _timed_out(error: httpx.TransportError) -> bool:
    """Whether Graph did not answer in time, rather than the connection failing (refused,
    reset, closed before the answer): what the user is told differs. httpx-aiohttp reports
    every aiohttp connection error as `httpx.ConnectTimeout`, with aiohttp's as its cause."""
    if not isinstance(error, httpx.TimeoutException):
        return False
    cause = error.__cause__
    return isinstance(cause, TimeoutError) or not isinstance(cause, aiohttp.ClientError)


def _aware(value: datetime, name: str) -> datetime:
    if value.tzinfo is None:
        raise ValueError(f"{name} must be timezone-aware")
    return value


def _json(response: httpx.Response) -> Any:
    """The body as JSON (orjson: Graph's event bodies are a few kB)."""
    return orjson.loads(response.content)


def _dtz(value: datetime, zone_name: str) -> dict[str, str]:
    """Graph's wall clock + zone; in UTC when the wall clock alone would be ambiguous (the
    repeated hour when clocks go back), since dateTimeTimeZone cannot say which one."""
    if _is_ambiguous(value):
        zone_name = "UTC"
    return DateTimeTimeZone.json_for(value, zone_name)


def _is_ambiguous(value: datetime) -> bool:
    return value.replace(fold=1 - value.fold).utcoffset() != value.utcoffset()


def _utc_instant(value: datetime) -> str:
    """onlineMeetings take ISO instants in UTC, not Graph's dateTimeTimeZone."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
