"""The Graph emulator over a real TLS socket, driven like the bot drives Graph.

Requests go through httpx (and msal for the token) to `serve(emulator.app)`; the clock is
injected, so token expiry is reached by advancing it, never by sleeping.
"""

from __future__ import annotations

import asyncio
import re
import ssl
import uuid
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import msal
import pytest
from aiohttp import web

from bot.serve import Served, serve
from emulators.graph import FaultError, GraphEmulator, GraphEmulatorConfig
from emulators.graph.people import PEOPLE
from emulators.tls import TlsIdentity, make_loopback_identity

TENANT = "6c7e1f0a-5b3d-4e2f-9a8b-0c1d2e3f4a5b"
USER = "64339082-ed84-4b0b-b4ab-004ae54f3747"
JOIN_URL = re.compile(
    r"^https://teams\.microsoft\.com/l/meetup-join/19%3ameeting_[A-Za-z0-9]{48}%40thread\.v2/0"
    rf"\?context=%7b%22Tid%22%3a%22{TENANT}%22%2c%22Oid%22%3a%22(?P<oid>[^%]+)%22%7d$"
)
TIMEZONE_PST = 'outlook.timezone="Pacific Standard Time"'


@dataclass
class Clock:
    now: datetime = field(default_factory=lambda: datetime(2024, 5, 1, 9, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class Env:
    emulator: GraphEmulator
    served: Served
    client: httpx.AsyncClient
    clock: Clock
    identity: TlsIdentity

    async def token(self, client_id: str = "meetbot-local") -> str:
        secret = self.emulator.config.clients[client_id]
        response = await self.client.post(
            f"/{TENANT}/oauth2/v2.0/token",
            data={
                "grant_type": "client_credentials",
                "client_id": client_id,
                "client_secret": secret,
                "scope": "https://graph.microsoft.com/.default",
            },
        )
        assert response.status_code == 200, response.text
        return str(response.json()["access_token"])

    async def graph(
        self, method: str, path: str, token: str | None = None, **kwargs: Any
    ) -> httpx.Response:
        headers = dict(kwargs.pop("headers", {}))
        headers["Authorization"] = f"Bearer {token or await self.token()}"
        return await self.client.request(method, f"/v1.0{path}", headers=headers, **kwargs)


def make_event(**overrides: Any) -> dict[str, Any]:
    """A create-event body like seed 000's, online in Teams unless overridden."""
    body: dict[str, Any] = {
        "subject": "Prep for customer meeting",
        "body": {"contentType": "HTML", "content": "Does this time work for you?"},
        "start": {"dateTime": "2019-11-20T13:00:00", "timeZone": "Pacific Standard Time"},
        "end": {"dateTime": "2019-11-20T14:00:00", "timeZone": "Pacific Standard Time"},
        "location": {"displayName": "Cordova conference room"},
        "attendees": [
            {
                "emailAddress": {"address": "AdeleV@contoso.com", "name": "Adele Vance"},
                "type": "required",
            }
        ],
        "allowNewTimeProposals": True,
        "isOnlineMeeting": True,
        "onlineMeetingProvider": "teamsForBusiness",
    }
    body.update(overrides)
    return body


@pytest.fixture(scope="module")
def identity() -> TlsIdentity:
    return make_loopback_identity()


@pytest.fixture
async def env(identity: TlsIdentity) -> AsyncIterator[Env]:
    clock = Clock()
    emulator = GraphEmulator(
        GraphEmulatorConfig(
            clock=clock,
            clients={
                "meetbot-local": "meetbot-local-secret",
                "no-roles": "s",
                "meetings-only": "s",
                "calendar-reader": "s",
            },
            client_roles={
                "no-roles": [],
                "meetings-only": ["OnlineMeetings.ReadWrite.All"],
                "calendar-reader": ["Calendars.Read"],
            },
        )
    )
    served = await serve(emulator.app, ssl_context=identity.server_context())
    verify = ssl.create_default_context(cadata=identity.cert_pem.decode())
    async with httpx.AsyncClient(base_url=served.url, verify=verify) as client:
        yield Env(emulator, served, client, clock, identity)
    await served.close()


def graph_error(response: httpx.Response) -> tuple[int, str, str]:
    error = response.json()["error"]
    return response.status_code, error["code"], error["message"]


# --- identity ------------------------------------------------------------------------------


async def test_real_msal_gets_a_token_and_caches_it(
    env: Env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # requests lets these variables override msal's `verify`; the test trusts only the emulator.
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    # The constructor already fetches the OpenID configuration: it blocks, so it runs off-loop.
    app = await asyncio.to_thread(
        msal.ConfidentialClientApplication,
        "meetbot-local",
        client_credential="meetbot-local-secret",
        authority=f"{env.served.url}/{TENANT}",
        instance_discovery=False,
        verify=str(env.identity.write_cert(tmp_path / "emulator.pem")),
    )
    scopes = ["https://graph.microsoft.com/.default"]

    try:
        first = await asyncio.to_thread(app.acquire_token_for_client, scopes=scopes)
        second = await asyncio.to_thread(app.acquire_token_for_client, scopes=scopes)
    finally:
        app.http_client.close()  # a kept-alive connection would stall the server's shutdown

    assert "access_token" in first, first
    assert second["access_token"] == first["access_token"]
    assert second["token_source"] == "cache"
    assert env.emulator.token_requests == 1
    calendar = await env.graph("GET", f"/users/{USER}/calendar", token=first["access_token"])
    assert calendar.status_code == 200
    token_call = next(r for r in env.emulator.requests if r.path.endswith("/token"))
    assert token_call.json["client_secret"] == "<redacted>"
    assert token_call.json["scope"] == "https://graph.microsoft.com/.default"


async def test_openid_configuration_points_at_this_server(env: Env) -> None:
    response = await env.client.get(f"/{TENANT}/v2.0/.well-known/openid-configuration")

    config = response.json()
    assert config["token_endpoint"] == f"{env.served.url}/{TENANT}/oauth2/v2.0/token"
    assert config["issuer"] == f"{env.served.url}/{TENANT}/v2.0"
    assert "authorization_endpoint" in config and "device_authorization_endpoint" in config


@pytest.mark.parametrize(
    ("form", "status", "error", "code"),
    [
        ({"client_secret": "wrong"}, 401, "invalid_client", 7000215),
        ({"client_id": "stranger"}, 400, "unauthorized_client", 700016),
        ({"grant_type": "password"}, 400, "unsupported_grant_type", 70003),
        ({"scope": "User.Read"}, 400, "invalid_scope", 1002012),
        ({"scope": "https://management.azure.com/.default"}, 400, "invalid_resource", 500011),
    ],
)
async def test_token_endpoint_errors_have_the_aad_shape(
    env: Env, form: dict[str, str], status: int, error: str, code: int
) -> None:
    data = {
        "grant_type": "client_credentials",
        "client_id": "meetbot-local",
        "client_secret": "meetbot-local-secret",
        "scope": "https://graph.microsoft.com/.default",
        **form,
    }
    response = await env.client.post(f"/{TENANT}/oauth2/v2.0/token", data=data)

    body = response.json()
    assert (response.status_code, body["error"], body["error_codes"]) == (status, error, [code])
    assert body["error_description"].startswith(f"AADSTS{code}: ")
    assert env.emulator.token_requests == 0


async def test_any_tenant_segment_names_the_emulated_tenant(env: Env) -> None:
    response = await env.client.get("/local/v2.0/.well-known/openid-configuration")

    assert response.json()["token_endpoint"] == f"{env.served.url}/{TENANT}/oauth2/v2.0/token"


# --- authentication and common headers ----------------------------------------------------


async def test_missing_bogus_and_expired_tokens_get_401(env: Env) -> None:
    path = f"/v1.0/users/{USER}/calendar"
    token = await env.token()

    missing = await env.client.get(path)
    bogus = await env.client.get(path, headers={"Authorization": "Bearer not-a-token"})
    env.clock.advance(3599)
    expired = await env.client.get(path, headers={"Authorization": f"Bearer {token}"})

    assert graph_error(missing) == (401, "InvalidAuthenticationToken", "Access token is empty.")
    assert graph_error(bogus) == (401, "InvalidAuthenticationToken", "Invalid token")
    assert graph_error(expired) == (
        401,
        "InvalidAuthenticationToken",
        "Access token has expired or is not yet valid.",
    )


async def test_every_response_carries_request_ids_and_date(env: Env) -> None:
    token = await env.token()
    ok = await env.graph(
        "GET", f"/users/{USER}/calendar", token, headers={"client-request-id": "abc"}
    )
    failed = await env.client.get(f"/v1.0/users/{USER}/calendar")
    token_response = await env.client.post(f"/{TENANT}/oauth2/v2.0/token", data={})

    assert ok.headers["client-request-id"] == "abc"
    for response in (ok, failed, token_response):
        assert uuid.UUID(response.headers["request-id"])
        assert "Date" in response.headers
    inner = failed.json()["error"]["innerError"]
    assert inner["request-id"] == failed.headers["request-id"] == inner["client-request-id"]
    assert inner["date"] == "2024-05-01T09:00:00"


async def test_the_date_header_follows_the_emulators_clock(env: Env) -> None:
    dates = []
    for step in (0, 0.4, 0.7, 60, -3600):  # within a second, the next second, later, earlier
        env.clock.advance(step)
        dates.append((await env.client.get(f"/v1.0/users/{USER}/calendar")).headers["Date"])

    assert dates == [
        "Wed, 01 May 2024 09:00:00 GMT",
        "Wed, 01 May 2024 09:00:00 GMT",
        "Wed, 01 May 2024 09:00:01 GMT",
        "Wed, 01 May 2024 09:01:01 GMT",
        "Wed, 01 May 2024 08:01:01 GMT",
    ]


async def test_me_routes_need_delegated_auth(env: Env) -> None:
    token = await env.token()
    calls = [
        ("GET", "/me/calendar"),
        ("POST", "/me/events"),
        ("POST", "/me/calendar/events"),
        ("POST", "/me/calendars/AQMkAD/events"),
        ("POST", "/me/onlineMeetings/createOrGet"),
    ]
    for method, path in calls:
        response = await env.graph(method, path, token, json=make_event())
        assert graph_error(response) == (
            400,
            "BadRequest",
            "/me request is only valid with delegated authentication flow.",
        ), path


async def test_unknown_routes_methods_and_bad_json(env: Env) -> None:
    token = await env.token()

    unknown = await env.graph("GET", f"/users/{USER}/calendr", token)
    method = await env.graph("PUT", f"/users/{USER}/calendar", token)
    bad_json = await env.graph(
        "POST",
        f"/users/{USER}/events",
        token,
        content=b"{not json",
        headers={"Content-Type": "application/json"},
    )

    assert graph_error(unknown) == (
        400,
        "BadRequest",
        "Resource not found for the segment 'calendr'.",
    )
    assert method.status_code == 405 and method.headers["Allow"] == "GET"
    status, code, message = graph_error(bad_json)
    assert (status, code) == (400, "BadRequest")
    assert message.startswith("Unable to read JSON request payload")


# --- calendar ------------------------------------------------------------------------------


async def test_calendar_has_the_seed_shape_and_follows_the_user_config(env: Env) -> None:
    token = await env.token()

    default = (await env.graph("GET", f"/users/{USER}/calendar", token)).json()
    env.emulator.configure_user(
        USER, allowed_providers=["skypeForBusiness"], display_name="Alex Wilber"
    )
    skype_only = (await env.graph("GET", f"/users/{USER}/calendar", token)).json()
    env.emulator.configure_user(USER, allowed_providers=[])
    none = (await env.graph("GET", f"/users/{USER}/calendar", token)).json()

    assert default["@odata.context"].endswith(f"/v1.0/$metadata#users('{USER}')/calendar/$entity")
    assert default["name"] == "Calendar"
    assert default["allowedOnlineMeetingProviders"] == ["teamsForBusiness"]
    assert default["defaultOnlineMeetingProvider"] == "teamsForBusiness"
    assert default["owner"] == {"name": "User 64339082", "address": "user-64339082@contoso.com"}
    assert {"color", "changeKey", "canShare", "canViewPrivateItems", "canEdit"} <= default.keys()
    assert {"isTallyingResponses", "isRemovable"} <= default.keys()
    assert skype_only["defaultOnlineMeetingProvider"] == "skypeForBusiness"
    assert skype_only["owner"]["name"] == "Alex Wilber"
    assert none["defaultOnlineMeetingProvider"] == "unknown"


async def test_the_tenants_people_have_their_own_names_and_addresses(env: Env) -> None:
    """The Playground's mock users are these people: a meeting Adele makes there is hers."""
    adele = next(p for p in PEOPLE if p.given_name == "Adele")
    token = await env.token()

    by_id = (await env.graph("GET", f"/users/{adele.aad_object_id}/calendar", token)).json()
    upper = (await env.graph("GET", f"/users/{adele.aad_object_id.upper()}/calendar", token)).json()
    by_upn = (await env.graph("GET", "/users/AdeleV@contoso.com/calendar", token)).json()
    created = await env.graph("POST", f"/users/{adele.aad_object_id}/events", json=make_event())
    env.emulator.configure_user(adele.aad_object_id, audio_conferencing=False)
    reconfigured = (await env.graph("GET", f"/users/{adele.aad_object_id}/calendar", token)).json()

    owner = {"name": "Adele Vance", "address": "adelev@contoso.com"}
    assert by_id["owner"] == upper["owner"] == by_upn["owner"] == reconfigured["owner"] == owner
    assert created.json()["organizer"] == {"emailAddress": owner}
    assert adele.aad_object_id == str(uuid.uuid5(uuid.NAMESPACE_URL, "mailto:adelev@contoso.com"))
    assert len({p.aad_object_id for p in PEOPLE}) == len({p.teams_id for p in PEOPLE}) == 6


# --- events --------------------------------------------------------------------------------


async def test_events_are_created_on_every_app_path(env: Env) -> None:
    token = await env.token()
    calendar_id = (await env.graph("GET", f"/users/{USER}/calendar", token)).json()["id"]
    paths = {
        f"/users/{USER}/events": "/events/$entity",
        f"/users/{USER}/calendar/events": "/calendar/events/$entity",
        f"/users/{USER}/calendars/{calendar_id}/events": (
            f"/calendars('{calendar_id}')/events/$entity"
        ),
    }
    for path, context in paths.items():
        response = await env.graph("POST", path, token, json=make_event())
        assert response.status_code == 201, path
        assert response.json()["@odata.context"].endswith(context)

    wrong_calendar = await env.graph(
        "POST", f"/users/{USER}/calendars/AQMkADnope/events", token, json=make_event()
    )

    assert len(env.emulator.events(USER)) == 3
    assert graph_error(wrong_calendar)[:2] == (404, "ErrorItemNotFound")


async def test_created_event_matches_the_seed(env: Env) -> None:
    env.emulator.configure_user(
        USER, display_name="Alex Wilber", email="AlexW@contoso.com", toll_free=False
    )

    response = await env.graph("POST", f"/users/{USER}/events", json=make_event())

    event = response.json()
    assert response.status_code == 201
    assert event["id"].startswith("AAMkAD") and event["@odata.etag"] == f'W/"{event["changeKey"]}"'
    assert event["organizer"] == {
        "emailAddress": {"name": "Alex Wilber", "address": "AlexW@contoso.com"}
    }
    assert event["attendees"] == [
        {
            "type": "required",
            "status": {"response": "none", "time": "0001-01-01T00:00:00Z"},
            "emailAddress": {"name": "Adele Vance", "address": "AdeleV@contoso.com"},
        }
    ]
    assert (event["isOrganizer"], event["isCancelled"], event["onlineMeetingUrl"]) == (
        True,
        False,
        None,
    )
    assert event["responseStatus"]["response"] == "organizer"
    assert event["originalStartTimeZone"] == "Pacific Standard Time"
    assert event["createdDateTime"] == "2024-05-01T09:00:00.0000000Z"
    assert event["location"]["displayName"] == "Cordova conference room"
    assert event["webLink"].startswith("https://outlook.office365.com/owa/?itemid=AAMkAD")
    meeting = event["onlineMeeting"]
    assert set(meeting) == {"joinUrl", "conferenceId", "tollNumber"}
    join = JOIN_URL.match(meeting["joinUrl"])
    assert join is not None and join["oid"] == USER
    assert re.fullmatch(r"[1-9]\d{8}", meeting["conferenceId"])
    assert meeting["tollNumber"] == "+1 323-555-0166"
    assert (event["isOnlineMeeting"], event["onlineMeetingProvider"]) == (True, "teamsForBusiness")
    content, conference = event["body"]["content"], meeting["conferenceId"]
    spaced = f"{conference[:3]} {conference[3:6]} {conference[6:]}# "
    assert "Does this time work for you?" in content
    assert f'href="{meeting["joinUrl"]}"' in content
    assert f"tel:+1 323-555-0166,,{conference}# " in content
    assert spaced in content
    assert "https://dialin.teams.microsoft.com/" in content and f"?id={conference}" in content
    assert "Reset PIN" in content and "Meeting options" in content
    assert event["bodyPreview"].startswith("Does this time work for you?\r\n____")
    assert f"Conference ID: {spaced.strip()}" in event["bodyPreview"]


async def test_toll_free_numbers_appear_when_licensed(env: Env) -> None:
    response = await env.graph("POST", f"/users/{USER}/events", json=make_event())

    assert response.json()["onlineMeeting"]["tollFreeNumbers"] == ["+1 866-555-0142"]


async def test_prefer_header_chooses_the_response_zone(env: Env) -> None:
    token = await env.token()

    pacific = await env.graph(
        "POST", f"/users/{USER}/events", token, json=make_event(), headers={"Prefer": TIMEZONE_PST}
    )
    utc = await env.graph("POST", f"/users/{USER}/events", token, json=make_event())
    berlin = await env.graph(
        "GET",
        f"/users/{USER}/events/{utc.json()['id']}",
        token,
        headers={"Prefer": 'outlook.timezone="Europe/Berlin"'},
    )

    assert pacific.json()["start"] == {
        "dateTime": "2019-11-20T13:00:00.0000000",
        "timeZone": "Pacific Standard Time",
    }
    assert pacific.headers["Preference-Applied"] == TIMEZONE_PST
    assert utc.json()["start"] == {"dateTime": "2019-11-20T21:00:00.0000000", "timeZone": "UTC"}
    assert utc.json()["end"]["dateTime"] == "2019-11-20T22:00:00.0000000"
    assert berlin.json()["start"] == {
        "dateTime": "2019-11-20T22:00:00.0000000",
        "timeZone": "Europe/Berlin",
    }


@pytest.mark.parametrize(
    "zone", ["W. Europe Standard Time", "Europe/Berlin", "w. europe standard time"]
)
async def test_windows_and_iana_zone_names_are_understood(env: Env, zone: str) -> None:
    when = {"start": {"dateTime": "2024-07-01T10:00:00", "timeZone": zone}}
    when["end"] = {"dateTime": "2024-07-01T10:30:00", "timeZone": zone}

    response = await env.graph("POST", f"/users/{USER}/events", json=make_event(**when))

    assert response.json()["start"]["dateTime"] == "2024-07-01T08:00:00.0000000"
    assert response.json()["originalStartTimeZone"] == zone


async def test_bad_times_are_refused(env: Env) -> None:
    token = await env.token()
    unknown_zone = make_event(start={"dateTime": "2024-07-01T10:00:00", "timeZone": "Mars/Olympus"})
    backwards = make_event(
        end={"dateTime": "2019-11-20T12:00:00", "timeZone": "Pacific Standard Time"}
    )
    no_end = make_event()
    del no_end["end"]

    zone = await env.graph("POST", f"/users/{USER}/events", token, json=unknown_zone)
    order = await env.graph("POST", f"/users/{USER}/events", token, json=backwards)
    missing = await env.graph("POST", f"/users/{USER}/events", token, json=no_end)

    assert graph_error(zone) == (
        400,
        "TimeZoneNotSupportedException",
        "A valid TimeZone value must be specified. The following TimeZone value is not "
        "supported: 'Mars/Olympus'.",
    )
    assert graph_error(order)[:2] == (400, "ErrorPropertyValidationFailure")
    assert "end is before its start" in graph_error(order)[2]
    assert graph_error(missing)[:2] == (400, "ErrorPropertyValidationFailure")
    assert "'end' is required" in graph_error(missing)[2]
    assert env.emulator.events(USER) == []


async def test_transaction_id_returns_the_first_event(env: Env) -> None:
    token = await env.token()
    body = make_event(transactionId="7E163156-7762-4BEB-A1C6-729EA81755A7")

    first = (await env.graph("POST", f"/users/{USER}/events", token, json=body)).json()
    retry = (await env.graph("POST", f"/users/{USER}/events", token, json=body)).json()
    other_user = (await env.graph("POST", "/users/someone-else/events", token, json=body)).json()

    assert retry["id"] == first["id"]
    assert retry["onlineMeeting"]["joinUrl"] == first["onlineMeeting"]["joinUrl"]
    assert first["transactionId"] == "7E163156-7762-4BEB-A1C6-729EA81755A7"
    assert len(env.emulator.events(USER)) == 1
    assert other_user["id"] != first["id"]


async def test_provider_the_calendar_does_not_allow_gives_no_meeting(env: Env) -> None:
    env.emulator.configure_user(USER, allowed_providers=["skypeForBusiness"])

    response = await env.graph("POST", f"/users/{USER}/events", json=make_event())

    event = response.json()
    assert response.status_code == 201
    assert (event["isOnlineMeeting"], event["onlineMeeting"]) == (False, None)
    assert event["onlineMeetingProvider"] == "unknown"
    assert "meetup-join" not in event["body"]["content"]


async def test_omitted_provider_uses_the_calendar_default(env: Env) -> None:
    body = make_event()
    del body["onlineMeetingProvider"]

    event = (await env.graph("POST", f"/users/{USER}/events", json=body)).json()

    assert event["onlineMeetingProvider"] == "teamsForBusiness"
    assert JOIN_URL.match(event["onlineMeeting"]["joinUrl"])


async def test_without_audio_conferencing_only_the_join_url_remains(env: Env) -> None:
    env.emulator.configure_user(USER, audio_conferencing=False)

    event = (await env.graph("POST", f"/users/{USER}/events", json=make_event())).json()

    assert list(event["onlineMeeting"]) == ["joinUrl"]
    content = event["body"]["content"]
    assert "Join\r\n Microsoft Teams Meeting" in content
    assert "tel:" not in content and "Conference ID" not in content and "dialin." not in content


async def test_select_trims_the_event_like_the_seed(env: Env) -> None:
    token = await env.token()
    created = (await env.graph("POST", f"/users/{USER}/events", token, json=make_event())).json()
    fields = "isOnlineMeeting,onlineMeetingProvider,onlineMeeting"

    selected = await env.graph(
        "GET", f"/users/{USER}/events/{created['id']}", token, params={"$select": fields}
    )
    unknown = await env.graph(
        "GET", f"/users/{USER}/events/{created['id']}", token, params={"$select": "nope"}
    )
    missing = await env.graph("GET", f"/users/{USER}/events/AAMkADmissing=", token)

    body = selected.json()
    assert list(body) == ["@odata.context", "@odata.etag", "id", *fields.split(",")]
    assert body["@odata.context"].endswith(f"users('{USER}')/events({fields})/$entity")
    assert body["onlineMeeting"] == created["onlineMeeting"]
    assert graph_error(unknown)[:2] == (400, "BadRequest")
    assert graph_error(missing) == (
        404,
        "ErrorItemNotFound",
        "The specified object was not found in the store.",
    )


async def test_patch_makes_an_event_online_and_guards_it(env: Env) -> None:
    token = await env.token()
    created = (
        await env.graph(
            "POST", f"/users/{USER}/events", token, json=make_event(isOnlineMeeting=False)
        )
    ).json()
    path = f"/users/{USER}/events/{created['id']}"

    online = await env.graph(
        "PATCH",
        path,
        token,
        json={"isOnlineMeeting": True, "onlineMeetingProvider": "teamsForBusiness"},
    )
    renamed = await env.graph("PATCH", path, token, json={"subject": "Price strategy"})
    turn_off = await env.graph("PATCH", path, token, json={"isOnlineMeeting": False})
    switch = await env.graph(
        "PATCH", path, token, json={"onlineMeetingProvider": "skypeForBusiness"}
    )
    new_body = await env.graph(
        "PATCH", path, token, json={"body": {"contentType": "text", "content": "New agenda"}}
    )

    assert created["onlineMeeting"] is None
    join_url = online.json()["onlineMeeting"]["joinUrl"]
    assert online.status_code == 200 and JOIN_URL.match(join_url)
    assert renamed.json()["subject"] == "Price strategy"
    assert renamed.json()["onlineMeeting"]["joinUrl"] == join_url
    assert renamed.json()["changeKey"] != online.json()["changeKey"]
    assert graph_error(turn_off)[0] == 400 and "cannot be changed" in graph_error(turn_off)[2]
    assert graph_error(switch)[0] == 400 and "cannot be changed" in graph_error(switch)[2]
    assert JOIN_URL.match(new_body.json()["onlineMeeting"]["joinUrl"])
    assert new_body.json()["onlineMeeting"]["joinUrl"] != join_url
    assert "New agenda" in new_body.json()["body"]["content"]
    assert env.emulator.events(USER)[0]["onlineMeeting"] == new_body.json()["onlineMeeting"]


async def test_delete_removes_the_event(env: Env) -> None:
    token = await env.token()
    created = (await env.graph("POST", f"/users/{USER}/events", token, json=make_event())).json()
    path = f"/users/{USER}/events/{created['id']}"

    deleted = await env.graph("DELETE", path, token)
    after = await env.graph("GET", path, token)

    assert deleted.status_code == 204
    assert after.status_code == 404
    assert env.emulator.events(USER) == []


async def test_unknown_event_property_is_refused(env: Env) -> None:
    response = await env.graph("POST", f"/users/{USER}/events", json=make_event(subjekt="typo"))

    assert graph_error(response)[:2] == (400, "BadRequest")
    assert "'subjekt'" in graph_error(response)[2]


# --- permissions ---------------------------------------------------------------------------


async def test_missing_roles_are_403(env: Env) -> None:
    no_roles = await env.token("no-roles")
    meetings_only = await env.token("meetings-only")

    event = await env.graph("POST", f"/users/{USER}/events", no_roles, json=make_event())
    calendar = await env.graph("GET", f"/users/{USER}/calendar", meetings_only)
    meeting = await env.graph(
        "POST", f"/users/{USER}/onlineMeetings/createOrGet", no_roles, json={"externalId": "x"}
    )
    allowed = await env.graph(
        "POST", f"/users/{USER}/onlineMeetings/createOrGet", meetings_only, json={"externalId": "x"}
    )

    denied = (403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")
    assert graph_error(event) == denied
    assert graph_error(calendar) == denied
    assert graph_error(meeting)[:2] == (403, "Forbidden")
    assert allowed.status_code == 201


async def test_online_meetings_need_an_application_access_policy(env: Env) -> None:
    env.emulator.configure_user(USER, access_policy=False)

    response = await env.graph(
        "POST", f"/users/{USER}/onlineMeetings/createOrGet", json={"externalId": "x"}
    )

    assert graph_error(response) == (
        403,
        "Forbidden",
        "No Application Access Policy found for this app.",
    )
    assert env.emulator.online_meetings(USER) == []


# --- onlineMeetings createOrGet ------------------------------------------------------------


async def test_create_or_get_creates_once_then_returns_the_same_meeting(env: Env) -> None:
    token = await env.token()
    path = f"/users/{USER}/onlineMeetings/createOrGet"
    attendee = {
        "identity": {"user": {"id": "1f35f2e6-9cab-44ad-8d5a-b74c14720000"}},
        "upn": "test1@contoso.com",
    }
    body = {
        "externalId": "7eb8263f",
        "subject": "Standup",
        "participants": {"attendees": [attendee]},
    }

    created = await env.graph("POST", path, token, json=body)
    again = await env.graph(
        "POST", path, token, json={"externalId": "7eb8263f", "subject": "Ignored"}
    )

    meeting = created.json()
    assert (created.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == meeting["id"] and again.json()["subject"] == "Standup"
    assert again.json()["joinWebUrl"] == meeting["joinWebUrl"]
    assert JOIN_URL.match(meeting["joinWebUrl"])
    assert meeting["startDateTime"] == "2024-05-01T09:00:00.0000000Z"
    assert meeting["endDateTime"] == "2024-05-01T10:00:00.0000000Z"
    assert re.fullmatch(r"\d{10}", meeting["videoTeleconferenceId"])
    settings = meeting["joinMeetingIdSettings"]
    assert settings["isPasscodeRequired"] is True
    assert re.fullmatch(r"\d{12,13}", settings["joinMeetingId"]) and len(settings["passcode"]) == 6
    assert meeting["participants"]["organizer"]["role"] == "presenter"
    assert meeting["participants"]["organizer"]["identity"]["user"]["id"] == USER
    assert meeting["participants"]["attendees"] == [{"role": None, **attendee}]
    assert re.fullmatch(r"19:meeting_[A-Za-z0-9]{48}@thread\.v2", meeting["chatInfo"]["threadId"])
    audio = meeting["audioConferencing"]
    assert audio["tollNumber"] == "+1 323-555-0166" and audio["tollFreeNumber"] == "+1 866-555-0142"
    assert audio["dialinUrl"].endswith(f"?id={audio['conferenceId']}")
    assert env.emulator.events(USER) == []
    assert [m["id"] for m in env.emulator.online_meetings(USER)] == [meeting["id"]]


async def test_create_or_get_honours_given_times_and_licences(env: Env) -> None:
    env.emulator.configure_user(USER, toll_free=False)
    env.emulator.configure_user("no-audio", audio_conferencing=False)
    token = await env.token()
    times = {"startDateTime": "2020-02-06T01:49:21.3524945+00:00"}

    toll_only = (
        await env.graph(
            "POST",
            f"/users/{USER}/onlineMeetings/createOrGet",
            token,
            json={"externalId": "a", **times},
        )
    ).json()
    no_audio = (
        await env.graph(
            "POST", "/users/no-audio/onlineMeetings/createOrGet", token, json={"externalId": "a"}
        )
    ).json()

    assert toll_only["startDateTime"] == "2020-02-06T01:49:21.3524940Z"
    assert toll_only["endDateTime"] == "2020-02-06T02:49:21.3524940Z"
    assert toll_only["audioConferencing"]["tollFreeNumber"] is None
    assert no_audio["audioConferencing"] is None
    assert no_audio["id"] != toll_only["id"]


@pytest.mark.parametrize(
    "body",
    [
        {"subject": "no external id"},
        {"externalId": "e", "endDateTime": "2020-02-06T02:19:21Z"},
        {
            "externalId": "e",
            "startDateTime": "2020-02-06T02:19:21Z",
            "endDateTime": "2020-02-06T01:19:21Z",
        },
    ],
)
async def test_create_or_get_refuses_bad_bodies(env: Env, body: dict[str, str]) -> None:
    response = await env.graph("POST", f"/users/{USER}/onlineMeetings/createOrGet", json=body)

    assert graph_error(response)[:2] == (400, "BadRequest")
    assert env.emulator.online_meetings(USER) == []


# --- throttling ----------------------------------------------------------------------------


async def test_more_than_four_requests_in_flight_per_mailbox_get_429(env: Env) -> None:
    token = await env.token()
    held, all_held, release = 0, asyncio.Event(), asyncio.Event()

    async def hold_busy_mailbox(request: web.Request) -> None:
        nonlocal held
        if "/users/busy/" in request.path and held < 4:
            held += 1
            if held == 4:
                all_held.set()
            await release.wait()

    env.emulator.before_handle = hold_busy_mailbox
    in_flight = [
        asyncio.create_task(env.graph("GET", "/users/busy/calendar", token)) for _ in range(4)
    ]
    try:
        await asyncio.wait_for(all_held.wait(), timeout=10)
        throttled = await env.graph("GET", "/users/busy/calendar", token)
        other_mailbox = await env.graph("GET", "/users/idle/calendar", token)
    finally:
        release.set()
    finished = await asyncio.gather(*in_flight)
    after = await env.graph("GET", "/users/busy/calendar", token)

    assert graph_error(throttled) == (
        429,
        "ApplicationThrottled",
        "Application is over its MailboxConcurrency limit.",
    )
    assert throttled.headers["Retry-After"] == "1"
    assert other_mailbox.status_code == 200
    assert [r.status_code for r in finished] == [200] * 4
    assert after.status_code == 200


# --- admin API -----------------------------------------------------------------------------


async def test_admin_api_configures_inspects_and_resets(env: Env) -> None:
    token = await env.token()
    configured = await env.client.put(
        f"/_emulator/users/{USER}",
        json={"allowedProviders": ["skypeForBusiness"], "audio_conferencing": False},
    )
    invalid = await env.client.put(f"/_emulator/users/{USER}", json={"colour": "red"})
    calendar = (await env.graph("GET", f"/users/{USER}/calendar", token)).json()
    env.emulator.configure_user(USER)
    await env.graph("POST", f"/users/{USER}/events", token, json=make_event())
    await env.graph(
        "POST", f"/users/{USER}/onlineMeetings/createOrGet", token, json={"externalId": "x"}
    )

    recorded = (await env.client.get("/_emulator/requests")).json()
    events = (await env.client.get(f"/_emulator/users/{USER}/events")).json()
    meetings = (await env.client.get(f"/_emulator/users/{USER}/onlineMeetings")).json()
    stats = (await env.client.get("/_emulator/stats")).json()
    reset = await env.client.post("/_emulator/reset")
    after = (await env.client.get("/_emulator/stats")).json()

    assert configured.status_code == 200
    assert configured.json()["allowedProviders"] == ["skypeForBusiness"]
    assert configured.json()["audioConferencing"] is False
    assert invalid.status_code == 400
    assert calendar["allowedOnlineMeetingProviders"] == ["skypeForBusiness"]
    assert [r["path"] for r in recorded] == [
        f"/{TENANT}/oauth2/v2.0/token",
        f"/v1.0/users/{USER}/calendar",
        f"/v1.0/users/{USER}/events",
        f"/v1.0/users/{USER}/onlineMeetings/createOrGet",
    ]
    assert recorded[1]["headers"]["Authorization"] == "Bearer <redacted>"
    assert (
        recorded[2]["json"]["subject"] == "Prep for customer meeting"
        and recorded[2]["status"] == 201
    )
    assert [e["subject"] for e in events] == ["Prep for customer meeting"]
    assert events[0]["start"]["timeZone"] == "UTC"
    assert [m["externalId"] for m in meetings] == ["x"]
    assert stats["tokenRequests"] == 1 and stats["events"] == 1 and stats["onlineMeetings"] == 1
    assert reset.status_code == 204
    assert after["tokenRequests"] == 0 and after["events"] == 0 and after["requests"] == 0
    assert env.emulator.requests == []


# --- calendarView, events list, cancel, seeding ---------------------------------------------

WINDOW = {"startDateTime": "2024-05-01T09:00:00Z", "endDateTime": "2024-05-01T12:00:00Z"}
NOT_ORGANIZER = "Your request can't be completed. You need to be an organizer to cancel a meeting."
NO_WINDOW = (
    "This request requires a time window specified by the query string parameters "
    "StartDateTime and EndDateTime."
)
ME_ONLY = "/me request is only valid with delegated authentication flow."
ADELE = {"emailAddress": {"address": "AdeleV@contoso.com", "name": "Adele Vance"}}


def utc_event(subject: str, start: str, end: str, **extra: Any) -> dict[str, Any]:
    """A seed body on 2024-05-01, times as "HH:MM" in UTC; offline unless told otherwise."""
    return {
        "subject": subject,
        "start": {"dateTime": f"2024-05-01T{start}:00", "timeZone": "UTC"},
        "end": {"dateTime": f"2024-05-01T{end}:00", "timeZone": "UTC"},
        **extra,
    }


def subjects(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [event["subject"] for event in response.json()["value"]]


async def test_calendar_view_returns_the_events_overlapping_the_window_by_start(env: Env) -> None:
    for subject, start, end in [
        ("inside", "09:00", "10:00"),
        ("ends at the start", "08:00", "09:00"),
        ("straddles the end", "11:30", "12:30"),
        ("covers the window", "07:00", "13:00"),
        ("starts at the end", "12:00", "13:00"),
        ("instant inside", "10:30", "10:30"),
    ]:
        env.emulator.seed_event(USER, utc_event(subject, start, end))
    token = await env.token()
    berlin = {"startDateTime": "2024-05-01T11:00:00+02:00", "endDateTime": "2024-05-01T12:00:00"}

    view = await env.graph("GET", f"/users/{USER}/calendarView", token, params=WINDOW)
    nested = await env.graph("GET", f"/users/{USER}/calendar/calendarView", token, params=WINDOW)
    offset = await env.graph("GET", f"/users/{USER}/calendarView", token, params=berlin)

    expected = ["covers the window", "inside", "instant inside", "straddles the end"]
    assert subjects(view) == expected
    assert subjects(nested) == expected
    assert subjects(offset) == expected
    assert view.json()["@odata.context"].endswith(f"$metadata#users('{USER}')/calendarView")
    assert nested.json()["@odata.context"].endswith(f"users('{USER}')/calendar/calendarView")
    assert "@odata.nextLink" not in view.json()


async def test_calendar_view_pages_with_top_skip_and_next_link(env: Env) -> None:
    for minute in range(12):
        env.emulator.seed_event(USER, utc_event(f"m{minute:02}", f"10:{minute:02}", "10:59"))
    token = await env.token()
    path = f"/users/{USER}/calendarView"

    default = await env.graph("GET", path, token, params=WINDOW)
    first = await env.graph("GET", path, token, params=WINDOW | {"$top": "5", "$select": "subject"})
    link = first.json()["@odata.nextLink"]
    second = await env.client.get(link, headers={"Authorization": f"Bearer {token}"})
    last = await env.client.get(
        second.json()["@odata.nextLink"], headers={"Authorization": f"Bearer {token}"}
    )
    bad_top = await env.graph("GET", path, token, params=WINDOW | {"$top": "many"})

    assert subjects(default) == [f"m{i:02}" for i in range(10)]
    assert httpx.URL(default.json()["@odata.nextLink"]).params["$skip"] == "10"
    assert subjects(first) == ["m00", "m01", "m02", "m03", "m04"]
    next_url = httpx.URL(link)
    assert link.startswith(f"{env.served.url}/v1.0{path}?")
    assert next_url.params["$skip"] == "5" and next_url.params["$top"] == "5"
    assert next_url.params["startDateTime"] == WINDOW["startDateTime"]
    assert next_url.params["$select"] == "subject"
    assert subjects(second) == ["m05", "m06", "m07", "m08", "m09"]
    assert list(second.json()["value"][0]) == ["@odata.etag", "id", "subject"]
    assert subjects(last) == ["m10", "m11"] and "@odata.nextLink" not in last.json()
    assert graph_error(bad_top)[:2] == (400, "BadRequest")


async def test_calendar_view_selects_orders_and_speaks_the_preferred_zone(env: Env) -> None:
    env.emulator.seed_event(USER, utc_event("late", "11:00", "11:30"))
    env.emulator.seed_event(USER, utc_event("early", "09:00", "09:30"))
    token = await env.token()
    params = WINDOW | {"$select": "subject,start,isOrganizer", "$orderby": "start/dateTime desc"}

    view = await env.graph(
        "GET", f"/users/{USER}/calendarView", token, params=params, headers={"Prefer": TIMEZONE_PST}
    )
    ascending = await env.graph(
        "GET", f"/users/{USER}/calendarView", token, params=WINDOW | {"$orderby": "start/dateTime"}
    )
    unknown = await env.graph(
        "GET", f"/users/{USER}/calendarView", token, params=WINDOW | {"$select": "nope"}
    )

    body = view.json()
    assert subjects(view) == ["late", "early"]
    assert subjects(ascending) == ["early", "late"]
    assert body["@odata.context"].endswith("/calendarView(subject,start,isOrganizer)")
    assert list(body["value"][0]) == ["@odata.etag", "id", "subject", "start", "isOrganizer"]
    assert body["value"][1]["start"] == {
        "dateTime": "2024-05-01T02:00:00.0000000",
        "timeZone": "Pacific Standard Time",
    }
    assert view.headers["Preference-Applied"] == TIMEZONE_PST
    assert ascending.json()["value"][0]["start"]["timeZone"] == "UTC"
    assert graph_error(unknown)[:2] == (400, "BadRequest")


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"startDateTime": WINDOW["startDateTime"]},
        {"endDateTime": WINDOW["endDateTime"]},
        {"startDateTime": "", "endDateTime": WINDOW["endDateTime"]},
    ],
)
async def test_calendar_view_needs_both_ends_of_the_window(
    env: Env, params: dict[str, str]
) -> None:
    response = await env.graph("GET", f"/users/{USER}/calendarView", params=params)

    assert graph_error(response) == (400, "ErrorInvalidParameter", NO_WINDOW)


async def test_calendar_view_permissions_and_me(env: Env) -> None:
    env.emulator.seed_event(USER, utc_event("standup", "09:00", "09:15"))
    reader = await env.token("calendar-reader")
    nobody = await env.token("no-roles")

    read = await env.graph("GET", f"/users/{USER}/calendarView", reader, params=WINDOW)
    denied = await env.graph("GET", f"/users/{USER}/calendarView", nobody, params=WINDOW)
    me = await env.graph("GET", "/me/calendarView", reader, params=WINDOW)
    me_nested = await env.graph("GET", "/me/calendar/calendarView", reader, params=WINDOW)
    cancel = await env.graph("POST", f"/users/{USER}/events/x/cancel", reader, json={})
    wrong_method = await env.graph("POST", f"/users/{USER}/calendarView", reader, json={})

    assert subjects(read) == ["standup"]
    assert graph_error(denied)[:2] == (403, "ErrorAccessDenied")
    assert graph_error(me) == graph_error(me_nested) == (400, "BadRequest", ME_ONLY)
    assert graph_error(cancel)[:2] == (403, "ErrorAccessDenied")
    assert wrong_method.status_code == 405 and wrong_method.headers["Allow"] == "GET"


async def test_calendar_view_expands_a_seeded_series_into_its_occurrences(env: Env) -> None:
    weekly = {
        "pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["wednesday"]},
        "range": {"type": "noEnd", "startDate": "2024-04-03"},
    }
    master = env.emulator.seed_event(USER, utc_event("weekly", "09:00", "09:30", recurrence=weekly))

    response = await env.graph("GET", f"/users/{USER}/calendarView", params=WINDOW)

    assert subjects(response) == ["weekly"]
    occurrence = response.json()["value"][0]
    assert (occurrence["type"], occurrence["seriesMasterId"]) == ("occurrence", master["id"])
    assert occurrence["start"]["dateTime"] == "2024-05-01T09:00:00.0000000"


async def test_events_list_pages_and_selects(env: Env) -> None:
    token = await env.token()
    for name in ("one", "two", "three"):
        await env.graph("POST", f"/users/{USER}/events", token, json=make_event(subject=name))

    first = await env.graph(
        "GET", f"/users/{USER}/events", token, params={"$top": "2", "$select": "subject"}
    )
    rest = await env.graph(
        "GET", f"/users/{USER}/calendar/events", token, params={"$top": "2", "$skip": "2"}
    )

    assert subjects(first) == ["one", "two"]
    assert first.json()["@odata.context"].endswith(f"users('{USER}')/events(subject)")
    assert httpx.URL(first.json()["@odata.nextLink"]).params["$skip"] == "2"
    assert subjects(rest) == ["three"] and "@odata.nextLink" not in rest.json()
    assert rest.json()["value"][0]["isOnlineMeeting"] is True


async def test_cancel_answers_202_and_the_event_leaves_the_calendar(env: Env) -> None:
    token = await env.token()
    created = (
        await env.graph(
            "POST",
            f"/users/{USER}/events",
            token,
            json=make_event(
                start={"dateTime": "2024-05-01T10:00:00", "timeZone": "UTC"},
                end={"dateTime": "2024-05-01T11:00:00", "timeZone": "UTC"},
            ),
        )
    ).json()
    kept = env.emulator.seed_event(USER, utc_event("kept", "09:30", "10:30"))
    path = f"/users/{USER}/events/{created['id']}"

    before = await env.graph("GET", f"/users/{USER}/calendarView", token, params=WINDOW)
    cancelled = await env.graph(
        "POST", f"{path}/cancel", token, json={"Comment": "Cancelling for the all hands"}
    )
    after_get = await env.graph("GET", path, token)
    after_view = await env.graph("GET", f"/users/{USER}/calendarView", token, params=WINDOW)
    after_list = await env.graph("GET", f"/users/{USER}/events", token)
    again = await env.graph("POST", f"{path}/cancel", token)
    admin = (await env.client.get(f"/_emulator/users/{USER}/cancelledEvents")).json()

    assert subjects(before) == ["kept", "Prep for customer meeting"]
    assert cancelled.status_code == 202 and cancelled.content == b""
    assert "request-id" in cancelled.headers
    assert graph_error(after_get)[:2] == (404, "ErrorItemNotFound")
    assert subjects(after_view) == ["kept"]
    assert [e["id"] for e in after_list.json()["value"]] == [kept["id"]]
    assert graph_error(again)[:2] == (404, "ErrorItemNotFound")
    record = env.emulator.cancelled_events(USER)
    assert admin == record
    assert [(r["event"]["id"], r["comment"]) for r in record] == [
        (created["id"], "Cancelling for the all hands")
    ]
    assert record[0]["event"]["isCancelled"] is True
    assert record[0]["cancelledDateTime"] == "2024-05-01T09:00:00.0000000Z"
    assert [e["id"] for e in env.emulator.events(USER)] == [kept["id"]]
    assert env.emulator.stats()["cancelledEvents"] == 1


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"reason": "x"}, "The parameter 'reason' in the request payload is not a valid"),
        ({"comment": 42}, "'comment' must be a string."),
        ([], "Unable to read JSON request payload"),
    ],
)
async def test_cancel_refuses_bad_bodies(env: Env, body: Any, message: str) -> None:
    seeded = env.emulator.seed_event(USER, utc_event("standup", "09:00", "09:15"))

    response = await env.graph("POST", f"/users/{USER}/events/{seeded['id']}/cancel", json=body)

    assert graph_error(response)[:2] == (400, "BadRequest")
    assert graph_error(response)[2].startswith(message)
    assert env.emulator.cancelled_events(USER) == []


async def test_only_the_organizer_may_cancel(env: Env) -> None:
    seeded = await env.client.post(
        f"/_emulator/users/{USER}/events",
        json=utc_event("Adele's review", "10:00", "11:00", organizer=ADELE, isOnlineMeeting=True),
    )
    event = seeded.json()

    refused = await env.graph("POST", f"/users/{USER}/events/{event['id']}/cancel", json={})
    view = await env.graph("GET", f"/users/{USER}/calendarView", params=WINDOW)

    assert seeded.status_code == 201
    assert event["isOrganizer"] is False
    assert event["organizer"] == {
        "emailAddress": {"name": "Adele Vance", "address": "AdeleV@contoso.com"}
    }
    assert event["responseStatus"]["response"] == "notResponded"
    match = JOIN_URL.match(event["onlineMeeting"]["joinUrl"])
    assert match and match["oid"] != USER  # the organizer's meeting, not the owner's
    assert graph_error(refused) == (400, "ErrorAccessDenied", NOT_ORGANIZER)
    assert subjects(view) == ["Adele's review"]
    assert env.emulator.cancelled_events(USER) == []


async def test_seeding_puts_events_on_the_calendar_as_described(env: Env) -> None:
    own = env.emulator.seed_event(USER, utc_event("focus", "09:00", "10:00", showAs="free"))
    occurrence = env.emulator.seed_event(
        USER,
        utc_event(
            "standup",
            "10:00",
            "10:15",
            organizer=ADELE,
            type="occurrence",
            seriesMasterId="AAMkADmaster=",
            isCancelled=True,
        ),
    )
    refused = await env.client.post(
        f"/_emulator/users/{USER}/events",
        json=utc_event("mine, cancelled", "09:00", "10:00", isCancelled=True),
    )
    no_time = await env.client.post(f"/_emulator/users/{USER}/events", json={"subject": "x"})
    not_json = await env.client.post(f"/_emulator/users/{USER}/events", content=b"[")

    view = (await env.graph("GET", f"/users/{USER}/calendarView", params=WINDOW)).json()

    assert own["isOrganizer"] is True and own["onlineMeeting"] is None
    assert own["isOnlineMeeting"] is False and own["showAs"] == "free"
    assert own["type"] == "singleInstance" and own["seriesMasterId"] is None
    assert own["organizer"]["emailAddress"]["address"] == "user-64339082@contoso.com"
    assert (occurrence["type"], occurrence["seriesMasterId"]) == ("occurrence", "AAMkADmaster=")
    assert occurrence["isCancelled"] is True  # an attendee's copy stays, marked cancelled
    assert [(e["subject"], e["isCancelled"]) for e in view["value"]] == [
        ("focus", False),
        ("standup", True),
    ]
    assert refused.status_code == 400
    assert no_time.status_code == 400
    assert no_time.json()["error"]["code"] == "ErrorPropertyValidationFailure"
    assert not_json.status_code == 400


async def test_the_request_log_holds_the_patch_body_exactly_as_sent(env: Env) -> None:
    token = await env.token()
    created = (
        await env.graph(
            "POST", f"/users/{USER}/events", token, json=make_event(isOnlineMeeting=False)
        )
    ).json()
    sent = {"isOnlineMeeting": True, "onlineMeetingProvider": "teamsForBusiness"}

    await env.graph("PATCH", f"/users/{USER}/events/{created['id']}", token, json=sent)

    patch = env.emulator.requests[-1]
    assert (patch.method, patch.status) == ("PATCH", 200)
    assert patch.json == sent


async def test_the_request_log_keeps_every_request_in_order_as_it_arrived(env: Env) -> None:
    token = await env.token()
    window = [*WINDOW.items(), ("$top", "1"), ("$top", "5")]  # a repeated name
    await env.graph(
        "GET", f"/users/{USER}/calendarView", token, params=window, headers={"X-Trace": "t"}
    )
    sent = make_event(transactionId="tx-log", categories=[2**70, "会議"])  # json.loads reads both
    created = await env.graph(
        "POST", f"/users/{USER}/events", token, json=sent, headers={"client-request-id": "c-1"}
    )
    await env.graph("DELETE", f"/users/{USER}/events/unknown", token)

    recorded = (await env.client.get("/_emulator/requests")).json()

    assert [(r["method"], r["path"], r["status"]) for r in recorded] == [
        ("POST", f"/{TENANT}/oauth2/v2.0/token", 200),
        ("GET", f"/v1.0/users/{USER}/calendarView", 200),
        ("POST", f"/v1.0/users/{USER}/events", 201),
        ("DELETE", f"/v1.0/users/{USER}/events/unknown", 404),
    ]
    assert recorded[0]["json"]["client_secret"] == "<redacted>"
    assert recorded[0]["json"]["client_id"] == "meetbot-local"
    assert recorded[1]["query"] == {**WINDOW, "$top": "1"}  # the first value of a repeated name
    assert recorded[1]["headers"]["Authorization"] == "Bearer <redacted>"
    assert recorded[1]["headers"]["X-Trace"] == "t" and recorded[1]["json"] is None
    assert recorded[2]["json"] == sent and recorded[2]["json"]["categories"][0] == 2**70
    assert recorded[2]["headers"]["client-request-id"] == "c-1"
    assert recorded[2]["request_id"] == created.headers["request-id"]
    assert [asdict(entry) for entry in env.emulator.requests] == recorded
    assert env.emulator.stats()["requests"] == 4


async def test_a_body_larger_than_a_read_buffer_arrives_whole_over_tls(env: Env) -> None:
    # serve() hands TLS reads to aiohttp through a 64 KiB buffer: 600 KB take many reads.
    content = "".join(f"line {n} of the agenda\n" for n in range(25_000))
    sent = make_event(body={"contentType": "text", "content": content})

    response = await env.graph("POST", f"/users/{USER}/events", json=sent)

    assert response.status_code == 201
    assert env.emulator.requests[-1].json == sent
    assert response.json()["body"]["content"].count("of the agenda<br>") == 25_000


# --- injected faults ---------------------------------------------------------------------------

EVENTS_ROUTE = "POST /users/{user}/events"


async def create_event(env: Env, token: str, transaction_id: str = "tx-1") -> httpx.Response:
    body = make_event(transactionId=transaction_id)
    return await env.graph("POST", f"/users/{USER}/events", token, json=body)


@pytest.mark.parametrize(
    ("status", "retry_after", "code", "header"),
    [
        (429, None, "TooManyRequests", "1"),  # Graph always says when to come back from a 429
        (429, 7.0, "TooManyRequests", "7"),
        (500, None, "generalException", None),
        (502, None, "BadGateway", None),
        (503, None, "serviceNotAvailable", None),
        (503, 2.0, "serviceNotAvailable", "2"),
        (504, None, "GatewayTimeout", None),
    ],
)
async def test_a_status_fault_answers_like_graph_and_applies_nothing(
    env: Env, status: int, retry_after: float | None, code: str, header: str | None
) -> None:
    token = await env.token()
    env.emulator.faults.inject(EVENTS_ROUTE, status=status, retry_after=retry_after)

    failed = await create_event(env, token)

    assert failed.status_code == status and failed.json()["error"]["code"] == code
    assert failed.headers.get("Retry-After") == header
    request_id = failed.headers["request-id"]
    assert failed.json()["error"]["innerError"]["request-id"] == request_id
    assert env.emulator.events(USER) == []
    [recorded] = [r for r in env.emulator.requests if r.method == "POST" and "/v1.0/" in r.path]
    assert (recorded.status, recorded.request_id, recorded.fault) == (
        status,
        request_id,
        f"{status} before",
    )
    assert (await create_event(env, token)).status_code == 201  # only the next one failed


async def test_a_fault_after_the_work_leaves_the_work_done(env: Env) -> None:
    token = await env.token()
    env.emulator.faults.inject(EVENTS_ROUTE, status=504, after=True)

    assert (await create_event(env, token)).status_code == 504
    [created] = env.emulator.events(USER)
    retried = await create_event(env, token)  # the same transactionId, as a client retries
    assert retried.status_code == 201 and retried.json()["id"] == created["id"]
    assert len(env.emulator.events(USER)) == 1


async def test_the_next_n_requests_then_until_cleared(env: Env) -> None:
    token = await env.token()
    path = f"/users/{USER}/calendar"
    twice = env.emulator.faults.inject("GET /users/{user}/calendar", status=503, times=2)
    statuses = [(await env.graph("GET", path, token)).status_code for _ in range(3)]
    assert statuses == [503, 503, 200]
    assert twice.fired == 2 and env.emulator.faults.rules() == []

    always = env.emulator.faults.inject("GET /users/{user}/calendar", status=500, times=None)
    statuses = [(await env.graph("GET", path, token)).status_code for _ in range(4)]
    assert statuses == [500] * 4 and always.fired == 4
    env.emulator.faults.clear()
    assert (await env.graph("GET", path, token)).status_code == 200


@pytest.mark.parametrize(
    ("route", "hit"),
    [
        ("POST /users/{user}/events", True),
        ("* /users/*/events", True),
        (f"POST /USERS/{USER}/EVENTS", True),  # segments compare case-insensitively
        ("POST /users/**", True),
        ("POST **/events", True),
        ("GET /users/{user}/events", False),  # another method
        ("POST /users/{user}/events/{event}", False),  # one segment more
        ("POST /users/someone-else/events", False),
        ("POST /users/{user}/calendar/events", False),
    ],
)
async def test_rules_match_method_and_route_pattern(env: Env, route: str, hit: bool) -> None:
    token = await env.token()
    env.emulator.faults.inject(route, status=500)
    status = (await create_event(env, token)).status_code
    assert status == (500 if hit else 201)


async def test_the_first_matching_rule_fires(env: Env) -> None:
    token = await env.token()
    first = env.emulator.faults.inject(EVENTS_ROUTE, status=503)
    second = env.emulator.faults.inject("* **", status=500)
    assert (await create_event(env, token)).status_code == 503
    assert (await create_event(env, token)).status_code == 500
    assert (first.fired, second.fired) == (1, 1)


async def test_a_slow_answer_is_held_until_released(env: Env) -> None:
    token = await env.token()
    env.emulator.faults.inject(EVENTS_ROUTE, slow=True, after=True)

    pending = asyncio.create_task(create_event(env, token))
    await env.emulator.faults.until_held()
    assert len(env.emulator.events(USER)) == 1  # applied; only the answer waits
    assert not pending.done()

    env.emulator.faults.release()
    answered = await pending
    await env.emulator.faults.settled()
    assert (
        answered.status_code == 201 and answered.json()["id"] == env.emulator.events(USER)[0]["id"]
    )
    assert env.emulator.faults.held == 0


async def test_a_held_request_that_gave_up_still_reaches_graph_late(env: Env) -> None:
    token = await env.token()
    env.emulator.faults.inject(EVENTS_ROUTE, slow=True)  # held before it takes effect

    with pytest.raises(httpx.ReadTimeout):
        await env.client.post(
            f"/v1.0/users/{USER}/events",
            json=make_event(transactionId="tx-late"),
            headers={"Authorization": f"Bearer {token}"},
            timeout=httpx.Timeout(5.0, read=0.05),
        )
    assert env.emulator.events(USER) == []
    env.emulator.faults.release()
    await env.emulator.faults.settled()
    [late] = env.emulator.events(USER)  # the client had given up; Graph did it anyway
    assert late["transactionId"] == "tx-late"


@pytest.mark.parametrize("after", [False, True])
async def test_a_dropped_connection_sends_no_answer(env: Env, after: bool) -> None:
    token = await env.token()
    env.emulator.faults.inject(EVENTS_ROUTE, drop=True, after=after)

    with pytest.raises(httpx.RemoteProtocolError):
        await create_event(env, token)

    assert len(env.emulator.events(USER)) == (1 if after else 0)
    [recorded] = [r for r in env.emulator.requests if r.method == "POST" and "/v1.0/" in r.path]
    assert (recorded.status, recorded.request_id) == (0, None)
    assert recorded.fault == f"drop {'after' if after else 'before'}"
    assert (await create_event(env, token, "tx-2")).status_code == 201  # the server carries on


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"route": "POST", "status": 500}, "Route must look like"),
        ({"route": "FETCH /users", "status": 500}, "Route must look like"),
        ({"route": "GET /x"}, "exactly one of"),
        ({"route": "GET /x", "status": 500, "drop": True}, "exactly one of"),
        ({"route": "GET /x", "status": 404}, "Status must be one of"),
        ({"route": "GET /x", "status": 500, "retry_after": 1.0}, "retryAfter goes with"),
        ({"route": "GET /x", "status": 500, "times": 0}, "times must be at least 1"),
        ({"route": "GET /x", "drop": True, "delay": 1.0}, "delaySeconds goes with slow"),
    ],
)
def test_faults_that_make_no_sense_are_refused(kwargs: dict[str, Any], message: str) -> None:
    emulator = GraphEmulator()
    route = kwargs.pop("route")
    with pytest.raises(FaultError, match=message):
        emulator.faults.inject(route, **kwargs)
    assert emulator.faults.rules() == []


async def test_the_admin_api_adds_lists_releases_and_removes_faults(env: Env) -> None:
    token = await env.token()
    admin = "/_emulator/faults"
    added = await env.client.post(
        admin, json={"route": "GET /users/{user}/calendar", "status": 429, "retryAfter": 3}
    )
    held = await env.client.post(
        admin, json={"route": EVENTS_ROUTE, "slow": True, "after": True, "times": None}
    )
    assert added.status_code == 201 and held.status_code == 201
    assert added.json() | {"id": 0} == {
        "id": 0,
        "route": "GET /users/{user}/calendar",
        "kind": "429",
        "status": 429,
        "retryAfter": 3.0,
        "after": False,
        "times": 1,
        "delaySeconds": None,
        "fired": 0,
    }

    throttled = await env.graph("GET", f"/users/{USER}/calendar", token)
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "3"
    pending = asyncio.create_task(create_event(env, token))
    await env.emulator.faults.until_held()
    listed = (await env.client.get(admin)).json()
    assert listed["held"] == 1
    assert [(f["route"], f["kind"], f["times"], f["fired"]) for f in listed["faults"]] == [
        (EVENTS_ROUTE, "slow", None, 1)
    ]

    assert (await env.client.post(f"{admin}/release")).status_code == 204
    assert (await pending).status_code == 201
    assert (await env.client.delete(f"{admin}/{held.json()['id']}")).status_code == 204
    assert (await env.client.delete(f"{admin}/{held.json()['id']}")).status_code == 404
    assert (await env.client.get(admin)).json() == {"faults": [], "held": 0}

    await env.client.post(admin, json={"route": "* **", "drop": True, "times": None})
    assert (await env.client.delete(admin)).status_code == 204
    assert (await env.graph("GET", f"/users/{USER}/calendar", token)).status_code == 200
    recorded = (await env.client.get("/_emulator/requests")).json()
    faults = [(r["method"], r["status"], r["fault"]) for r in recorded if "/v1.0/" in r["path"]]
    assert faults == [("GET", 429, "429 before"), ("POST", 201, "slow after"), ("GET", 200, None)]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("not json", "JSON object"),
        ([1], "JSON object"),
        ({"route": "GET /x", "status": 500, "colour": "red"}, "Unknown fault field(s): colour"),
        ({"route": 5, "status": 500}, "route must be a string"),
        ({"route": "GET /x", "status": "500"}, "status must be an integer"),
        ({"route": "GET /x", "status": 500, "times": 1.5}, "times must be an integer"),
        ({"route": "GET /x", "slow": True, "delaySeconds": "1"}, "delaySeconds must be"),
        ({"route": "GET /x", "drop": "yes"}, "drop must be true or false"),
        ({"route": "GET /x", "status": 418}, "Status must be one of"),
    ],
)
async def test_the_admin_api_refuses_bad_faults(env: Env, body: Any, message: str) -> None:
    if isinstance(body, str):
        response = await env.client.post("/_emulator/faults", content=body)
    else:
        response = await env.client.post("/_emulator/faults", json=body)
    assert response.status_code == 400
    assert message in response.json()["error"]["message"]
    assert env.emulator.faults.rules() == []


async def test_reset_and_shutdown_release_held_answers(identity: TlsIdentity) -> None:
    emulator = GraphEmulator()
    served = await serve(emulator.app, ssl_context=identity.server_context())
    verify = ssl.create_default_context(cadata=identity.cert_pem.decode())
    async with httpx.AsyncClient(base_url=served.url, verify=verify) as client:
        env = Env(emulator, served, client, Clock(), identity)
        token = await env.token()
        emulator.faults.inject(EVENTS_ROUTE, slow=True, times=None)
        first = asyncio.create_task(create_event(env, token, "tx-1"))
        await emulator.faults.until_held()
        emulator.reset()
        assert (await first).status_code == 201 and emulator.faults.rules() == []

        emulator.faults.inject(EVENTS_ROUTE, slow=True, times=None)
        second = asyncio.create_task(create_event(env, token, "tx-2"))
        await emulator.faults.until_held()
        started = asyncio.get_running_loop().time()
        await served.close()  # would wait out aiohttp's shutdown timeout for a held answer
        assert asyncio.get_running_loop().time() - started < 5
        assert (await second).status_code == 201


@pytest.mark.parametrize("digits", ["²", "١"])  # a superscript two; an Arabic-Indic one
async def test_only_ascii_digits_count_as_numbers(env: Env, digits: str) -> None:
    """`str.isdigit()` accepts "²", which `int()` then refuses: a 400 and a 404, never a 500."""
    token = await env.token()
    path = f"/users/{USER}/calendarView"
    top = await env.graph("GET", path, token, params=WINDOW | {"$top": digits})
    unknown_rule = await env.client.delete(f"/_emulator/faults/{digits}")

    assert graph_error(top)[:2] == (400, "BadRequest")
    assert unknown_rule.status_code == 404
