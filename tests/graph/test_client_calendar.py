"""GraphClient's calendar operations against scripted Graph answers (httpx.MockTransport):
calendarView paging, making an event online, cancelling, and their retry rules."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from bot.graph import (
    GRAPH_RETRY,
    GraphBadRequest,
    GraphClient,
    GraphError,
    GraphForbidden,
    GraphNotFound,
    GraphThrottled,
    MissingGrant,
    TeamsNotAllowed,
)

BASE = "https://graph.test/v1.0"
LA = ZoneInfo("America/Los_Angeles")
START = datetime(2026, 11, 22, 8, tzinfo=LA)
END = datetime(2026, 11, 29, 8, tzinfo=LA)
JOIN = "https://teams.microsoft.com/l/meetup-join/x"
CALENDAR = {"id": "cal", "allowedOnlineMeetingProviders": ["teamsForBusiness"]}
TWO_FIELDS = {"isOnlineMeeting": True, "onlineMeetingProvider": "teamsForBusiness"}


class FakeTokens:
    async def token(self) -> str:
        return "token-1"

    def invalidate(self) -> None:
        pass


Handler = Callable[[httpx.Request], httpx.Response]


def client_for(handler: Handler) -> tuple[GraphClient, list[httpx.Request], list[float]]:
    seen: list[httpx.Request] = []
    slept: list[float] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    http = httpx.AsyncClient(base_url=BASE, transport=httpx.MockTransport(record))
    return GraphClient(http, FakeTokens(), policy=replace(GRAPH_RETRY, sleep=sleep)), seen, slept


def make_event(event_id: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": event_id,
        "subject": f"Meeting {event_id}",
        "start": {"dateTime": "2026-11-23T09:00:00.0000000", "timeZone": "Pacific Standard Time"},
        "end": {"dateTime": "2026-11-23T09:30:00.0000000", "timeZone": "Pacific Standard Time"},
        **fields,
    }


def graph_error(status: int, code: str = "Error", message: str = "no") -> httpx.Response:
    return httpx.Response(status, json={"error": {"code": code, "message": message}})


def page(ids: list[str], next_link: str | None = None) -> httpx.Response:
    body: dict[str, Any] = {"value": [make_event(i) for i in ids]}
    if next_link is not None:
        body["@odata.nextLink"] = next_link
    return httpx.Response(200, json=body)


# --- calendarView --------------------------------------------------------------------------


async def test_calendar_view_asks_for_the_window_in_the_users_zone_and_follows_next_links() -> None:
    next_url = f"{BASE}/users/u-1/calendarView?startDateTime=a&endDateTime=b&$top=2&$skip=2"

    def handler(request: httpx.Request) -> httpx.Response:
        if "$skip" in request.url.params:
            return page(["c"])
        return page(["a", "b"], next_url)

    client, seen, _ = client_for(handler)
    events = await client.list_calendar_view(
        "u-1", START, END, zone="America/Los_Angeles", select="subject,start,end", top=2
    )

    assert [e.id for e in events] == ["a", "b", "c"]
    first, second = seen
    assert first.url.path == "/v1.0/users/u-1/calendarView"
    assert dict(first.url.params) == {
        "startDateTime": "2026-11-22T16:00:00Z",
        "endDateTime": "2026-11-29T16:00:00Z",
        "$top": "2",
        "$orderby": "start/dateTime",
        "$select": "subject,start,end",
    }
    assert str(second.url) == next_url
    for request in seen:
        assert request.headers["Prefer"] == (
            'outlook.timezone="Pacific Standard Time", IdType="ImmutableId"'
        )
        assert request.headers["Authorization"] == "Bearer token-1"


async def test_instances_ask_for_one_sorted_page_of_the_series_in_utc() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return page(["occurrence-1", "occurrence-2"], f"{BASE}/users/u-1/next")

    client, seen, _ = client_for(handler)
    events = await client.list_instances("u-1", "master-1", START, END, top=3)

    assert [e.id for e in events] == ["occurrence-1", "occurrence-2"]
    (request,) = seen  # the next occurrence is on the first page: no nextLink followed
    assert request.url.path == "/v1.0/users/u-1/events/master-1/instances"
    assert dict(request.url.params) == {
        "startDateTime": "2026-11-22T16:00:00Z",
        "endDateTime": "2026-11-29T16:00:00Z",
        "$top": "3",
        "$orderby": "start/dateTime",
        "$select": "subject,start,end,isCancelled,type,seriesMasterId",
    }
    assert 'outlook.timezone="UTC"' in request.headers["Prefer"]


async def test_calendar_view_reads_at_most_five_pages() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        skip = int(request.url.params.get("$skip", "0"))
        return page([f"e{skip}"], f"{BASE}/users/u-1/calendarView?$skip={skip + 1}")

    client, seen, _ = client_for(handler)
    events = await client.list_calendar_view("u-1", START, END, zone="UTC", top=1)

    assert len(seen) == 5
    assert [e.id for e in events] == ["e0", "e1", "e2", "e3", "e4"]


async def test_a_next_link_to_another_host_is_not_followed() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return page(["a"], "https://evil.test/v1.0/users/u-1/calendarView?$skip=1")

    client, seen, _ = client_for(handler)
    with pytest.raises(GraphError) as caught:
        await client.list_calendar_view("u-1", START, END, zone="UTC")

    assert caught.value.code == "unexpected_next_link"
    assert [r.url.host for r in seen] == ["graph.test"]


async def test_calendar_view_refuses_naive_times_before_calling_graph() -> None:
    client, seen, _ = client_for(lambda request: page([]))

    with pytest.raises(ValueError, match="timezone-aware"):
        await client.list_calendar_view("u-1", datetime(2026, 11, 22), END, zone="UTC")
    assert seen == []


async def test_calendar_view_parses_the_fields_the_bot_needs() -> None:
    attendee_copy = make_event(
        "occ",
        isOrganizer=False,
        organizer={"emailAddress": {"name": "Adele Vance", "address": "AdeleV@contoso.com"}},
        isAllDay=True,
        showAs="workingElsewhere",
        type="occurrence",
        seriesMasterId="master",
        isCancelled=True,
        somethingNew={"ignored": True},
    )
    client, _, _ = client_for(lambda r: httpx.Response(200, json={"value": [attendee_copy]}))

    (event,) = await client.list_calendar_view("u-1", START, END, zone="UTC")

    assert event.is_organizer is False and event.is_cancelled is True
    assert event.organizer is not None and event.organizer.email_address is not None
    assert event.organizer.email_address.address == "AdeleV@contoso.com"
    assert (event.is_all_day, event.show_as) == (True, "workingElsewhere")
    assert (event.type, event.series_master_id) == ("occurrence", "master")
    assert event.start is not None
    assert event.start.to_datetime() == datetime(2026, 11, 23, 17, tzinfo=UTC)


async def test_calendar_view_403_names_the_calendar_permission() -> None:
    client, _, _ = client_for(lambda r: graph_error(403, "ErrorAccessDenied", "Access is denied."))

    with pytest.raises(GraphForbidden) as caught:
        await client.list_calendar_view("u-1", START, END, zone="UTC")
    assert caught.value.missing is MissingGrant.CALENDARS_PERMISSION


# --- make an event online ------------------------------------------------------------------


def online(event_id: str) -> dict[str, Any]:
    return make_event(
        event_id,
        isOnlineMeeting=True,
        onlineMeetingProvider="teamsForBusiness",
        onlineMeeting={"joinUrl": JOIN},
    )


async def test_make_online_patches_exactly_the_two_fields() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/calendar"):
            return httpx.Response(200, json=CALENDAR)
        return httpx.Response(200, json=online("ev/1"))

    client, seen, _ = client_for(handler)
    event = await client.make_event_online("u-1", "ev/1")

    patch = seen[-1]
    assert [r.method for r in seen] == ["GET", "PATCH"]
    assert patch.url.raw_path == b"/v1.0/users/u-1/events/ev%2F1"
    assert json.loads(patch.content) == TWO_FIELDS
    assert event.join_url == JOIN and event.subject == "Meeting ev/1"


async def test_make_online_reads_the_join_details_when_the_patch_answer_lacks_them() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/calendar"):
            return httpx.Response(200, json=CALENDAR)
        if request.method == "PATCH":
            return httpx.Response(200, json=make_event("e1", isOnlineMeeting=True))
        selected = {k: v for k, v in online("e1").items() if k not in ("subject", "start", "end")}
        return httpx.Response(200, json=selected)

    client, seen, _ = client_for(handler)
    event = await client.make_event_online("u-1", "e1")

    assert seen[-1].method == "GET"
    assert seen[-1].url.params["$select"] == "isOnlineMeeting,onlineMeetingProvider,onlineMeeting"
    assert event.join_url == JOIN and event.subject == "Meeting e1"


async def test_make_online_without_teams_on_the_calendar_patches_nothing() -> None:
    skype_only = CALENDAR | {"allowedOnlineMeetingProviders": ["skypeForBusiness"]}
    client, seen, _ = client_for(lambda request: httpx.Response(200, json=skype_only))

    with pytest.raises(TeamsNotAllowed) as caught:
        await client.make_event_online("u-1", "e1")
    assert caught.value.allowed == ["skypeForBusiness"]
    assert [r.method for r in seen] == ["GET"]


async def test_make_online_retries_a_gateway_timeout_with_the_same_body() -> None:
    answers = iter([graph_error(504), httpx.Response(200, json=online("e1"))])

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/calendar"):
            return httpx.Response(200, json=CALENDAR)
        return next(answers)

    client, seen, slept = client_for(handler)
    event = await client.make_event_online("u-1", "e1")

    patches = [json.loads(r.content) for r in seen if r.method == "PATCH"]
    assert patches == [TWO_FIELDS, TWO_FIELDS] and slept == [0.5]
    assert event.join_url == JOIN


# --- cancel --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("comment", "body"), [("All hands instead", {"comment": "All hands instead"}), (None, {})]
)
async def test_cancel_posts_to_the_cancel_action(comment: str | None, body: dict[str, str]) -> None:
    client, seen, _ = client_for(lambda request: httpx.Response(202))

    assert await client.cancel_event("u-1", "e1", comment) is None

    (request,) = seen
    assert request.method == "POST" and request.url.path == "/v1.0/users/u-1/events/e1/cancel"
    assert json.loads(request.content) == body


async def test_a_404_after_a_timed_out_cancel_means_it_was_done() -> None:
    answers = iter([httpx.ReadTimeout("late"), graph_error(504), graph_error(404)])

    def handler(request: httpx.Request) -> httpx.Response:
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    client, seen, slept = client_for(handler)
    await client.cancel_event("u-1", "e1")

    assert len(seen) == 3 and slept == [0.5, 1.0]


@pytest.mark.parametrize(
    "first",
    [
        None,  # no earlier attempt: the event does not exist
        httpx.Response(429, json={"error": {"code": "x"}}, headers={"Retry-After": "1"}),
    ],
)
async def test_a_404_is_still_not_found_when_no_attempt_can_have_cancelled(
    first: httpx.Response | None,
) -> None:
    answers = iter([r for r in (first, graph_error(404, "ErrorItemNotFound")) if r is not None])
    client, _, _ = client_for(lambda request: next(answers))

    with pytest.raises(GraphNotFound):
        await client.cancel_event("u-1", "e1")


async def test_other_calls_do_not_treat_404_after_a_retry_as_success() -> None:
    answers = iter([graph_error(504), graph_error(404)])
    client, _, _ = client_for(lambda request: next(answers))

    with pytest.raises(GraphNotFound):
        await client.get_event_online_info("u-1", "e1")


async def test_cancelling_someone_elses_meeting_is_a_bad_request() -> None:
    message = "Your request can't be completed. You need to be an organizer to cancel a meeting."
    client, seen, _ = client_for(lambda r: graph_error(400, "ErrorAccessDenied", message))

    with pytest.raises(GraphBadRequest) as caught:
        await client.cancel_event("u-1", "e1")
    assert caught.value.code == "ErrorAccessDenied" and len(seen) == 1


async def test_persistent_throttling_of_cancel_gives_up() -> None:
    throttled = httpx.Response(429, json={"error": {"code": "x"}}, headers={"Retry-After": "1"})
    client, seen, _ = client_for(lambda request: throttled)

    with pytest.raises(GraphThrottled):
        await client.cancel_event("u-1", "e1")
    assert len(seen) == 3
