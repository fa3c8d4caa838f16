"""GraphClient behaviour that needs exact control of Graph's answers: httpx.MockTransport.

End-to-end behaviour against the emulator lives in tests/e2e; here: retries, error mapping,
caching and the exact request shapes."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
import pytest

from bot.graph import (
    GRAPH_RETRY,
    GraphBadRequest,
    GraphClient,
    GraphForbidden,
    GraphThrottled,
    GraphUnavailable,
    InvalidGraphId,
    MissingGrant,
    TeamsNotAllowed,
)

LA = ZoneInfo("America/Los_Angeles")
CALENDAR = {
    "id": "cal",
    "allowedOnlineMeetingProviders": ["teamsForBusiness"],
    "defaultOnlineMeetingProvider": "teamsForBusiness",
}
EVENT = {
    "id": "AAMkAD=",
    "subject": "x",
    "isOnlineMeeting": True,
    "onlineMeeting": {"joinUrl": "https://teams.microsoft.com/l/meetup-join/x"},
}


class FakeTokens:
    def __init__(self) -> None:
        self.issued = 0

    async def token(self) -> str:
        if self.issued == 0:
            self.issued += 1
        return f"token-{self.issued}"

    def invalidate(self) -> None:
        self.issued += 1


def graph_error(status: int, code: str, message: str, **headers: str) -> httpx.Response:
    body = {"error": {"code": code, "message": message}}
    return httpx.Response(status, json=body, headers={"request-id": "rid-1", **headers})


def client_for(
    handler: Callable[[httpx.Request], httpx.Response],
) -> tuple[GraphClient, list[float], FakeTokens]:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    tokens = FakeTokens()
    http = httpx.AsyncClient(
        base_url="https://graph.test/v1.0", transport=httpx.MockTransport(handler)
    )
    return GraphClient(http, tokens, policy=replace(GRAPH_RETRY, sleep=sleep)), slept, tokens


async def create(client: GraphClient) -> None:
    await client.create_online_event(
        "user-1",
        subject="Design review",
        start=datetime(2026, 11, 22, 15, tzinfo=LA),
        end=datetime(2026, 11, 22, 15, 45, tzinfo=LA),
        zone="America/Los_Angeles",
        attendees=["adele@contoso.com"],
        transaction_id="tx-1",
    )


async def test_create_sends_the_documented_shape_in_the_users_zone() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path.endswith("/calendar"):
            return httpx.Response(200, json=CALENDAR)
        return httpx.Response(201, json=EVENT)

    client, _, _ = client_for(handler)
    await create(client)
    post = seen[-1]
    assert post.method == "POST" and post.url.path == "/v1.0/users/user-1/events"
    assert post.headers["Prefer"] == (
        'outlook.timezone="Pacific Standard Time", IdType="ImmutableId"'
    )
    assert post.headers["Authorization"] == "Bearer token-1"
    assert json.loads(post.content) == {
        "subject": "Design review",
        "start": {"dateTime": "2026-11-22T15:00:00", "timeZone": "Pacific Standard Time"},
        "end": {"dateTime": "2026-11-22T15:45:00", "timeZone": "Pacific Standard Time"},
        "attendees": [{"emailAddress": {"address": "adele@contoso.com"}, "type": "required"}],
        "isOnlineMeeting": True,
        "onlineMeetingProvider": "teamsForBusiness",
        "transactionId": "tx-1",
    }


async def test_calendar_is_read_once_per_user() -> None:
    paths: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        paths.append(request.url.path)
        if request.url.path.endswith("/calendar"):
            return httpx.Response(200, json=CALENDAR)
        return httpx.Response(201, json=EVENT)

    client, _, _ = client_for(handler)
    await create(client)
    await create(client)
    assert paths.count("/v1.0/users/user-1/calendar") == 1
    assert paths.count("/v1.0/users/user-1/events") == 2


async def test_teams_not_allowed_creates_nothing() -> None:
    paths: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        paths.append(request.url.path)
        return httpx.Response(200, json=CALENDAR | {"allowedOnlineMeetingProviders": []})

    client, _, _ = client_for(handler)
    with pytest.raises(TeamsNotAllowed):
        await create(client)
    assert paths == ["/v1.0/users/user-1/calendar"]


async def test_429_is_retried_after_the_servers_delay() -> None:
    answers = iter([graph_error(429, "ApplicationThrottled", "slow down", **{"Retry-After": "2"})])

    def handler(request: httpx.Request) -> httpx.Response:
        return next(answers, httpx.Response(200, json=CALENDAR))

    client, slept, _ = client_for(handler)
    assert (await client.get_calendar("user-1")).allows_teams
    assert slept == [2.0]


async def test_throttling_that_persists_gives_up_within_bounds() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return graph_error(429, "ApplicationThrottled", "slow down", **{"Retry-After": "1"})

    client, slept, _ = client_for(handler)
    with pytest.raises(GraphThrottled) as caught:
        await client.get_calendar("user-1")
    assert slept == [1.0, 1.0] and caught.value.request_id == "rid-1"


@pytest.mark.parametrize("status", [400, 404, 409])
async def test_client_errors_other_than_429_are_not_retried(status: int) -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return graph_error(status, "Bad", "no")

    client, slept, _ = client_for(handler)
    with pytest.raises(Exception):  # noqa: B017 - the class is checked below
        await client.get_calendar("user-1")
    assert calls == 1 and slept == []


async def test_500_is_not_retried_but_504_is() -> None:
    answers = iter([graph_error(504, "GatewayTimeout", "late"), graph_error(500, "Oops", "x")])

    def handler(request: httpx.Request) -> httpx.Response:
        return next(answers)

    client, slept, _ = client_for(handler)
    with pytest.raises(GraphUnavailable) as caught:
        await client.get_calendar("user-1")
    assert caught.value.status == 500 and slept == [0.5]


async def test_a_refused_token_is_renewed_once() -> None:
    auth: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        auth.append(request.headers["Authorization"])
        if len(auth) == 1:
            return graph_error(401, "InvalidAuthenticationToken", "expired")
        return httpx.Response(200, json=CALENDAR)

    client, _, _ = client_for(handler)
    await client.get_calendar("user-1")
    assert auth == ["Bearer token-1", "Bearer token-2"]


@pytest.mark.parametrize(
    ("message", "resource_call", "missing"),
    [
        ("No Application Access Policy found for this app.", "meeting", MissingGrant.ACCESS_POLICY),
        ("Forbidden", "meeting", MissingGrant.MEETINGS_PERMISSION),
        ("Access is denied.", "calendar", MissingGrant.CALENDARS_PERMISSION),
    ],
)
async def test_403_names_what_the_admin_must_grant(
    message: str, resource_call: str, missing: MissingGrant
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return graph_error(403, "Forbidden", message)

    client, _, _ = client_for(handler)
    with pytest.raises(GraphForbidden) as caught:
        if resource_call == "meeting":
            await client.create_or_get_meeting("user-1", external_id="x")
        else:
            await client.get_calendar("user-1")
    assert caught.value.missing is missing


async def test_create_or_get_sends_utc_instants_and_reports_creation() -> None:
    bodies: list[dict[str, str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        bodies.append(json.loads(request.content))
        return httpx.Response(201, json={"id": "m1", "joinWebUrl": "https://j"})

    client, _, _ = client_for(handler)
    meeting, created = await client.create_or_get_meeting(
        "user-1",
        external_id="ext-1",
        subject="Sync",
        start=datetime(2026, 11, 22, 15, tzinfo=LA),
        end=datetime(2026, 11, 22, 16, tzinfo=LA),
    )
    assert created and meeting.join_web_url == "https://j"
    assert bodies == [
        {
            "externalId": "ext-1",
            "subject": "Sync",
            "startDateTime": "2026-11-22T23:00:00Z",
            "endDateTime": "2026-11-23T00:00:00Z",
        }
    ]


async def test_graph_rejecting_a_body_surfaces_as_bad_request() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return graph_error(400, "BadRequest", "nope")

    client, _, _ = client_for(handler)
    with pytest.raises(GraphBadRequest):
        await client.get_calendar("user-1")


# --- ids in URL paths ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user_id", "event_id"),
    [
        ("user-1", ".."),
        ("user-1", "."),
        ("user-1", "AAMk/../x"),  # no dots in base64 at all
        ("user-1", "AAMk\x00"),
        ("user-1", "AAMk\u200b"),
        ("..", "AAMkAD="),
        (".", "AAMkAD="),
        ("user 1", "AAMkAD="),
        ("user/1", "AAMkAD="),
    ],
)
async def test_an_id_graph_never_issues_is_refused_before_any_request(
    user_id: str, event_id: str
) -> None:
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(
            200, json=CALENDAR if request.url.path.endswith("calendar") else EVENT
        )

    client, _, _ = client_for(handler)
    calls = [
        client.get_event(user_id, event_id),
        client.get_event_online_info(user_id, event_id),
        client.make_event_online(user_id, event_id),
        client.cancel_event(user_id, event_id),
    ]
    for call in calls:
        with pytest.raises(InvalidGraphId) as refused:
            await call
        assert isinstance(refused.value, GraphBadRequest) and not refused.value.maybe_applied
    assert [r.url.path for r in sent if not r.url.path.endswith("/calendar")] == []


async def test_slash_and_plus_in_an_event_id_are_encoded_not_refused() -> None:
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json=EVENT)

    client, _, _ = client_for(handler)
    await client.get_event("29:local-user", "AAMkADRiMDjYwOABGv/GAA+A=")
    [request] = sent
    assert request.url.raw_path.startswith(
        b"/v1.0/users/29%3Alocal-user/events/AAMkADRiMDjYwOABGv%2FGAA%2BA%3D?"
    )
