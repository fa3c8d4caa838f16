"""The Graph emulator's `/me/...` routes over a real TLS socket, with delegated tokens.

A signed-in user's token is a JWT minted by `emulators.graph.identity.delegated_token` (the one
way tests and the local token service make them); app tokens come from the client-credentials
endpoint as the bot gets them. The clock is injected, so expiry is reached by advancing it.
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest

from bot.serve import Served, serve
from emulators.graph import GraphEmulator, GraphEmulatorConfig
from emulators.graph.identity import TokenKey, delegated_token
from emulators.tls import TlsIdentity, make_loopback_identity

TENANT = "6c7e1f0a-5b3d-4e2f-9a8b-0c1d2e3f4a5b"
ALICE = "64339082-ed84-4b0b-b4ab-004ae54f3747"
BOB = "0b6f2c1e-93f4-4a5e-8d7b-2f1a9c3e4d5b"
WRITE = ("Calendars.ReadWrite", "OnlineMeetings.ReadWrite")
ME_ONLY = (400, "BadRequest", "/me request is only valid with delegated authentication flow.")
DENIED = (403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")
WINDOW = {"startDateTime": "2024-05-01T09:00:00Z", "endDateTime": "2024-05-01T12:00:00Z"}


@dataclass
class Clock:
    now: datetime = field(default_factory=lambda: datetime(2024, 5, 1, 9, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Env:
    emulator: GraphEmulator
    client: httpx.AsyncClient
    clock: Clock

    def user_token(self, oid: str = ALICE, scopes: tuple[str, ...] = WRITE, **options: Any) -> str:
        return self.emulator.delegated_token(oid, scopes, **options)

    async def app_token(self) -> str:
        response = await self.client.post(
            f"/{TENANT}/oauth2/v2.0/token",
            data={
                "grant_type": "client_credentials",
                "client_id": "meetbot-local",
                "client_secret": "meetbot-local-secret",
                "scope": "https://graph.microsoft.com/.default",
            },
        )
        return str(response.json()["access_token"])

    async def graph(self, method: str, path: str, token: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
        return await self.client.request(method, f"/v1.0{path}", headers=headers, **kwargs)


@pytest.fixture(scope="module")
def identity() -> TlsIdentity:
    return make_loopback_identity()


@pytest.fixture
async def env(identity: TlsIdentity) -> AsyncIterator[Env]:
    clock = Clock()
    emulator = GraphEmulator(GraphEmulatorConfig(clock=clock))
    served: Served = await serve(emulator.app, ssl_context=identity.server_context())
    verify = ssl.create_default_context(cadata=identity.cert_pem.decode())
    async with httpx.AsyncClient(base_url=served.url, verify=verify) as client:
        yield Env(emulator, client, clock)
    await served.close()


def graph_error(response: httpx.Response) -> tuple[int, str, str]:
    error = response.json()["error"]
    return response.status_code, error["code"], error["message"]


def make_event(subject: str = "Prep", **extra: Any) -> dict[str, Any]:
    return {
        "subject": subject,
        "start": {"dateTime": "2024-05-01T10:00:00", "timeZone": "UTC"},
        "end": {"dateTime": "2024-05-01T10:30:00", "timeZone": "UTC"},
        "isOnlineMeeting": True,
        "onlineMeetingProvider": "teamsForBusiness",
        **extra,
    }


WEEKLY = {
    "pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["wednesday"]},
    "range": {"type": "numbered", "startDate": "2024-05-01", "numberOfOccurrences": 3},
}


# --- the token --------------------------------------------------------------------------------


def test_delegated_token_carries_the_user_the_scopes_and_the_tenant() -> None:
    key = TokenKey.generate()
    now = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)
    token = delegated_token(key, ALICE, TENANT, WRITE, client_id="bot-app", now=now)

    claims = jwt.decode(
        token,
        key.private_key.public_key(),
        algorithms=["RS256"],
        audience="https://graph.microsoft.com",
        options={"verify_exp": False},
    )
    assert jwt.get_unverified_header(token)["kid"] == key.kid
    assert claims["oid"] == ALICE and claims["tid"] == TENANT and claims["appid"] == "bot-app"
    assert claims["scp"] == "Calendars.ReadWrite OnlineMeetings.ReadWrite"
    assert claims["iss"] == f"https://sts.windows.net/{TENANT}/"
    assert claims["exp"] - claims["nbf"] == 3599 and claims["nbf"] == int(now.timestamp())


async def test_the_emulator_publishes_the_key_its_user_tokens_are_signed_with(env: Env) -> None:
    discovery = (await env.client.get(f"/{TENANT}/v2.0/.well-known/openid-configuration")).json()
    jwks_path = httpx.URL(discovery["jwks_uri"]).path
    keys = (await env.client.get(jwks_path)).json()["keys"]
    token = env.user_token()

    signer = jwt.PyJWKSet.from_dict({"keys": keys})[jwt.get_unverified_header(token)["kid"]]
    claims = jwt.decode(
        token,
        signer.key,
        algorithms=["RS256"],
        audience="https://graph.microsoft.com",
        options={"verify_exp": False},
    )
    assert claims["oid"] == ALICE


async def test_user_tokens_it_did_not_sign_or_for_elsewhere_are_refused(env: Env) -> None:
    foreign = delegated_token(TokenKey.generate(), ALICE, TENANT, WRITE, now=env.clock.now)
    other_tenant = env.user_token(tid="11111111-2222-3333-4444-555555555555")
    other_audience = env.user_token(aud="https://outlook.office.com")
    no_scopes_claim = env.user_token(scp=None)

    answers = [
        await env.graph("GET", "/me/calendar", token)
        for token in (foreign, other_tenant, other_audience, no_scopes_claim)
    ]
    assert [graph_error(answer) for answer in answers] == [
        (401, "InvalidAuthenticationToken", "Invalid token"),
        (401, "InvalidAuthenticationToken", "Invalid token"),
        (401, "InvalidAuthenticationToken", "Access token validation failure. Invalid audience."),
        (401, "InvalidAuthenticationToken", "Invalid token"),
    ]


async def test_a_user_token_expires_by_the_emulator_clock(env: Env) -> None:
    token = env.user_token(lifetime_s=600)

    fresh = await env.graph("GET", "/me/calendar", token)
    env.clock.now += timedelta(seconds=600)
    expired = await env.graph("GET", "/me/calendar", token)

    assert fresh.status_code == 200
    assert graph_error(expired) == (
        401,
        "InvalidAuthenticationToken",
        "Access token has expired or is not yet valid.",
    )


# --- /me is the signed-in user --------------------------------------------------------------


async def test_me_calendar_and_events_are_the_token_users(env: Env) -> None:
    token = env.user_token()

    calendar = await env.graph("GET", "/me/calendar", token)
    created = await env.graph("POST", "/me/events", token, json=make_event("Standup"))
    nested = await env.graph("POST", "/me/calendar/events", token, json=make_event("Retro"))

    assert calendar.status_code == 200
    assert calendar.json()["@odata.context"].endswith(f"#users('{ALICE}')/calendar/$entity")
    assert created.status_code == 201 and nested.status_code == 201
    assert created.json()["@odata.context"].endswith(f"#users('{ALICE}')/events/$entity")
    assert created.json()["onlineMeeting"]["joinUrl"].startswith("https://teams.microsoft.com/")
    assert [event["subject"] for event in env.emulator.events(ALICE)] == ["Standup", "Retro"]
    assert env.emulator.events(BOB) == []


async def test_me_events_get_patch_list_view_and_cancel(env: Env) -> None:
    token = env.user_token()
    event_id = (await env.graph("POST", "/me/events", token, json=make_event())).json()["id"]

    read = await env.graph("GET", f"/me/events/{event_id}", token)
    patched = await env.graph("PATCH", f"/me/events/{event_id}", token, json={"subject": "New"})
    listed = await env.graph("GET", "/me/events", token)
    view = await env.graph("GET", "/me/calendarView", token, params=WINDOW)
    nested_view = await env.graph("GET", "/me/calendar/calendarView", token, params=WINDOW)
    cancelled = await env.graph("POST", f"/me/events/{event_id}/cancel", token, json={})

    assert read.json()["id"] == event_id
    assert patched.json()["subject"] == "New"
    assert [event["id"] for event in listed.json()["value"]] == [event_id]
    assert [event["id"] for event in view.json()["value"]] == [event_id]
    assert [event["id"] for event in nested_view.json()["value"]] == [event_id]
    assert cancelled.status_code == 202
    assert env.emulator.events(ALICE) == []
    assert [entry["event"]["subject"] for entry in env.emulator.cancelled_events(ALICE)] == ["New"]


async def test_me_event_instances(env: Env) -> None:
    token = env.user_token()
    series = make_event("Weekly", recurrence=WEEKLY)
    master = (await env.graph("POST", "/me/events", token, json=series)).json()["id"]

    window = {"startDateTime": "2024-05-01T00:00:00Z", "endDateTime": "2024-05-31T00:00:00Z"}
    found = await env.graph("GET", f"/me/events/{master}/instances", token, params=window)

    starts = [event["start"]["dateTime"][:10] for event in found.json()["value"]]
    assert starts == ["2024-05-01", "2024-05-08", "2024-05-15"]


async def test_me_select_and_make_online_answer_as_seed_000_does(env: Env) -> None:
    token = env.user_token()
    offline = {"isOnlineMeeting": False, "onlineMeetingProvider": "unknown"}
    created = await env.graph("POST", "/me/events", token, json=make_event(**offline))
    event_id = created.json()["id"]
    two_fields = {"isOnlineMeeting": True, "onlineMeetingProvider": "teamsForBusiness"}
    selection = {"$select": "isOnlineMeeting,onlineMeetingProvider,onlineMeeting"}

    patched = await env.graph("PATCH", f"/me/events/{event_id}", token, json=two_fields)
    selected = await env.graph("GET", f"/me/events/{event_id}", token, params=selection)

    context = f"#users('{ALICE}')/events(isOnlineMeeting,onlineMeetingProvider,onlineMeeting)"
    assert created.json()["isOnlineMeeting"] is False
    assert patched.json()["@odata.context"].endswith(f"#users('{ALICE}')/events/$entity")
    assert selected.json()["@odata.context"].endswith(f"{context}/$entity")
    assert set(selected.json()) - {"@odata.context", "@odata.etag"} == {
        "id",
        "isOnlineMeeting",
        "onlineMeetingProvider",
        "onlineMeeting",
    }
    assert selected.json()["onlineMeeting"]["joinUrl"] == patched.json()["onlineMeeting"]["joinUrl"]


async def test_a_user_token_reads_the_tenants_room_list(env: Env) -> None:
    alice = await env.graph("GET", "/places/microsoft.graph.room", env.user_token())
    bob = await env.graph("GET", "/places/microsoft.graph.room", env.user_token(BOB))

    assert alice.status_code == bob.status_code == 200
    assert alice.json()["value"] == bob.json()["value"] != []
    assert [(entry.token, entry.oid) for entry in env.emulator.requests] == [
        ("delegated", ALICE),
        ("delegated", BOB),
    ]


async def test_me_create_or_get_needs_no_access_policy(env: Env) -> None:
    env.emulator.configure_user(ALICE, access_policy=False)  # a policy binds app tokens only
    token = env.user_token()
    body = {"externalId": "meetbot-1", "subject": "Sync"}

    first = await env.graph("POST", "/me/onlineMeetings/createOrGet", token, json=body)
    again = await env.graph("POST", "/me/onlineMeetings/createOrGet", token, json=body)

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["joinWebUrl"] == again.json()["joinWebUrl"]
    assert [meeting["subject"] for meeting in env.emulator.online_meetings(ALICE)] == ["Sync"]


async def test_an_app_token_on_me_is_told_me_needs_a_user(env: Env) -> None:
    token = await env.app_token()
    calls = [
        ("GET", "/me/calendar"),
        ("GET", "/me/events"),
        ("POST", "/me/events"),
        ("GET", "/me/calendarView"),
        ("POST", "/me/onlineMeetings/createOrGet"),
    ]
    for method, path in calls:
        response = await env.graph(method, path, token, json=make_event())
        assert graph_error(response) == ME_ONLY, path


# --- scopes and whose mailbox ---------------------------------------------------------------


async def test_a_user_token_without_the_scope_is_denied(env: Env) -> None:
    read_only = env.user_token(scopes=("Calendars.Read", "OnlineMeetings.ReadWrite"))
    no_meetings = env.user_token(scopes=("Calendars.ReadWrite",))
    env.emulator.seed_event(ALICE, make_event("Seeded"))

    calendar = await env.graph("GET", "/me/calendar", read_only)
    view = await env.graph("GET", "/me/calendarView", read_only, params=WINDOW)
    create = await env.graph("POST", "/me/events", read_only, json=make_event())
    meeting = await env.graph(
        "POST", "/me/onlineMeetings/createOrGet", no_meetings, json={"externalId": "x"}
    )
    # Only the delegated name counts: the application role's name is no scope.
    app_role = env.user_token(scopes=("OnlineMeetings.ReadWrite.All",))
    app_role_meeting = await env.graph(
        "POST", "/me/onlineMeetings/createOrGet", app_role, json={"externalId": "x"}
    )

    assert calendar.status_code == 200
    assert [event["subject"] for event in view.json()["value"]] == ["Seeded"]
    assert graph_error(create) == DENIED
    assert graph_error(meeting) == DENIED
    assert graph_error(app_role_meeting) == DENIED
    assert [event["subject"] for event in env.emulator.events(ALICE)] == ["Seeded"]


async def test_a_user_token_reaches_its_own_users_path_but_no_one_elses(env: Env) -> None:
    token = env.user_token()

    own = await env.graph("POST", f"/users/{ALICE.upper()}/events", token, json=make_event("A"))
    other = await env.graph("POST", f"/users/{BOB}/events", token, json=make_event("B"))
    other_view = await env.graph("GET", f"/users/{BOB}/calendarView", token, params=WINDOW)
    other_meeting = await env.graph(
        "POST", f"/users/{BOB}/onlineMeetings/createOrGet", token, json={"externalId": "x"}
    )

    assert own.status_code == 201
    assert graph_error(other) == graph_error(other_view) == graph_error(other_meeting) == DENIED
    assert [event["subject"] for event in env.emulator.events(ALICE)] == ["A"]
    assert env.emulator.events(BOB) == [] and env.emulator.online_meetings(BOB) == []


async def test_an_app_token_still_reaches_every_user(env: Env) -> None:
    token = await env.app_token()

    alice = await env.graph("POST", f"/users/{ALICE}/events", token, json=make_event("A"))
    bob = await env.graph("POST", f"/users/{BOB}/events", token, json=make_event("B"))

    assert (alice.status_code, bob.status_code) == (201, 201)


# --- the request log --------------------------------------------------------------------------


async def test_the_request_log_says_which_token_and_whose(env: Env) -> None:
    app = await env.app_token()
    user = env.user_token()

    await env.graph("POST", "/me/events", user, json=make_event())
    await env.graph("POST", f"/users/{BOB}/events", app, json=make_event())
    await env.graph("GET", "/me/calendar", app)
    await env.client.get("/v1.0/me/calendar")  # no token at all

    logged = [
        (entry.method, entry.path, entry.status, entry.token, entry.oid)
        for entry in env.emulator.requests
        if entry.path.startswith("/v1.0/")
    ]
    assert logged == [
        ("POST", "/v1.0/me/events", 201, "delegated", ALICE),
        ("POST", f"/v1.0/users/{BOB}/events", 201, "app", None),
        ("GET", "/v1.0/me/calendar", 400, "app", None),
        ("GET", "/v1.0/me/calendar", 401, None, None),
    ]
    served = (await env.client.get("/_emulator/requests")).json()
    assert [(row["token"], row["oid"]) for row in served if row["path"] == "/v1.0/me/events"] == [
        ("delegated", ALICE)
    ]
    assert all(user not in str(row) for row in served)  # the token itself is never logged


# --- minting from another process -----------------------------------------------------------


async def test_the_admin_api_mints_a_user_token_for_a_token_service_elsewhere(env: Env) -> None:
    body = {"oid": ALICE, "scopes": ["Calendars.Read"], "lifetimeS": 600}
    minted = await env.client.post("/_emulator/tokens", json=body)
    refused = [
        await env.client.post("/_emulator/tokens", json=bad)
        for bad in ({"scopes": []}, {"oid": ALICE, "scopes": "Calendars.Read"}, [ALICE])
    ]

    token = minted.json()["access_token"]
    read = await env.graph("GET", "/me/calendar", token)
    write = await env.graph("POST", "/me/events", token, json=make_event())
    assert minted.status_code == 201 and minted.json()["expires_in"] == 600
    assert read.status_code == 200 and graph_error(write) == DENIED
    assert [answer.status_code for answer in refused] == [400, 400, 400]
