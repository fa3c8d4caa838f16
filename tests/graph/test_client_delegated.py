"""GraphClient in delegated mode (`user_tokens`) against the real Graph emulator over TLS: every
call is the seeds' `/me/...` form with the token of the user it is made for, as the emulator's
request log shows (the token kind and its `oid`), and application mode keeps its
`/users/{id}/...` paths with the app token.

The user tokens come from a stand-in for the token service (the real one is the sign-in flow's):
the emulator's own delegated tokens, per user, or `SignInRequired` for a user who has none.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from bot.graph import (
    GraphClient,
    GraphUnauthorized,
    MsalTokenProvider,
    SignInRequired,
    TeamsNotAllowed,
)
from bot.graph.models import Event
from bot.local import LOCAL_CLIENT_ID, LOCAL_CLIENT_SECRET
from emulators.graph import GraphEmulator
from emulators.graph.recording import RecordedRequest
from tests.conftest import RunningGraph

ALICE = "64339082-ed84-4b0b-b4ab-004ae54f3747"
BOB = "0b6f2c1e-93f4-4a5e-8d7b-2f1a9c3e4d5b"
STRANGER = "9d2c4b1a-0f3e-4a6b-8c7d-5e4f3a2b1c0d"  # never signed in
SCOPES = ("Calendars.ReadWrite", "OnlineMeetings.ReadWrite")
START = datetime(2030, 3, 4, 10, tzinfo=UTC)
WEEKLY = {
    "pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["monday"]},
    "range": {"type": "numbered", "startDate": "2030-03-04", "numberOfOccurrences": 3},
}


@dataclass
class FakeUserTokens:
    """`UserTokens` as the token service would answer: a token per signed-in user, kept until
    `forget`. `stale[user]` tokens handed to `user` first have already expired (revoked or
    rotated behind the bot's back); a `revoked` user has none left once one was refused."""

    emulator: GraphEmulator
    signed_in: set[str]
    stale: dict[str, int] = field(default_factory=dict)
    revoked: set[str] = field(default_factory=set)
    asked: list[str] = field(default_factory=list)
    forgotten: list[str] = field(default_factory=list)
    handed: dict[str, list[str]] = field(default_factory=dict)
    _held: dict[str, str] = field(default_factory=dict)

    async def user_token(self, user_id: str) -> str:
        self.asked.append(user_id)
        if user_id not in self.signed_in:
            raise SignInRequired(user_id)
        if user_id not in self._held:
            self._held[user_id] = self._mint(user_id)
            self.handed.setdefault(user_id, []).append(self._held[user_id])
        return self._held[user_id]

    def forget(self, user_id: str) -> None:
        self.forgotten.append(user_id)
        self._held.pop(user_id, None)
        if user_id in self.revoked:
            self.signed_in.discard(user_id)

    def _mint(self, user_id: str) -> str:
        if self.stale.get(user_id, 0) > 0:
            self.stale[user_id] -= 1
            issued = self.emulator.now() - timedelta(hours=2)  # an hour past its expiry
            return self.emulator.delegated_token(user_id, SCOPES, now=issued)
        return self.emulator.delegated_token(user_id, SCOPES)


class NoAppToken:
    """The app's `TokenProvider`, which delegated mode must never ask."""

    async def token(self) -> str:
        raise AssertionError("delegated mode asked for the app token")

    def invalidate(self) -> None:
        raise AssertionError("delegated mode invalidated the app token")


@dataclass
class Live:
    client: GraphClient
    emulator: GraphEmulator
    users: FakeUserTokens

    def seed(self, user: str, subject: str, hour: int = 10, **extra: Any) -> str:
        """An offline event on `user`'s calendar, 2030-03-04 at `hour`:00 UTC for 30 min."""
        event = self.emulator.seed_event(
            user,
            {
                "subject": subject,
                "start": {"dateTime": f"2030-03-04T{hour:02}:00:00", "timeZone": "UTC"},
                "end": {"dateTime": f"2030-03-04T{hour:02}:30:00", "timeZone": "UTC"},
                **extra,
            },
        )
        return str(event["id"])

    def graph_requests(self) -> list[RecordedRequest]:
        return [entry for entry in self.emulator.requests if entry.path.startswith("/v1.0/")]


@pytest.fixture
async def live(graph: RunningGraph) -> AsyncIterator[Live]:
    users = FakeUserTokens(graph.emulator, signed_in={ALICE, BOB})
    async with graph.graph_http() as http:
        yield Live(GraphClient(http, NoAppToken(), user_tokens=users), graph.emulator, users)


@pytest.fixture
async def app_mode(graph: RunningGraph) -> AsyncIterator[Live]:
    tokens = MsalTokenProvider(
        client_id=LOCAL_CLIENT_ID,
        client_secret=LOCAL_CLIENT_SECRET,
        authority=f"{graph.url}/{graph.emulator.config.tenant_id}",
        verify=str(graph.ca_file),
        local_authority=True,
    )
    async with graph.graph_http() as http:
        yield Live(GraphClient(http, tokens), graph.emulator, FakeUserTokens(graph.emulator, set()))
    tokens.close()


async def every_method(live: Live, user: str) -> dict[str, str]:
    """Call every GraphClient method for `user` once; the event ids used, by name."""
    client = live.client
    offline = live.seed(user, "Offline", 9)
    series = live.seed(user, "Weekly", 11, recurrence=WEEKLY)
    await client.get_calendar(user)
    created = await client.create_online_event(
        user,
        subject="Design review",
        start=START,
        end=START + timedelta(minutes=30),
        zone="UTC",
        attendees=["adele@contoso.com"],
        transaction_id="tx-1",
    )
    await client.list_rooms(user)
    await client.get_event_online_info(user, created.id)
    await client.get_event(user, created.id)
    await client.list_calendar_view(user, START, START + timedelta(hours=8), zone="UTC")
    await client.list_instances(user, series, START, START + timedelta(days=30))
    moved = await client.move_event(
        user,
        created.id,
        start=START + timedelta(hours=1),
        end=START + timedelta(hours=2),
        zone="UTC",
    )
    # An offline event: read once (`$select`), then made online by the two-field PATCH.
    joined = await client.with_join_link(user, await client.get_event(user, offline))
    await client.cancel_event(user, created.id)
    await client.create_or_get_meeting(user, external_id="meetbot-1", subject="Sync")
    assert moved.id == created.id and joined.join_url is not None
    return {created.id: "{created}", offline: "{offline}", series: "{series}"}


def shapes(live: Live, ids: dict[str, str], prefix: str) -> list[tuple[str, str]]:
    """Each Graph request as (method, path), its event ids and the mailbox prefix named."""
    found = []
    for entry in live.graph_requests():
        path = entry.path.replace(prefix, "{mailbox}", 1)
        for event_id, name in ids.items():
            path = path.replace(event_id, name)
        found.append((entry.method, path))
    return found


EVERY_CALL = [
    ("GET", "{mailbox}/calendar"),
    ("POST", "{mailbox}/events"),
    ("GET", "/v1.0/places/microsoft.graph.room"),
    ("GET", "{mailbox}/events/{created}"),
    ("GET", "{mailbox}/events/{created}"),
    ("GET", "{mailbox}/calendarView"),
    ("GET", "{mailbox}/events/{series}/instances"),
    ("PATCH", "{mailbox}/events/{created}"),
    ("GET", "{mailbox}/events/{offline}"),
    ("GET", "{mailbox}/events/{offline}"),
    ("PATCH", "{mailbox}/events/{offline}"),
    ("POST", "{mailbox}/events/{created}/cancel"),
    ("POST", "{mailbox}/onlineMeetings/createOrGet"),
]


# --- /me with the caller's own token ----------------------------------------------------------


async def test_every_method_calls_me_with_the_callers_delegated_token(live: Live) -> None:
    ids = await every_method(live, ALICE)

    assert shapes(live, ids, "/v1.0/me") == EVERY_CALL
    assert {(entry.token, entry.oid) for entry in live.graph_requests()} == {("delegated", ALICE)}
    assert all(entry.status < 300 for entry in live.graph_requests())
    assert set(live.users.asked) == {ALICE} and live.users.forgotten == []
    assert [meeting["subject"] for meeting in live.emulator.online_meetings(ALICE)] == ["Sync"]


async def test_application_mode_keeps_users_paths_and_the_app_token(app_mode: Live) -> None:
    ids = await every_method(app_mode, ALICE)

    assert shapes(app_mode, ids, f"/v1.0/users/{ALICE}") == EVERY_CALL
    assert {(entry.token, entry.oid) for entry in app_mode.graph_requests()} == {("app", None)}


async def test_two_users_calls_interleaved_never_carry_each_others_token(live: Live) -> None:
    async def flow(user: str, subject: str) -> None:
        for n in range(3):
            await live.client.create_online_event(
                user,
                subject=f"{subject} {n}",
                start=START + timedelta(hours=n),
                end=START + timedelta(hours=n, minutes=30),
                zone="UTC",
                attendees=[],
                transaction_id=f"{user}-{n}",
            )
            await live.client.list_calendar_view(
                user, START, START + timedelta(hours=8), zone="UTC"
            )

    await asyncio.gather(flow(ALICE, "Alice's"), flow(BOB, "Bob's"))

    creates = [entry for entry in live.graph_requests() if entry.method == "POST"]
    assert sorted((entry.oid, entry.json["subject"]) for entry in creates) == sorted(
        [*((ALICE, f"Alice's {n}") for n in range(3)), *((BOB, f"Bob's {n}") for n in range(3))]
    )
    oids = [entry.oid for entry in live.graph_requests()]
    assert set(oids[:2]) == {ALICE, BOB}  # both were in flight at once
    assert set(oids) == {ALICE, BOB}
    assert all(entry.path.startswith("/v1.0/me/") for entry in live.graph_requests())
    assert [e["subject"] for e in live.emulator.events(ALICE)] == [f"Alice's {n}" for n in range(3)]
    assert [e["subject"] for e in live.emulator.events(BOB)] == [f"Bob's {n}" for n in range(3)]


async def test_a_users_cached_calendar_is_never_served_for_another(live: Live) -> None:
    live.emulator.configure_user(BOB, allowed_providers=["skypeForBusiness"])

    async def create(user: str, n: int) -> Event:
        return await live.client.create_online_event(
            user,
            subject=f"Meeting {n}",
            start=START,
            end=START + timedelta(minutes=30),
            zone="UTC",
            attendees=[],
            transaction_id=f"tx-{n}",
        )

    await create(ALICE, 1)
    with pytest.raises(TeamsNotAllowed):
        await create(BOB, 2)
    await create(ALICE, 3)

    calendars = [entry.oid for entry in live.graph_requests() if entry.path == "/v1.0/me/calendar"]
    assert calendars == [ALICE, BOB]  # each user's own, once; Alice's second create is cached
    assert live.emulator.events(BOB) == []


async def test_the_room_list_is_cached_per_user_and_read_with_their_token(live: Live) -> None:
    alice_first = await live.client.list_rooms(ALICE)
    alice_again = await live.client.list_rooms(ALICE)
    bob = await live.client.list_rooms(BOB)

    reads = [entry for entry in live.graph_requests() if entry.path.startswith("/v1.0/places/")]
    assert [(entry.token, entry.oid) for entry in reads] == [
        ("delegated", ALICE),
        ("delegated", BOB),
    ]
    assert alice_first == alice_again == bob and alice_first


# --- no token, or a refused one ---------------------------------------------------------------

NO_LINK = Event.model_validate({"id": "AAMkAD-stranger", "isOnlineMeeting": False})
CALLS: dict[str, Callable[[GraphClient], Awaitable[object]]] = {
    "get_calendar": lambda c: c.get_calendar(STRANGER),
    "create_online_event": lambda c: c.create_online_event(
        STRANGER,
        subject="x",
        start=START,
        end=START + timedelta(minutes=30),
        zone="UTC",
        attendees=[],
        transaction_id="tx",
    ),
    "list_rooms": lambda c: c.list_rooms(STRANGER),
    "get_event_online_info": lambda c: c.get_event_online_info(STRANGER, NO_LINK.id),
    "get_event": lambda c: c.get_event(STRANGER, NO_LINK.id),
    "list_calendar_view": lambda c: c.list_calendar_view(
        STRANGER, START, START + timedelta(hours=1), zone="UTC"
    ),
    "list_instances": lambda c: c.list_instances(
        STRANGER, NO_LINK.id, START, START + timedelta(days=7)
    ),
    "make_event_online": lambda c: c.make_event_online(STRANGER, NO_LINK.id),
    "with_join_link": lambda c: c.with_join_link(STRANGER, NO_LINK),
    "move_event": lambda c: c.move_event(
        STRANGER, NO_LINK.id, start=START, end=START + timedelta(hours=1), zone="UTC"
    ),
    "cancel_event": lambda c: c.cancel_event(STRANGER, NO_LINK.id),
    "create_or_get_meeting": lambda c: c.create_or_get_meeting(STRANGER, external_id="x"),
}


@pytest.mark.parametrize("method", list(CALLS))
async def test_a_user_without_a_token_gets_sign_in_required_and_nothing_is_sent(
    live: Live, method: str
) -> None:
    with pytest.raises(SignInRequired) as raised:
        await CALLS[method](live.client)

    assert raised.value.user_id == STRANGER and not raised.value.maybe_applied
    assert live.graph_requests() == []
    assert live.users.asked == [STRANGER]  # asked once: never retried
    assert live.users.forgotten == []


async def test_a_refused_token_is_forgotten_and_the_call_retried_once_with_a_new_one(
    live: Live,
) -> None:
    live.users.stale[ALICE] = 1

    calendar = await live.client.get_calendar(ALICE)

    assert calendar.allows_teams
    reads = [(entry.status, entry.oid) for entry in live.graph_requests()]
    assert reads == [(401, None), (200, ALICE)]
    assert live.users.forgotten == [ALICE]
    first, fresh = live.users.handed[ALICE]
    assert first != fresh


async def test_a_token_refused_twice_is_not_retried_again(live: Live) -> None:
    live.users.stale[ALICE] = 3

    with pytest.raises(GraphUnauthorized):
        await live.client.get_calendar(ALICE)

    assert [entry.status for entry in live.graph_requests()] == [401, 401]
    assert live.users.forgotten == [ALICE] and len(live.users.handed[ALICE]) == 2


async def test_consent_revoked_after_a_refusal_is_sign_in_required(live: Live) -> None:
    live.users.stale[ALICE] = 1
    live.users.revoked.add(ALICE)

    with pytest.raises(SignInRequired) as raised:
        await live.client.create_or_get_meeting(ALICE, external_id="meetbot-1")

    assert raised.value.user_id == ALICE
    assert [entry.status for entry in live.graph_requests()] == [401]
    assert live.users.forgotten == [ALICE]
    assert live.emulator.online_meetings(ALICE) == []


def test_a_client_without_any_tokens_is_refused() -> None:
    with pytest.raises(ValueError, match="app's tokens or the users' tokens"):
        GraphClient(httpx.AsyncClient(base_url="https://graph.example/v1.0"), None)
