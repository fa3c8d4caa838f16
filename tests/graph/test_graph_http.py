"""The httpx client Graph is reached with (`bot.graph.http`), through `GraphClient`, on real
sockets: answers read whole on one pooled connection, no cookies sent back, the environment's
proxy, and failures that keep their meaning (a dropped or refused connection is not a timeout,
which is what the user is then told)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from datetime import timedelta

import pytest
from aiohttp import web

from bot.graph import GRAPH_RETRY, GraphClient, GraphNoAnswer, graph_http
from bot.graph.http import USER_AGENT
from bot.serve import Served, serve

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Start = Callable[[Handler], Awaitable[Served]]
CALENDAR = {"id": "cal", "allowedOnlineMeetingProviders": ["teamsForBusiness"]}
ONE_TRY = replace(GRAPH_RETRY, attempts=1)


class FakeTokens:
    async def token(self) -> str:
        return "token"

    def invalidate(self) -> None:
        pass


@pytest.fixture
async def graph() -> AsyncIterator[Start]:
    served: list[Served] = []

    async def start(handler: Handler) -> Served:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", handler)
        served.append(await serve(app))
        return served[-1]

    yield start
    for one in served:
        await one.close()


async def test_answers_are_read_on_one_pooled_connection_without_cookies(graph: Start) -> None:
    seen: list[tuple[object, str | None, str | None, str | None]] = []

    async def answer(request: web.Request) -> web.Response:
        seen.append(
            (
                request.transport,
                request.headers.get("Cookie"),
                request.headers.get("Authorization"),
                request.headers.get("User-Agent"),
            )
        )
        response = web.json_response(CALENDAR)
        response.set_cookie("x-ms-gateway", "abc")
        return response

    served = await graph(answer)
    base = served.url.replace("127.0.0.1", "localhost")  # a named host: cookies would be kept
    async with graph_http(f"{base}/v1.0") as http:
        client = GraphClient(http, FakeTokens(), calendar_ttl=timedelta(0))
        for user in ("user-1", "user-2", "user-3"):
            assert (await client.get_calendar(user)).allows_teams
    assert len({id(transport) for transport, *_ in seen}) == 1
    assert [cookie for _, cookie, _, _ in seen] == [None, None, None]
    assert {(auth, agent) for _, _, auth, agent in seen} == {("Bearer token", USER_AGENT)}


async def test_a_connection_closed_before_the_answer_is_no_connection(graph: Start) -> None:
    async def hang_up(request: web.Request) -> web.Response:
        assert request.transport is not None
        request.transport.close()
        raise asyncio.CancelledError

    served = await graph(hang_up)
    async with graph_http(f"{served.url}/v1.0") as http:
        with pytest.raises(GraphNoAnswer) as caught:
            await GraphClient(http, FakeTokens(), policy=ONE_TRY).get_calendar("user-1")
    assert not caught.value.timed_out


async def test_a_refused_connection_is_no_connection() -> None:
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    async with graph_http(f"http://127.0.0.1:{port}/v1.0") as http:
        with pytest.raises(GraphNoAnswer) as caught:
            await GraphClient(http, FakeTokens(), policy=ONE_TRY).get_calendar("user-1")
    assert not caught.value.timed_out


async def test_no_answer_within_the_attempt_is_a_timeout(graph: Start) -> None:
    answer = asyncio.Event()

    async def silent(request: web.Request) -> web.Response:
        await answer.wait()  # set once the client has given up, so the server can close
        return web.Response()

    served = await graph(silent)
    policy = replace(ONE_TRY, attempt_timeout=0.2, min_attempt=0.1)
    async with graph_http(f"{served.url}/v1.0") as http:
        with pytest.raises(GraphNoAnswer) as caught:
            await GraphClient(http, FakeTokens(), policy=policy).get_calendar("user-1")
    answer.set()
    assert caught.value.timed_out


async def test_the_environments_proxy_gets_the_request_and_its_credentials(
    graph: Start, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[str, str | None]] = []

    async def proxy(request: web.Request) -> web.Response:
        seen.append((str(request.url), request.headers.get("Proxy-Authorization")))
        return web.json_response(CALENDAR)

    served = await graph(proxy)
    for name in ("NO_PROXY", "no_proxy", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", served.url.replace("http://", "http://meetbot:s3cret@"))
    async with graph_http("http://graph.invalid/v1.0") as http:
        assert (await GraphClient(http, FakeTokens()).get_calendar("user-1")).allows_teams
    [(url, authorization)] = seen
    assert url == "http://graph.invalid/v1.0/users/user-1/calendar"
    assert authorization == "Basic bWVldGJvdDpzM2NyZXQ="  # meetbot:s3cret
