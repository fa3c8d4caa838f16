"""GraphClient's retry budget: bounded in attempts and in time, on a fake clock.

The MockTransport plays Graph; a timed-out request advances the fake clock by exactly the
timeout the client gave it, so the arithmetic of the deadline is checked without waiting.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
import pytest

from bot.graph import (
    GraphClient,
    GraphError,
    GraphNoAnswer,
    GraphThrottled,
    GraphUnavailable,
    RetryPolicy,
)
from bot.retry import GRAPH_RETRY

BASE = "https://graph.test/v1.0"
CALENDAR = {"id": "cal", "allowedOnlineMeetingProviders": ["teamsForBusiness"]}
LA = ZoneInfo("America/Los_Angeles")
TEAMS_WINDOW_S = 15.0


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


class FakeTokens:
    async def token(self) -> str:
        return "token"

    def invalidate(self) -> None:
        pass


Handler = Callable[[httpx.Request], httpx.Response]


class Graph:
    """A scripted Graph and a client on the fake clock, recording each request's timeout."""

    def __init__(self, handler: Handler | None = None, policy: RetryPolicy | None = None) -> None:
        """`handler` answers each request; without one, no request is ever answered."""
        self.time = FakeTime()
        self.timeouts: list[float] = []
        self.requests: list[httpx.Request] = []

        def record(request: httpx.Request) -> httpx.Response:
            self.requests.append(request)
            self.timeouts.append(request.extensions["timeout"]["read"])
            return (handler or self.stall)(request)

        http = httpx.AsyncClient(base_url=BASE, transport=httpx.MockTransport(record))
        on_fake_time = replace(policy or GRAPH_RETRY, clock=self.time.clock, sleep=self.time.sleep)
        self.client = GraphClient(http, FakeTokens(), policy=on_fake_time)

    def stall(self, request: httpx.Request) -> httpx.Response:
        """No answer: the whole timeout passes, then httpx gives up."""
        self.time.now += request.extensions["timeout"]["read"]
        raise httpx.ReadTimeout("no answer", request=request)

    async def create(self) -> None:
        await self.client.create_or_get_meeting("user-1", external_id="ext-1")


def failing(status: int, **headers: str) -> httpx.Response:
    body = {"error": {"code": "x", "message": "y"}}
    return httpx.Response(status, json=body, headers={"request-id": f"rid-{status}", **headers})


async def test_a_graph_that_never_answers_costs_at_most_the_budget() -> None:
    graph = Graph()
    started = graph.time.now

    with pytest.raises(GraphNoAnswer) as caught:
        await graph.client.get_calendar("user-1")

    # 5 s, a 0.5 s pause, then what is left of the 8 s; a third try would not fit.
    assert graph.timeouts == [5.0, 2.5] and graph.time.slept == [0.5]
    assert graph.time.now - started == pytest.approx(8.0)
    assert graph.time.now - started < TEAMS_WINDOW_S
    error = caught.value
    assert error.timed_out and error.status == 0 and error.request_id is None


async def test_a_retry_after_that_does_not_fit_is_not_waited_for() -> None:
    graph = Graph(lambda request: failing(429, **{"Retry-After": "30"}))

    with pytest.raises(GraphThrottled) as caught:
        await graph.client.get_calendar("user-1")

    assert len(graph.requests) == 1 and graph.time.slept == []
    assert caught.value.retry_after == 30 and caught.value.request_id == "rid-429"


@pytest.mark.parametrize(
    ("answer", "slept"),
    [
        (failing(503, **{"Retry-After": "2"}), [2.0, 2.0]),  # the server's delay
        (failing(502), [0.5, 1.0]),  # backoff
        (failing(503), [0.5, 1.0]),
        (failing(504), [0.5, 1.0]),
    ],
)
async def test_transient_statuses_are_retried_up_to_the_attempt_bound(
    answer: httpx.Response, slept: list[float]
) -> None:
    graph = Graph(lambda request: answer)

    with pytest.raises(GraphError) as caught:  # a 503 with Retry-After is GraphThrottled
        await graph.client.get_calendar("user-1")

    assert len(graph.requests) == GRAPH_RETRY.attempts == 3
    assert graph.time.slept == slept
    assert caught.value.request_id == f"rid-{answer.status_code}"


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ConnectError("refused"),
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
        httpx.ReadError("reset"),
    ],
)
async def test_a_lost_connection_is_retried_and_reported_without_a_request_id(
    failure: httpx.TransportError,
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise failure

    graph = Graph(handler)

    with pytest.raises(GraphNoAnswer) as caught:
        await graph.client.get_calendar("user-1")

    assert len(graph.requests) == 3 and graph.time.slept == [0.5, 1.0]
    assert not caught.value.timed_out and caught.value.request_id is None


async def test_then_an_answer_after_a_lost_connection_is_used() -> None:
    answers = iter([None, httpx.Response(200, json=CALENDAR)])

    def handler(request: httpx.Request) -> httpx.Response:
        answer = next(answers)
        if answer is None:
            raise httpx.RemoteProtocolError("dropped")
        return answer

    graph = Graph(handler)
    assert (await graph.client.get_calendar("user-1")).allows_teams
    assert len(graph.requests) == 2


async def test_calls_in_one_budget_share_its_deadline() -> None:
    def slow_calendar(request: httpx.Request) -> httpx.Response:
        graph.time.now += 2.8
        return httpx.Response(200, json=CALENDAR)

    graph = Graph(slow_calendar)

    with graph.client.budget(3.0), pytest.raises(GraphNoAnswer) as caught:
        # The calendar is read, then the create finds 0.2 s left: too little to start.
        await graph.client.create_online_event(
            "user-1",
            subject="Design review",
            start=datetime(2026, 11, 22, 15, tzinfo=LA),
            end=datetime(2026, 11, 22, 16, tzinfo=LA),
            zone="America/Los_Angeles",
            attendees=[],
            transaction_id="tx-1",
        )

    assert [r.method for r in graph.requests] == ["GET"]  # the create was never sent
    assert caught.value.timed_out and not caught.value.maybe_applied


async def test_an_inner_budget_never_extends_the_outer_one() -> None:
    graph = Graph(lambda request: httpx.Response(200, json=CALENDAR))

    with graph.client.budget(2.0), graph.client.budget():  # the flow's default 8 s
        await graph.client.get_calendar("user-1")
    with graph.client.budget(8.0), graph.client.budget(1.0):
        await graph.client.get_calendar("user-2")

    assert graph.timeouts == [2.0, 1.0]


async def test_each_call_outside_a_budget_gets_its_own() -> None:
    graph = Graph()

    for user in ("user-1", "user-2"):
        with pytest.raises(GraphNoAnswer):
            await graph.client.get_calendar(user)

    assert graph.timeouts == [5.0, 2.5, 5.0, 2.5]


@pytest.mark.parametrize(
    ("answers", "maybe_applied"),
    [
        ([failing(504)] * 3, True),  # each attempt may have created it
        ([failing(500)], True),  # not retried, but Graph may have done the work first
        ([failing(429, **{"Retry-After": "1"})] * 3, False),  # refused before any work
        ([failing(504), failing(429, **{"Retry-After": "1"})] * 2, True),
        ([failing(400)], False),
        ([failing(403)], False),
    ],
)
async def test_a_failed_write_says_whether_graph_may_have_done_it(
    answers: list[httpx.Response], maybe_applied: bool
) -> None:
    script = iter(answers)
    graph = Graph(lambda request: next(script))

    with pytest.raises(GraphError) as caught:
        await graph.create()

    assert caught.value.maybe_applied is maybe_applied


async def test_a_failed_read_never_claims_to_have_done_anything() -> None:
    graph = Graph(lambda request: failing(504))
    with pytest.raises(GraphUnavailable) as caught:
        await graph.client.get_calendar("user-1")
    assert caught.value.maybe_applied is False


async def test_the_attempt_is_cut_off_even_when_the_transport_ignores_its_timeout() -> None:
    """A stalled token fetch or a server that trickles bytes: asyncio's timeout still ends it
    (real time here, a few tenths of a second)."""
    never = asyncio.Event()

    async def handler(request: httpx.Request) -> httpx.Response:
        await never.wait()
        raise AssertionError("unreachable")

    policy = replace(
        GRAPH_RETRY, budget=0.3, attempt_timeout=0.05, base_delay=0.01, min_attempt=0.01
    )
    http = httpx.AsyncClient(base_url=BASE, transport=httpx.MockTransport(handler))
    client = GraphClient(http, FakeTokens(), policy=policy)
    loop = asyncio.get_running_loop()
    started = loop.time()

    with pytest.raises(GraphNoAnswer) as caught:
        await client.get_calendar("user-1")

    assert caught.value.timed_out
    assert loop.time() - started < policy.budget + 0.5


def test_the_default_policy_leaves_room_in_teams_window() -> None:
    policy = GRAPH_RETRY
    assert policy.attempt_timeout <= policy.budget < TEAMS_WINDOW_S / 1.5
    assert policy.attempts == 3 and policy.min_attempt > 0
