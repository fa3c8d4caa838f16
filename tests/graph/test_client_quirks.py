"""GraphClient and the quirks of real Graph (`emulators.graph.quirks` plays them end to end):
immutable ids asked for on every call, a create answered without its Teams link, a user
without a mailbox, and the access-policy 403 in each of its wordings."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from bot.graph import GraphError, GraphForbidden, GraphNotFound, MailboxNotEnabled, MissingGrant
from bot.graph.models import Event
from tests.graph.test_client import CALENDAR, EVENT, client_for, graph_error

JOIN = {"joinUrl": "https://teams.microsoft.com/l/meetup-join/late"}
OFFLINE = {
    "id": "ev-1",
    "subject": "x",
    "isOnlineMeeting": False,
    "onlineMeetingProvider": "unknown",
}


async def test_every_call_asks_for_immutable_ids_in_one_prefer_header() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path.endswith("/calendar"):
            return httpx.Response(200, json=CALENDAR)
        if request.url.path.endswith("/createOrGet"):
            return httpx.Response(201, json={"id": "m1"})
        if request.url.path.endswith("/cancel"):
            return httpx.Response(202)
        return httpx.Response(200, json=EVENT)

    client, _, _ = client_for(handler)
    await client.get_calendar("user-1")
    await client.create_or_get_meeting("user-1", external_id="x")
    await client.cancel_event("user-1", "ev-1")
    await client.get_event("user-1", "ev-1")

    assert [r.headers.get_list("Prefer") for r in seen] == [
        ['IdType="ImmutableId"'],
        ['IdType="ImmutableId"'],
        ['IdType="ImmutableId"'],
        ['outlook.timezone="UTC", IdType="ImmutableId"'],
    ]


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("Forbidden", "No Application Access Policy found for this app."),
        ("General", "No application access policy found for this app."),
        ("Unauthorized", "App 1b2c is not authorized to Create meeting on behalf of user 9f8e"),
    ],
)
async def test_each_access_policy_wording_names_the_policy(code: str, message: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return graph_error(403, code, message)

    client, _, _ = client_for(handler)
    with pytest.raises(GraphForbidden) as caught:
        await client.create_or_get_meeting("user-1", external_id="x")
    assert caught.value.missing is MissingGrant.ACCESS_POLICY


async def test_not_authorized_on_a_calendar_names_the_calendar_permission() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return graph_error(403, "Unauthorized", "App 1b2c is not authorized to read calendars")

    client, _, _ = client_for(handler)
    with pytest.raises(GraphForbidden) as caught:
        await client.get_calendar("user-1")
    assert caught.value.missing is MissingGrant.CALENDARS_PERMISSION


async def test_no_mailbox_is_its_own_error_and_not_retried() -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return graph_error(
            404,
            "MailboxNotEnabledForRESTAPI",
            "The mailbox is either inactive, soft-deleted, or is hosted on-premise.",
        )

    client, _, _ = client_for(handler)
    with pytest.raises(MailboxNotEnabled) as caught:
        await client.get_calendar("user-1")
    assert not isinstance(caught.value, GraphNotFound)  # no item is gone: the mailbox is
    assert isinstance(caught.value, GraphError) and caught.value.request_id == "rid-1"
    assert len(calls) == 1


def _recorder(
    online_info: dict[str, object],
) -> tuple[list[httpx.Request], Callable[[httpx.Request], httpx.Response]]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path.endswith("/calendar"):
            return httpx.Response(200, json=CALENDAR)
        if request.method == "PATCH":
            return httpx.Response(200, json={**OFFLINE, "isOnlineMeeting": True})
        return httpx.Response(200, json={"id": "ev-1", **online_info})

    return seen, handler


@pytest.mark.parametrize(
    ("info", "patched", "link"),
    [
        # Teams filled the meeting in after the create answered: the read has it.
        ({"isOnlineMeeting": True, "onlineMeeting": JOIN}, False, JOIN["joinUrl"]),
        # Created offline although Teams was asked for: made online in place (the PATCH's
        # answer lacks the link, so it is read once more).
        ({"isOnlineMeeting": False, "onlineMeetingProvider": "unknown"}, True, None),
        # Online, but still no link: nothing to change, the caller says so.
        ({"isOnlineMeeting": True, "onlineMeeting": None}, False, None),
    ],
)
async def test_a_create_without_its_join_link_is_read_again(
    info: dict[str, object], patched: bool, link: str | None
) -> None:
    seen, handler = _recorder(info)
    client, _, _ = client_for(handler)
    event = await client.with_join_link("user-1", Event.model_validate(OFFLINE))

    reads = [r for r in seen if r.method == "GET" and "/events/" in r.url.path]
    assert reads[0].url.params["$select"] == "isOnlineMeeting,onlineMeetingProvider,onlineMeeting"
    patches = [r for r in seen if r.method == "PATCH"]
    assert [json.loads(p.content) for p in patches] == (
        [{"isOnlineMeeting": True, "onlineMeetingProvider": "teamsForBusiness"}] if patched else []
    )
    assert event.id == "ev-1" and event.join_url == link
    assert not [r for r in seen if r.method == "POST"]  # never a second create


async def test_a_create_with_its_join_link_is_taken_as_it_is() -> None:
    seen, handler = _recorder({})
    client, _, _ = client_for(handler)
    event = Event.model_validate(EVENT)
    assert await client.with_join_link("user-1", event) is event
    assert seen == []
