"""The Bot Connector emulator answers botbuilder's own ConnectorClient like the real service."""

from __future__ import annotations

import asyncio
import base64
import json
import random
from collections import deque
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import jwt
import pytest
from aiohttp import web
from botbuilder.schema import Activity, ActivityTypes
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import MicrosoftAppCredentials
from hypothesis import given, settings
from hypothesis import strategies as st
from jwt.algorithms import RSAAlgorithm

from bot.serve import serve
from emulators import channel_identity
from emulators.channel_identity import (
    LOGIN_TENANT,
    METADATA_PATH,
    BotTokenRefused,
    ChannelIdentity,
    SigningKey,
)
from emulators.cli import parser
from emulators.connector import (
    TEAMS_APP_LIMITS,
    TEAMS_CONVERSATION_LIMITS,
    ConnectorEmulator,
    SlidingWindowLimiter,
    _resource_answer,
)
from tests.conftest import RunningConnector

CHANNEL_THREAD = "19:abc@thread.tacv2;messageid=1700000000001"


def client(connector: RunningConnector) -> ConnectorClient:
    return ConnectorClient(MicrosoftAppCredentials("", ""), base_url=connector.url)


async def test_replies_and_updates_are_recorded_per_conversation(
    connector: RunningConnector,
) -> None:
    connector_client = client(connector)
    reply = Activity(type=ActivityTypes.message, text="hello", reply_to_id="1700000000001")
    sent = await connector_client.conversations.reply_to_activity(
        CHANNEL_THREAD, "1700000000001", reply
    )
    await connector_client.conversations.update_activity(
        CHANNEL_THREAD, sent.id, Activity(type=ActivityTypes.message, text="edited")
    )
    calls = connector.emulator.activities(CHANNEL_THREAD)
    assert [(c.kind, c.activity_id, c.body["text"]) for c in calls] == [
        ("reply", "1700000000001", "hello"),
        ("update", sent.id, "edited"),
    ]
    assert connector.emulator.activities("another") == []


async def test_members_are_served_by_id_or_entra_id(connector: RunningConnector) -> None:
    adele = {
        "id": "29:adele",
        "aadObjectId": "aad-adele",
        "name": "Adele Vance",
        "email": "AdeleV@contoso.com",
        "userPrincipalName": "adelev@contoso.com",
    }
    connector.emulator.add_member(CHANNEL_THREAD, adele)
    connector_client = client(connector)
    by_id = await connector_client.conversations.get_conversation_member(CHANNEL_THREAD, "29:adele")
    by_aad = await connector_client.conversations.get_conversation_member(
        CHANNEL_THREAD, "aad-adele"
    )
    assert by_id.name == by_aad.name == "Adele Vance"
    members = await connector_client.conversations.get_conversation_members(CHANNEL_THREAD)
    assert [m.id for m in members] == ["29:adele"]


async def test_an_unknown_member_is_404(connector: RunningConnector) -> None:
    async with httpx.AsyncClient(base_url=connector.url) as http:
        response = await http.get("/v3/conversations/a%3A1/members/29%3Anobody")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "MemberNotFoundInConversation"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_limiter_enforces_every_teams_window() -> None:
    clock = FakeClock()
    limiter = SlidingWindowLimiter(TEAMS_CONVERSATION_LIMITS, clock)
    assert [limiter.admit("c") for _ in range(7)] == [None] * 7
    assert limiter.admit("c") == pytest.approx(1.0)  # 8th in one second
    assert limiter.admit("other") is None  # limits are per conversation
    clock.now += 1.0
    assert limiter.admit("c") is None  # the 8th fits in 2 s
    assert limiter.admit("c") == pytest.approx(1.0)  # a 9th in 2 s does not
    clock.now += 3600  # an hour later everything has expired
    start = clock.now
    admitted = []
    for n in range(60):  # 60 in 30 s, paced so no shorter window objects
        clock.now = start + n * 0.5
        admitted.append(limiter.admit("c"))
    assert admitted == [None] * 60
    clock.now = start + 29.9
    assert limiter.admit("c") == pytest.approx(0.1)  # the 61st within 30 s


async def test_rate_limited_sends_get_429_with_retry_after() -> None:
    clock = FakeClock()
    emulator = ConnectorEmulator(rate_limits=True, clock=clock)
    served = await serve(emulator.app)
    try:
        async with httpx.AsyncClient(base_url=served.url) as http:
            url = "/v3/conversations/a%3A1/activities"
            statuses = [
                (await http.post(url, json={"type": "message"})).status_code for _ in range(8)
            ]
            refused = await http.post(url, json={"type": "message"})
            clock.now += 1.0
            later = await http.post(url, json={"type": "message"})
    finally:
        await served.close()
    assert statuses == [201] * 7 + [429]
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "1"
    assert later.status_code == 201
    assert len(emulator.activities("a:1")) == 8 and emulator.throttled == ["a:1", "a:1"]


async def test_a_conversation_the_bot_was_removed_from_answers_403(
    connector: RunningConnector,
) -> None:
    connector.emulator.remove_bot("19:general@thread.tacv2")
    async with httpx.AsyncClient(base_url=connector.url) as http:
        thread = "/v3/conversations/19%3Ageneral%40thread.tacv2%3Bmessageid%3D1/activities"
        refused = await http.post(thread, json={"type": "message"})
        await http.put(
            "/_emulator/conversations/19%3Ageneral%40thread.tacv2/removed", json={"removed": False}
        )
        accepted = await http.post(thread, json={"type": "message"})
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "BotNotInConversationRoster"
    assert accepted.status_code == 201


# --- per-app limit, delivery keys, waiting, stats -------------------------------------------


def send_url(conversation_id: str) -> str:
    return f"/v3/conversations/{conversation_id}/activities"


def bearer(**claims: str) -> dict[str, str]:
    """An Authorization header with an unsigned JWT carrying `claims` (the emulator does not
    verify tokens, it only reads which app is calling)."""

    def part(value: dict[str, str]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    token = f"{part({'alg': 'RS256', 'typ': 'JWT'})}.{part(claims)}.c2lnbmF0dXJl"
    return {"Authorization": f"Bearer {token}"}


MESSAGE: dict[str, Any] = {"type": "message", "text": "hi"}


async def test_the_per_app_limit_spans_conversations() -> None:
    ticks = [1000.0]  # a fake monotonic clock: tests move it, nothing sleeps
    emulator = ConnectorEmulator(rate_limits=True, clock=lambda: ticks[0])
    served = await serve(emulator.app)
    try:
        async with httpx.AsyncClient(base_url=served.url) as http:
            statuses = [
                (await http.post(send_url(f"a:{n}"), json=MESSAGE)).status_code for n in range(50)
            ]
            refused = await http.post(send_url("a:50"), json=MESSAGE)
            ticks[0] += 0.5
            still_refused = await http.post(send_url("a:50"), json=MESSAGE)
            ticks[0] += 0.5
            accepted = await http.post(send_url("a:50"), json=MESSAGE)
    finally:
        await served.close()
    assert TEAMS_APP_LIMITS == ((50, 1.0),)
    assert statuses == [201] * 50
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "1"
    assert refused.json()["error"]["code"] == "Throttled"
    assert still_refused.status_code == 429 and still_refused.headers["Retry-After"] == "1"
    assert accepted.status_code == 201
    assert emulator.throttled == ["a:50", "a:50"]
    assert len(emulator.activities()) == 51 and len(emulator.activities("a:50")) == 1


async def test_each_app_has_its_own_budget() -> None:
    ticks = [1000.0]
    emulator = ConnectorEmulator(rate_limits=True, clock=lambda: ticks[0], app_limits=((3, 1.0),))
    served = await serve(emulator.app)
    app_a, app_b = bearer(appid="app-a", aud="x"), bearer(azp="app-b")
    try:
        async with httpx.AsyncClient(base_url=served.url) as http:

            async def post(conversation_id: str, headers: dict[str, str]) -> int:
                response = await http.post(send_url(conversation_id), json=MESSAGE, headers=headers)
                return response.status_code

            a = [await post(f"a:{n}", app_a) for n in range(4)]
            b = [await post(f"b:{n}", app_b) for n in range(4)]
            # No token, or one that is not a JWT: both are the "anonymous" app.
            anonymous = [await post("c:1", {}), await post("c:2", {"Authorization": "Bearer x"})]
            garbled = await post("c:3", {"Authorization": "Bearer a.!!!.b"})
            fourth = await post("c:4", {})
    finally:
        await served.close()
    assert a == [201, 201, 201, 429]
    assert b == [201, 201, 201, 429]
    assert anonymous == [201, 201] and garbled == 201 and fourth == 429


async def test_a_refused_send_consumes_no_quota() -> None:
    ticks = [1000.0]
    emulator = ConnectorEmulator(rate_limits=True, clock=lambda: ticks[0], app_limits=((10, 1.0),))
    served = await serve(emulator.app)
    try:
        async with httpx.AsyncClient(base_url=served.url) as http:

            async def post(conversation_id: str, headers: dict[str, str] | None = None) -> int:
                response = await http.post(send_url(conversation_id), json=MESSAGE, headers=headers)
                return response.status_code

            # Refused by the conversation limit: the app's budget is untouched.
            busy = [await post("a:1") for _ in range(12)]  # 7 accepted, 5 refused
            others = [await post(f"a:{n}") for n in range(2, 6)]  # the app's 8th-10th, then 429
            # Refused by the app limit: the conversation's budget is untouched.
            refused_by_app = [await post("b:1") for _ in range(5)]
            other_app = [await post("b:1", bearer(appid="other")) for _ in range(8)]
    finally:
        await served.close()
    assert busy == [201] * 7 + [429] * 5
    assert others == [201, 201, 201, 429]
    assert refused_by_app == [429] * 5
    assert other_app == [201] * 7 + [429]  # b:1's own 7-a-second limit, not 2 + 5 refusals
    assert len(emulator.activities()) == 17
    assert emulator.throttled == ["a:1"] * 5 + ["a:5"] + ["b:1"] * 6


async def test_a_resent_delivery_key_is_answered_with_the_first_id(
    connector: RunningConnector,
) -> None:
    reminder = {"type": "message", "id": "reminder:42:2024-05-01T09:00", "text": "Standup"}
    async with httpx.AsyncClient(base_url=connector.url) as http:
        first = await http.post(send_url("a:1"), json=reminder)
        again = await http.post(send_url("a:1"), json=reminder)
        as_reply = await http.post(send_url("a:1") + "/1700000000001", json=reminder)
        elsewhere = await http.post(send_url("a:2"), json=reminder)
        no_id = [(await http.post(send_url("a:1"), json=MESSAGE)).status_code for _ in range(2)]
    assert first.status_code == 201
    assert again.status_code == 200 and again.json() == first.json()
    assert as_reply.status_code == 200 and as_reply.json() == first.json()
    assert elsewhere.status_code == 201 and elsewhere.json() != first.json()
    assert no_id == [201, 201]  # sends without an id are never duplicates
    emulator = connector.emulator
    assert emulator.activities("a:1")[0].resource_id == first.json()["id"]
    assert len(emulator.activities("a:1")) == 3 and len(emulator.activities("a:2")) == 1
    assert [(d.kind, d.conversation_id, d.resource_id) for d in emulator.duplicates] == [
        ("send", "a:1", first.json()["id"]),
        ("reply", "a:1", first.json()["id"]),
    ]


async def test_a_delivery_key_in_channel_data_counts_too(connector: RunningConnector) -> None:
    """botbuilder clears `activity.id` before sending, so the scheduler's key rides in
    channelData; the emulator recognises it there as well."""

    def reminder(key: str) -> dict[str, Any]:
        return {"type": "message", "channelData": {"meetbot": {"deliveryKey": key}}}

    async with httpx.AsyncClient(base_url=connector.url) as http:
        reply = send_url("a:1") + "/1700000000001"
        first = await http.post(reply, json=reminder("r-1"))
        again = await http.post(reply, json=reminder("r-1"))
        other = await http.post(reply, json=reminder("r-2"))
    assert (first.status_code, again.status_code, other.status_code) == (201, 200, 201)
    assert again.json() == first.json() != other.json()
    assert len(connector.emulator.activities("a:1")) == 2
    assert len(connector.emulator.duplicates) == 1


async def test_duplicates_do_not_count_toward_the_rate_limit() -> None:
    ticks = [1000.0]
    emulator = ConnectorEmulator(rate_limits=True, clock=lambda: ticks[0])
    served = await serve(emulator.app)
    keyed = {"type": "message", "id": "delivery-1"}
    try:
        async with httpx.AsyncClient(base_url=served.url) as http:
            first = (await http.post(send_url("a:1"), json=keyed)).status_code
            resends = [(await http.post(send_url("a:1"), json=keyed)).status_code for _ in range(9)]
            fresh = [(await http.post(send_url("a:1"), json=MESSAGE)).status_code for _ in range(7)]
            # A refused send is not accepted, so its key is not taken.
            refused = await http.post(send_url("a:1"), json={"type": "message", "id": "d-2"})
            ticks[0] += 2.0
            retried = await http.post(send_url("a:1"), json={"type": "message", "id": "d-2"})
    finally:
        await served.close()
    assert first == 201 and resends == [200] * 9
    assert fresh == [201] * 6 + [429]
    assert refused.status_code == 429 and retried.status_code == 201
    assert len(emulator.activities("a:1")) == 8
    assert len(emulator.duplicates) == 9 and emulator.throttled == ["a:1", "a:1"]


async def test_wait_for_returns_once_the_predicate_holds(connector: RunningConnector) -> None:
    emulator = connector.emulator

    def two_sent(e: ConnectorEmulator) -> bool:
        return len(e.activities("a:1")) >= 2

    async def send_later() -> None:
        async with httpx.AsyncClient(base_url=connector.url) as http:
            for _ in range(2):
                await asyncio.sleep(0)  # let the waiter start waiting first
                await http.post(send_url("a:1"), json=MESSAGE)

    sender = asyncio.create_task(send_later())
    await emulator.wait_for(two_sent, timeout=5)
    await sender
    assert len(emulator.activities("a:1")) == 2
    await emulator.wait_for(two_sent, timeout=0)  # already true: returns at once

    async def resend() -> None:
        async with httpx.AsyncClient(base_url=connector.url) as http:
            for _ in range(2):
                await http.post(send_url("a:9"), json={"type": "message", "id": "k"})

    sender = asyncio.create_task(resend())
    await emulator.wait_for(lambda e: len(e.duplicates) == 1, timeout=5)  # woken by a duplicate
    await sender


async def test_wait_for_raises_timeout_error_when_the_predicate_stays_false(
    connector: RunningConnector,
) -> None:
    def nine_sent(e: ConnectorEmulator) -> bool:
        return len(e.activities()) >= 9

    async with httpx.AsyncClient(base_url=connector.url) as http:
        await http.post(send_url("a:1"), json=MESSAGE)
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(TimeoutError, match=r"nine_sent still false after 0.2 s.*'activities': 1"):
        await connector.emulator.wait_for(nine_sent, timeout=0.2)
    assert 0.15 < loop.time() - started < 2


def test_wait_for_works_from_one_event_loop_after_another() -> None:
    emulator = ConnectorEmulator()  # built outside any event loop
    for _ in range(2):
        with pytest.raises(TimeoutError):
            asyncio.run(emulator.wait_for(lambda e: bool(e.calls), timeout=0.01))
    asyncio.run(emulator.wait_for(lambda e: not e.calls, timeout=0.01))


async def test_every_call_is_recorded_in_order_with_the_body_as_sent(
    connector: RunningConnector,
) -> None:
    # Bodies json.loads reads exactly: an integer beyond 64 bits, a float, escapes, nesting.
    bodies = [
        {"type": "message", "text": f"n{n}", "value": {"big": 2**70 + n, "x": [1.5, None]}}
        for n in range(30)
    ] + [{"type": "typing"}, {"type": "message", "text": '会議 ✓ 😀 \\ "q"'}]
    raw_json = b'{"type": "message", "text": "\\ud83d\\ude00", "n": -18446744073709551617}'
    async with httpx.AsyncClient(base_url=connector.url) as http:
        for n, body in enumerate(bodies):
            conversation = f"a:{n % 3}"
            if n % 2:
                await http.post(f"{send_url(conversation)}/act-{n}", json=body)
            else:
                await http.post(send_url(conversation), json=body)
        await http.post(
            f"{send_url('a:raw')}/act-raw",
            content=raw_json,
            headers={"Content-Type": "application/json"},
        )
        listed = (await http.get("/_emulator/activities")).json()

    expected = [
        {
            "kind": "reply" if n % 2 else "send",
            "conversation_id": f"a:{n % 3}",
            "activity_id": f"act-{n}" if n % 2 else None,
            "resource_id": f"1:{n + 1}",
            "body": body,
        }
        for n, body in enumerate(bodies)
    ] + [
        {
            "kind": "reply",
            "conversation_id": "a:raw",
            "activity_id": "act-raw",
            "resource_id": f"1:{len(bodies) + 1}",
            "body": json.loads(raw_json),
        }
    ]
    assert listed == expected
    assert [call.json() for call in connector.emulator.calls] == expected
    assert [call.body for call in connector.emulator.calls] == [row["body"] for row in expected]
    assert connector.emulator.calls[-1].body["n"] == -18446744073709551617  # an int, as sent


async def test_the_stats_endpoint_counts_and_reset_clears_everything() -> None:
    ticks = [1000.0]
    emulator = ConnectorEmulator(rate_limits=True, clock=lambda: ticks[0])
    served = await serve(emulator.app)
    keyed = {"type": "message", "id": "k"}
    try:
        async with httpx.AsyncClient(base_url=served.url) as http:
            await http.post("/v3/conversations", json={"activity": MESSAGE})  # create + send
            await http.post(send_url("a:1"), json=keyed)
            await http.post(send_url("a:1"), json=keyed)  # duplicate
            for _ in range(8):
                await http.post(send_url("a:2"), json=MESSAGE)  # the 8th is throttled
            await http.delete(send_url("a:1") + "/1:2")
            stats = (await http.get("/_emulator/stats")).json()
            assert (await http.post("/_emulator/reset")).status_code == 204
            cleared = (await http.get("/_emulator/stats")).json()
            after_reset = await http.post(send_url("a:1"), json=keyed)
            sends = [(await http.post(send_url("a:2"), json=MESSAGE)).status_code for _ in range(7)]
    finally:
        await served.close()
    assert stats == {"calls": 11, "activities": 9, "throttled": 1, "duplicates": 1}
    assert cleared == {"calls": 0, "activities": 0, "throttled": 0, "duplicates": 0}
    assert after_reset.status_code == 201  # the delivery key was forgotten
    assert sends == [201] * 7  # and so were the rate limit windows
    assert emulator.activities("a:2") == emulator.activities()[1:]


async def test_rate_limits_can_be_switched_on_later(connector: RunningConnector) -> None:
    ticks = [1000.0]
    connector.emulator.enable_rate_limits(clock=lambda: ticks[0], app_limits=((2, 1.0),))
    async with httpx.AsyncClient(base_url=connector.url) as http:
        statuses = [
            (await http.post(send_url(f"a:{n}"), json=MESSAGE)).status_code for n in range(3)
        ]
        ticks[0] += 1.0
        later = await http.post(send_url("a:3"), json=MESSAGE)
    assert statuses == [201, 201, 429] and later.status_code == 201


# --- the limiter ------------------------------------------------------------------------------


class ReferenceLimiter:
    """The original O(n) algorithm: rebuild each window's list on every admit."""

    def __init__(self, limits: tuple[tuple[int, float], ...], clock: Callable[[], float]) -> None:
        self._limits = limits
        self._horizon = max(window for _, window in limits)
        self._clock = clock
        self._sent: dict[str, deque[float]] = {}

    def admit(self, key: str) -> float | None:
        now = self._clock()
        sent = self._sent.setdefault(key, deque())
        while sent and sent[0] <= now - self._horizon:
            sent.popleft()
        wait = 0.0
        for limit, window in self._limits:
            recent = [t for t in sent if t > now - window]
            if len(recent) >= limit:
                wait = max(wait, recent[-limit] + window - now)
        if wait > 0:
            return wait
        sent.append(now)
        return None


@pytest.mark.parametrize(
    ("limits", "steps", "longest_wait"),
    [
        (TEAMS_CONVERSATION_LIMITS, (0.0, 0.0, 1 / 64, 1 / 16, 1 / 8, 1 / 4, 1.0), 2.0),
        (((3, 1.0), (5, 4.0), (9, 20.0)), (0.0, 1 / 8, 1 / 2, 1.0, 4.0, 1 / 4), 4.0),
        (TEAMS_APP_LIMITS, (0.0, 1 / 512, 1 / 128, 1 / 64, 1 / 32), 0.0),
    ],
    ids=["teams-conversation", "small", "teams-app"],
)
def test_the_limiter_matches_the_reference_algorithm(
    limits: tuple[tuple[int, float], ...], steps: tuple[float, ...], longest_wait: float
) -> None:
    # Steps are multiples of 1/512, exact in binary, so sends land exactly on window edges too.
    rng = random.Random(20240501)
    ticks = [1000.0]
    fast = SlidingWindowLimiter(limits, lambda: ticks[0])
    reference = ReferenceLimiter(limits, lambda: ticks[0])
    keys = ["a", "b", "c"]
    results = []
    for n in range(6000):
        if n % 1500 == 1499:
            ticks[0] += rng.choice([limits[-1][1], limits[-1][1] / 2, 3 * limits[-1][1]])
        else:
            jitter = rng.randrange(64) / 64 * max(steps)
            ticks[0] += rng.choice(steps) if rng.random() < 0.9 else jitter
        key = rng.choice(keys[:2]) if rng.random() < 0.95 else rng.choice(keys)
        expected = reference.admit(key)
        assert fast.admit(key) == expected, f"admit #{n} for {key!r} at {ticks[0]}"
        results.append(expected)
    admitted = sum(result is None for result in results)
    assert 0 < admitted < len(results)
    # Refusals came from the longer windows too, not just the one-second one.
    assert max(r for r in results if r is not None) > longest_wait


def test_the_limiter_stays_small() -> None:
    ticks = [1000.0]
    conversations = SlidingWindowLimiter(TEAMS_CONVERSATION_LIMITS, lambda: ticks[0])
    assert conversations.admit("a:busy") is None
    for n in range(10_000):  # 10,000 conversations, one send each
        assert conversations.admit(f"a:{n}") is None
    assert len(conversations) == 10_001
    ticks[0] += 1800.0
    assert conversations.admit("a:busy") is None  # the oldest key, still in use
    ticks[0] += 1800.0  # every other send has left the longest window
    assert conversations.admit("a:new") is None
    assert len(conversations) == 2  # the expired keys were dropped, the busy one kept
    assert conversations.admit("a:busy") is None

    app = SlidingWindowLimiter(TEAMS_APP_LIMITS, lambda: ticks[0])
    admitted = 0
    for _ in range(10_000):  # 10,000 sends through one key's window
        ticks[0] += 0.01
        admitted += app.admit("app") is None
    assert 4_900 <= admitted <= 5_050  # 50 a second over 100 s
    assert len(app._sent["app"]) <= 50  # only the timestamps the window can still need


# --- injected faults ------------------------------------------------------------------------

SEND = "/v3/conversations/a%3A1/activities"
REPLY = "/v3/conversations/a%3A1/activities/1700000000001"


async def test_injected_faults_answer_the_next_calls_then_stop(
    connector: RunningConnector,
) -> None:
    connector.emulator.fail_next("reply", 2, 429, retry_after=3)
    connector.emulator.fail_next("reply", 1, 504)
    async with httpx.AsyncClient(base_url=connector.url) as http:
        answers = [await http.post(REPLY, json={"type": "message"}) for _ in range(4)]
        send = await http.post(SEND, json={"type": "message"})
    assert [a.status_code for a in answers] == [429, 429, 504, 201]
    assert answers[0].headers["Retry-After"] == "3" and "Retry-After" not in answers[2].headers
    assert send.status_code == 201  # other kinds of call are left alone
    assert [(f.kind, f.status) for f in connector.emulator.faults_served] == [
        ("reply", 429),
        ("reply", 429),
        ("reply", 504),
    ]
    assert [c.kind for c in connector.emulator.activities("a:1")] == ["reply", "send"]


async def test_a_dropped_connection_gets_no_answer(connector: RunningConnector) -> None:
    connector.emulator.fail_next("any", 1, None)
    async with httpx.AsyncClient(base_url=connector.url) as http:
        with pytest.raises(httpx.RemoteProtocolError):
            await http.post(SEND, json={"type": "message"})
        after = await http.post(SEND, json={"type": "message"})
    assert after.status_code == 201
    assert [f.status for f in connector.emulator.faults_served] == [None]
    assert len(connector.emulator.activities()) == 1


async def test_faults_can_be_injected_over_http(connector: RunningConnector) -> None:
    async with httpx.AsyncClient(base_url=connector.url) as http:
        bad = await http.post("/_emulator/faults", json={"kind": "nonsense"})
        made = await http.post(
            "/_emulator/faults", json={"kind": "send", "times": 1, "status": "drop"}
        )
        throttled = await http.post(
            "/_emulator/faults", json={"kind": "send", "status": 429, "retryAfter": 2}
        )
        with pytest.raises(httpx.RemoteProtocolError):
            await http.post(SEND, json={"type": "message"})
        answer = await http.post(SEND, json={"type": "message"})
    assert bad.status_code == 400 and made.status_code == 201 and throttled.status_code == 201
    assert answer.status_code == 429 and answer.headers["Retry-After"] == "2"


@pytest.mark.parametrize("declare_length", [False, True])
async def test_an_oversized_answer_is_streamed_whole_to_a_client_that_reads_it(
    connector: RunningConnector, declare_length: bool
) -> None:
    """The emulator's side of the bot's cap: a reader that wants it all gets all of it."""
    size = 3 * 65536 + 17
    connector.emulator.answer_oversized("send", size, declare_length=declare_length)
    async with httpx.AsyncClient(base_url=connector.url) as http:
        refused = await http.post("/_emulator/faults", json={"kind": "send", "oversized": "x"})
        answer = await http.post(SEND, json={"type": "message"})
    await connector.emulator.wait_for(lambda e: bool(e.faults_served), timeout=10)

    assert refused.status_code == 400
    assert answer.status_code == 201 and answer.content == b" " * size
    assert ("content-length" in answer.headers) is declare_length
    assert [f.body_sent for f in connector.emulator.faults_served] == [size]
    assert connector.emulator.activities() == []


def test_a_fault_needs_a_known_kind_and_an_error_status() -> None:
    emulator = ConnectorEmulator()
    for kind, times, status in (("post", 1, 502), ("send", 0, 502), ("send", 1, 200)):
        with pytest.raises(ValueError):
            emulator.fail_next(kind, times, status)


# --- the channel identity -----------------------------------------------------------------------


BOT_PASSWORD = "bot-password"


@pytest.fixture
async def with_identity() -> AsyncIterator[tuple[ChannelIdentity, str]]:
    identity = ChannelIdentity("bot-app-id", BOT_PASSWORD)
    served = await serve(ConnectorEmulator(identity=identity).app)
    yield identity, served.url
    await served.close()


async def _bot_token(http: httpx.AsyncClient, password: str) -> httpx.Response:
    return await http.post(
        f"/{LOGIN_TENANT}/oauth2/v2.0/token",
        data={
            "grant_type": "client_credentials",
            "client_id": "bot-app-id",
            "client_secret": password,
            "scope": "https://api.botframework.com/.default",
        },
    )


async def test_the_identity_serves_its_keys_with_their_endorsements(
    with_identity: tuple[ChannelIdentity, str],
) -> None:
    identity, url = with_identity
    async with httpx.AsyncClient(base_url=url) as http:
        metadata = (await http.get(METADATA_PATH)).json()
        keys = (await http.get(metadata["jwks_uri"])).json()["keys"]
    assert metadata["issuer"] == "https://api.botframework.com"
    [key] = keys
    assert key["kid"] == identity.channel_key.kid and key["endorsements"] == ["msteams"]
    token = identity.channel_token("https://smba.example.com/")
    public = RSAAlgorithm.from_jwk(json.dumps(key))
    claims = jwt.decode(token, public, algorithms=["RS256"], audience="bot-app-id")
    assert claims["iss"] == "https://api.botframework.com"
    assert claims["serviceurl"] == "https://smba.example.com/"
    assert jwt.get_unverified_header(token)["kid"] == identity.channel_key.kid


async def test_with_an_identity_the_connector_requires_the_bots_token(
    with_identity: tuple[ChannelIdentity, str],
) -> None:
    identity, url = with_identity
    async with httpx.AsyncClient(base_url=url) as http:
        wrong = await _bot_token(http, "not-the-password")
        issued = await _bot_token(http, BOT_PASSWORD)
        token = issued.json()["access_token"]
        answers = {}
        for name, header in (
            ("none", {}),
            ("channel token", identity.authorization(url)),  # not one the login issued
            ("bot token", {"Authorization": f"Bearer {token}"}),
        ):
            response = await http.post(REPLY, json={"type": "message"}, headers=header)
            answers[name] = response.status_code
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    assert issued.status_code == 200 and identity.issued_tokens == [token]
    assert answers == {"none": 401, "channel token": 401, "bot token": 201}


async def test_a_bot_token_is_verified_once_and_its_times_on_every_call(
    with_identity: tuple[ChannelIdentity, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    identity, url = with_identity
    async with httpx.AsyncClient(base_url=url) as http:
        token = (await _bot_token(http, BOT_PASSWORD)).json()["access_token"]
    decoded: list[str] = []
    decode = jwt.decode

    def counting_decode(token: str, *args: Any, **kwargs: Any) -> Any:
        decoded.append(token)
        return decode(token, *args, **kwargs)

    monkeypatch.setattr(jwt, "decode", counting_decode)
    header = f"Bearer {token}"
    now = channel_identity._wall_clock()

    claims = [identity.verify_bot_token(header) for _ in range(3)]
    monkeypatch.setattr(channel_identity, "_wall_clock", lambda: now + identity.token_lifetime_s)
    with pytest.raises(BotTokenRefused, match="ExpiredSignatureError"):
        identity.verify_bot_token(header)
    monkeypatch.setattr(channel_identity, "_wall_clock", lambda: now - 60)  # the clock went back
    with pytest.raises(BotTokenRefused, match="ImmatureSignatureError"):
        identity.verify_bot_token(header)

    assert decoded == [token]  # the signature was checked once
    assert claims[0] == claims[2] and claims[0]["appid"] == "bot-app-id"


async def test_a_remembered_bot_token_is_checked_again_under_a_new_login_key(
    with_identity: tuple[ChannelIdentity, str],
) -> None:
    identity, url = with_identity
    async with httpx.AsyncClient(base_url=url) as http:
        token = (await _bot_token(http, BOT_PASSWORD)).json()["access_token"]
        accepted = await http.post(REPLY, json={"type": "message"}, headers=bearer_of(token))
        identity._login_key = SigningKey.generate()  # the login rotated its signing key
        refused = await http.post(REPLY, json={"type": "message"}, headers=bearer_of(token))
        fresh = (await _bot_token(http, BOT_PASSWORD)).json()["access_token"]
        again = await http.post(REPLY, json={"type": "message"}, headers=bearer_of(fresh))
    assert (accepted.status_code, refused.status_code, again.status_code) == (201, 401, 201)
    assert "InvalidSignatureError" in refused.json()["error"]["message"]


async def test_a_remembered_bot_token_must_still_be_the_bots(
    with_identity: tuple[ChannelIdentity, str],
) -> None:
    identity, url = with_identity
    async with httpx.AsyncClient(base_url=url) as http:
        token = (await _bot_token(http, BOT_PASSWORD)).json()["access_token"]
    identity.verify_bot_token(f"Bearer {token}")
    identity.app_id = "another-bot"
    with pytest.raises(BotTokenRefused, match="not the bot's"):
        identity.verify_bot_token(f"Bearer {token}")


@settings(derandomize=True, max_examples=300)
@given(resource_id=st.text(st.characters(codec=None, exclude_categories=())))
def test_an_activity_is_answered_with_the_bytes_json_response_writes(resource_id: str) -> None:
    ours = _resource_answer(resource_id, 201)
    theirs = web.json_response({"id": resource_id}, status=201)
    assert (ours.status, ours.body, dict(ours.headers)) == (
        theirs.status,
        theirs.body,
        dict(theirs.headers),
    )


def bearer_of(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# --- the command line -------------------------------------------------------------------------


def test_the_connector_emulator_command_takes_an_app_rate() -> None:
    args = parser().parse_args(["connector", "--port", "4000", "--rate-limits", "--app-rate", "30"])
    assert (args.port, args.rate_limits, args.app_rate) == (4000, True, 30)
    defaults = parser().parse_args(["connector"])
    assert (defaults.rate_limits, defaults.app_rate) == (False, 50)
    with pytest.raises(SystemExit):
        parser().parse_args(["connector", "--app-rate", "0"])
