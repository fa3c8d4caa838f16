"""A failing Graph, end to end: every injected fault on every Graph write the bot makes.

Activities go to /api/messages as Teams posts them; the Graph emulator injects the fault on
the one route under test (throttling, 5xx, an answer held past the client's timeout, a dropped
connection; before or after the request takes effect; once, or until cleared). Each case then
checks what the acceptance criteria ask:

- no duplicate meeting, also after held requests reach Graph late;
- no reminder for a meeting that does not exist;
- a reply within Teams' 15 s, and within the client's Graph budget plus a little;
- the right card: the meeting when a transient fault was retried away, else an error card that
  names what failed and carries Graph's request-id, or says there is none when no answer came.

The bot's Graph client runs with a scaled-down RetryPolicy (the same rules, shorter times) so a
stalled answer costs a fraction of a second; nothing sleeps to wait for time. One bot serves the
whole module (starting one per case would cost more than the cases); each test is its own user
in its own chat, and the shared clock only moves forward. Every user is an organizer without
audio conferencing, whose events carry a joinUrl-only `onlineMeeting`, as many real ones do.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import pytest_asyncio

from bot.app import create_app
from bot.graph import GRAPH_RETRY, GraphClient
from bot.i18n import en
from bot.reminders import ManualClock, ReminderScheduler
from bot.serve import serve
from bot.services import SERVICES
from bot.settings import load_settings, resolve
from bot.store import Store
from emulators.connector import ConnectorCall, ConnectorEmulator
from emulators.graph import GraphEmulator, RecordedRequest
from emulators.tls import TlsIdentity
from tests.conftest import RunningConnector, RunningGraph
from tests.e2e.test_meet import card_text, join_url, sent_cards
from tests.factories import make_message, new_conversation_id

LA = ZoneInfo("America/Los_Angeles")
T0 = datetime(2030, 3, 4, 16, 0, tzinfo=UTC)  # Monday 8:00 in Los Angeles
EN = en.CATALOG
TEAMS_WINDOW_S = 15.0
# The production rules on a shorter clock: 3 attempts, a shared deadline per turn.
FAST = replace(
    GRAPH_RETRY,
    budget=1.0,
    attempts=3,
    attempt_timeout=0.2,
    connect_timeout=0.2,
    base_delay=0.02,
    min_attempt=0.05,
)
# What the bot may spend besides Graph: parsing, the store, the reply to the connector.
OVERHEAD_S = 1.0
pytestmark = pytest.mark.asyncio(loop_scope="module")  # the tests share the module's bot


@dataclass(frozen=True)
class Fault:
    name: str
    status: int | None = None
    retry_after: float | None = None
    slow: bool = False
    drop: bool = False
    after: bool = False

    @property
    def retried(self) -> bool:
        return self.status != 500  # not documented as transient: one attempt only

    @property
    def no_answer(self) -> bool:
        return self.slow or self.drop

    def inject(self, graph: GraphEmulator, route: str, times: int | None) -> None:
        graph.faults.inject(
            route,
            status=self.status,
            retry_after=self.retry_after,
            slow=self.slow,
            drop=self.drop,
            after=self.after,
            times=times,
        )


FAULTS = [
    Fault("429", status=429, retry_after=0.02),  # throttling refuses before doing anything
    Fault("500 after", status=500, after=True),
    Fault("503 after", status=503, after=True),
    Fault("503 Retry-After after", status=503, retry_after=0.02, after=True),
    Fault("504 after", status=504, after=True),
    Fault("slow after", slow=True, after=True),
    Fault("slow before", slow=True),  # reaches Graph late: applied once released
    Fault("drop after", drop=True, after=True),
    Fault("drop before", drop=True),
]
TRANSIENT, PERSISTENT = 1, None


@dataclass
class Stack:
    """The Graph emulator, the connector emulator and the bot, shared by this module's tests
    (each test has its own user and chat, so they do not see each other's data)."""

    client: httpx.AsyncClient
    clock: ManualClock
    scheduler: ReminderScheduler
    store: Store
    graph: RunningGraph
    connector: RunningConnector


@dataclass
class Bot:
    """One test's user and 1:1 chat with the bot."""

    stack: Stack
    user: str
    conversation: str

    @property
    def graph(self) -> GraphEmulator:
        return self.stack.graph.emulator

    @property
    def connector(self) -> ConnectorEmulator:
        return self.stack.connector.emulator

    def local_now(self) -> datetime:
        return self.stack.clock.now().astimezone(LA)

    def tomorrow_at(self, hour: int) -> datetime:
        day = self.local_now().date() + timedelta(days=1)
        return datetime.combine(day, datetime.min.time(), LA).replace(hour=hour)

    def inject(self, fault: Fault, method: str, path: str, times: int | None) -> None:
        """`fault` on `method` + this user's `path` (`{event}` matches any event id)."""
        fault.inject(self.graph, f"{method} /users/{self.user}{path}", times)

    async def send(self, text: str = "", **extra: Any) -> float:
        """Post a message (or, with `value`, a card button) and return the seconds until its
        one reply (a card or a text) reached the connector."""
        activity = make_message(
            text,
            service_url=self.stack.connector.url,
            conversation_id=self.conversation,
            aad_object_id=self.user,
            local_now=self.local_now(),
            **extra,
        )
        before = len(self.replies())
        started = time.monotonic()
        response = await self.stack.client.post("/api/messages", json=activity)
        answered = time.monotonic() - started
        assert response.status_code in (200, 201), response.text
        assert answered < TEAMS_WINDOW_S
        # The handler may answer Teams first and send the card later in the same turn.
        await self.connector.wait_for(
            lambda _: len(self.replies()) > before, timeout=TEAMS_WINDOW_S - answered
        )
        replied = time.monotonic() - started
        assert len(self.replies()) == before + 1
        return replied

    async def click(self, data: dict[str, Any]) -> float:
        return await self.send(value=data, replyToId=self.replies()[-1].resource_id)

    def replies(self) -> list[ConnectorCall]:
        """What the bot sent to the chat, typing indicators left out."""
        return [
            call
            for call in self.connector.activities(self.conversation)
            if call.body.get("type") != "typing"
        ]

    def last_card(self) -> dict[str, Any]:
        return sent_cards(self.stack.connector, self.conversation)[-1]

    def events(self) -> list[dict[str, Any]]:
        return self.graph.events(self.user)

    async def reminded_events(self) -> set[str]:
        """The events this user's open (pending or sending) reminders are for."""
        return {r.event_id for r in await self.stack.store.open_reminders(self.user)}

    def reminders_sent(self) -> list[dict[str, Any]]:
        return [
            call.body
            for call in self.connector.activities(self.conversation)
            if "deliveryKey" in (call.body.get("channelData") or {}).get("meetbot", {})
        ]

    async def at(self, when: datetime) -> None:
        """Move the clock to `when` and let the reminder scheduler catch up."""
        self.stack.clock.set(when)
        await self.stack.scheduler.settle()

    async def settle_graph(self) -> None:
        """Clear the faults and let held requests reach Graph, late, as they would."""
        self.graph.faults.clear()
        await self.graph.faults.settled()

    def calls(self, method: str, suffix: str) -> list[RecordedRequest]:
        """This user's Graph requests of `method` whose path ends with `suffix`."""
        prefix = f"/v1.0/users/{self.user}/"
        return [
            r
            for r in self.graph.requests
            if r.method == method and r.path.startswith(prefix) and r.path.endswith(suffix)
        ]


@contextlib.asynccontextmanager
async def running_stack(
    tls_identity: TlsIdentity, directory: Path, **settings: str
) -> AsyncIterator[Stack]:
    """The two emulators and the bot on a fast retry policy, with more `settings` if given
    (tests/e2e/test_graph_quirks.py runs its own)."""
    emulator = GraphEmulator()
    graph_served = await serve(emulator.app, ssl_context=tls_identity.server_context())
    graph = RunningGraph(
        emulator, graph_served.url, tls_identity.write_cert(directory / "ca.pem"), tls_identity
    )
    connector_emulator = ConnectorEmulator()
    connector_served = await serve(connector_emulator.app)
    connector = RunningConnector(connector_emulator, connector_served.url)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(directory)  # no stray .env; the SQLite store lives here
        patch.setattr("bot.app.GraphClient", partial(GraphClient, policy=FAST))
        loaded = load_settings(
            GRAPH_BASE_URL=f"{graph.url}/v1.0", GRAPH_CA_BUNDLE=str(graph.ca_file), **settings
        )
        clock = ManualClock(T0)
        app = create_app(resolve(loaded), clock=clock)
        bot_served = await serve(app)
        services = app[SERVICES]
        async with httpx.AsyncClient(base_url=bot_served.url, timeout=30) as client:
            yield Stack(client, clock, services.scheduler, services.store, graph, connector)
        await bot_served.close()
    await connector_served.close()
    await graph_served.close()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def stack(
    tls_identity: TlsIdentity, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Stack]:
    async with running_stack(tls_identity, tmp_path_factory.mktemp("graph-faults")) as running:
        yield running


@contextlib.asynccontextmanager
async def new_user(stack: Stack) -> AsyncIterator[Bot]:
    """A new user in a new chat. Their events' `onlineMeeting` has `joinUrl` only (no audio
    conferencing licence: microsoft-graph-docs#15861, #10215), as for many real organizers."""
    bot = Bot(stack, user=str(uuid.uuid4()), conversation=new_conversation_id())
    bot.graph.configure_user(bot.user, audio_conferencing=False)
    await bot.send("providers")  # the token and the user's calendar, before any fault
    yield bot
    await bot.settle_graph()
    # A later test moves the shared clock past this one's reminders: they must not go out
    # then (on a clock that moves only when told, several due at once wait on each other).
    for reminder in await stack.store.open_reminders(bot.user):
        await stack.store.cancel_reminder(reminder.id, bot.user)


@pytest_asyncio.fixture(loop_scope="module")
async def bot(stack: Stack) -> AsyncIterator[Bot]:
    async with new_user(stack) as made:
        yield made


def _button(card: dict[str, Any], wanted: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "Action.Submit" and wanted(node.get("data") or {}):
                found.append(node["data"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(card)
    assert len(found) == 1, card
    return found[0]


def expect_error_card(
    card: dict[str, Any],
    title: str,
    fault: Fault,
    attempts: list[RecordedRequest],
    *,
    maybe_done: str | None = None,
) -> None:
    """An error card naming what failed, with the request-id of Graph's last answer, or a
    line saying Graph sent none; and, for a write that may have happened, what to check."""
    blocks = [block["text"] for block in card["body"]]
    assert blocks[0] == title
    text = card_text(card)
    assert "Action.OpenUrl" not in text
    if fault.no_answer:
        assert "Reference:" not in text
        assert blocks[-1] == EN.no_reference
        assert (EN.graph_timeout if fault.slow else EN.graph_no_connection) in blocks
    else:
        request_id = attempts[-1].request_id
        assert request_id and blocks[-1] == f"Reference: {request_id}"
        reason = EN.graph_unavailable
        if fault.status == 429 or fault.retry_after is not None:
            reason = EN.throttled  # Graph's 503 with Retry-After is throttling too
        elif fault.status == 500:
            reason = EN.graph_failed
        assert reason in blocks
    if maybe_done is not None and fault.status != 429:  # a 429 did nothing; the rest might have
        assert maybe_done in blocks
    else:
        assert EN.maybe_created not in blocks and EN.maybe_cancelled not in blocks


def expect_attempts(attempts: list[RecordedRequest], fault: Fault, times: int | None) -> None:
    """Retried up to the policy's bound, never a 500; every attempt was the same request."""
    if not fault.retried:
        assert len(attempts) == 1
    elif times == TRANSIENT:
        assert len(attempts) == 2
    else:
        assert len(attempts) == FAST.attempts
    assert all(a.json == attempts[0].json for a in attempts)


def expect_in_time(elapsed: float) -> None:
    assert elapsed < FAST.budget + OVERHEAD_S
    assert elapsed < TEAMS_WINDOW_S


def succeeded(fault: Fault, times: int | None) -> bool:
    return fault.retried and times == TRANSIENT


def applied(fault: Fault, times: int | None) -> bool:
    """Whether the work reached Graph in the end (held requests count once released)."""
    return succeeded(fault, times) or fault.after or fault.slow


PARAMS = pytest.mark.parametrize(
    ("fault", "times"),
    [
        pytest.param(fault, times, id=f"{fault.name}-{'once' if times else 'always'}")
        for fault in FAULTS
        for times in (TRANSIENT, PERSISTENT)
    ],
)


@PARAMS
async def test_meet(bot: Bot, fault: Fault, times: int | None) -> None:
    bot.inject(fault, "POST", "/events", times)

    elapsed = await bot.send("meet Design review tomorrow 3pm")

    expect_in_time(elapsed)
    card = bot.last_card()
    reminded = await bot.reminded_events()
    await bot.settle_graph()
    attempts = bot.calls("POST", "/events")
    expect_attempts(attempts, fault, times)
    assert len({(a.json or {}).get("transactionId") for a in attempts}) == 1
    events = bot.events()
    assert len(events) == (1 if applied(fault, times) else 0)  # one transactionId, one event
    if succeeded(fault, times):
        assert join_url(card) == events[0]["onlineMeeting"]["joinUrl"]
        assert reminded == {events[0]["id"]}
    else:
        expect_error_card(card, EN.error_title, fault, attempts, maybe_done=EN.maybe_created)
        assert reminded == set()  # only a meeting card's meeting gets a reminder
    assert reminded <= {event["id"] for event in events}


@PARAMS
async def test_meet_now(bot: Bot, fault: Fault, times: int | None) -> None:
    bot.inject(fault, "POST", "/onlineMeetings/createOrGet", times)

    elapsed = await bot.send("meet now Quick sync")

    expect_in_time(elapsed)
    card = bot.last_card()
    await bot.settle_graph()
    attempts = bot.calls("POST", "/createOrGet")
    expect_attempts(attempts, fault, times)
    meetings = bot.graph.online_meetings(bot.user)
    assert len(meetings) == (1 if applied(fault, times) else 0)  # one externalId, one meeting
    if succeeded(fault, times):
        assert join_url(card) == meetings[0]["joinWebUrl"]
    else:
        expect_error_card(card, EN.error_title, fault, attempts)
    assert await bot.reminded_events() == set()


@PARAMS
async def test_make_online(bot: Bot, fault: Fault, times: int | None) -> None:
    start = bot.tomorrow_at(10).astimezone(UTC)
    seeded = bot.graph.seed_event(
        bot.user,
        {
            "subject": "Vendor call",
            "start": {"dateTime": f"{start:%Y-%m-%dT%H:%M:%S}", "timeZone": "UTC"},
            "end": {
                "dateTime": f"{start + timedelta(hours=1):%Y-%m-%dT%H:%M:%S}",
                "timeZone": "UTC",
            },
        },
    )
    await bot.send("online")
    button = _button(bot.last_card(), lambda data: data.get("meetbot") == "make_online")
    bot.inject(fault, "PATCH", "/events/{event}", times)

    elapsed = await bot.send(value=button)

    expect_in_time(elapsed)
    card = bot.last_card()
    await bot.settle_graph()
    attempts = bot.calls("PATCH", seeded["id"])
    expect_attempts(attempts, fault, times)
    assert attempts[0].json == {
        "isOnlineMeeting": True,
        "onlineMeetingProvider": "teamsForBusiness",
    }
    [event] = bot.events()
    assert event["isOnlineMeeting"] is applied(fault, times)
    if succeeded(fault, times):
        assert join_url(card) == event["onlineMeeting"]["joinUrl"]  # not re-minted by a retry
    else:
        expect_error_card(card, EN.make_online_failed_title, fault, attempts)
    assert await bot.reminded_events() == set()


@PARAMS
async def test_cancel_meeting(bot: Bot, fault: Fault, times: int | None) -> None:
    meeting_at = bot.tomorrow_at(15)
    await bot.send("meet Budget sync tomorrow 3pm")
    [event] = bot.events()
    assert await bot.reminded_events() == {event["id"]}
    await bot.send("cancel meeting budget")
    yes = _button(bot.last_card(), lambda data: data.get("confirm") is True)
    bot.inject(fault, "POST", "/events/{event}/cancel", times)

    elapsed = await bot.click(yes)

    expect_in_time(elapsed)
    card = bot.last_card()
    await bot.settle_graph()
    attempts = bot.calls("POST", "/cancel")
    expect_attempts(attempts, fault, times)
    cancelled = bot.graph.cancelled_events(bot.user)
    gone = applied(fault, times)
    assert len(cancelled) == (1 if gone else 0)  # cancelled once, attendees told once
    assert len(bot.events()) == (0 if gone else 1)
    if succeeded(fault, times):
        assert EN.meeting_cancelled.format(subject="Budget sync") in card_text(card)
    else:
        expect_error_card(
            card, EN.cancel_failed_title, fault, attempts, maybe_done=EN.maybe_cancelled
        )
    # The reminder goes out only for a meeting that still exists.
    await bot.at(meeting_at - timedelta(minutes=10))  # the default reminder lead
    await bot.at(meeting_at + timedelta(hours=1))
    assert len(bot.reminders_sent()) == (0 if gone else 1)
