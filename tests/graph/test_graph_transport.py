"""`GraphTransport` on real sockets: what Graph answered, read whole, and errors that keep
their meaning (what `GraphClient` retries, and how it reports it, depends on them)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest
from aiohttp import web

from bot.graph.transport import GraphHttp, GraphTransport
from bot.serve import Served, serve

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Start = Callable[[Handler], Awaitable[Served]]


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


def _http(proxy: str | None = None) -> GraphHttp:
    return GraphHttp(
        GraphTransport(verify=False, limits=httpx.Limits(max_connections=1), proxy=proxy)
    )


async def test_the_answer_is_read_whole_and_the_connection_reused(graph: Start) -> None:
    peers: list[object] = []

    async def answer(request: web.Request) -> web.Response:
        peers.append(request.transport)
        body = await request.read()
        return web.json_response({"echo": body.decode(), "method": request.method}, status=201)

    served = await graph(answer)
    async with _http() as http:
        for n in range(3):  # one connection allowed: each must be back in the pool
            response = await http.request(
                "POST",
                f"{served.url}/v1.0/users/u/events",
                content=f'{{"n":{n}}}'.encode(),
                headers={"Content-Type": "application/json"},
                timeout=httpx.Timeout(5.0),
            )
            assert response.status_code == 201
            assert response.json() == {"echo": f'{{"n":{n}}}', "method": "POST"}
            assert response.reason_phrase == "Created"
            assert response.is_closed
    assert len(set(map(id, peers))) == 1


async def test_a_connection_closed_before_the_answer_is_a_protocol_error(graph: Start) -> None:
    async def hang_up(request: web.Request) -> web.Response:
        assert request.transport is not None
        request.transport.close()
        raise asyncio.CancelledError

    served = await graph(hang_up)
    async with _http() as http:
        with pytest.raises(httpx.RemoteProtocolError):
            await http.request("GET", f"{served.url}/v1.0/me", timeout=httpx.Timeout(5.0))


async def test_a_refused_connection_is_a_connect_error() -> None:
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    async with _http() as http:
        with pytest.raises(httpx.ConnectError):
            await http.request(
                "GET", f"http://127.0.0.1:{port}/v1.0/me", timeout=httpx.Timeout(5.0)
            )


async def test_no_answer_within_the_read_timeout_is_a_timeout(graph: Start) -> None:
    answer = asyncio.Event()

    async def silent(request: web.Request) -> web.Response:
        await answer.wait()  # set once the client has given up, so the server can close
        return web.Response()

    served = await graph(silent)
    async with _http() as http:
        with pytest.raises(httpx.TimeoutException):
            await http.request("GET", f"{served.url}/v1.0/me", timeout=httpx.Timeout(5.0, read=0.2))
    answer.set()


async def test_a_proxy_gets_the_request_and_the_credentials_of_its_url(graph: Start) -> None:
    seen: list[tuple[str, str | None]] = []

    async def proxy(request: web.Request) -> web.Response:
        seen.append((str(request.url), request.headers.get("Proxy-Authorization")))
        return web.json_response({"via": "proxy"})

    served = await graph(proxy)
    proxy_url = served.url.replace("http://", "http://meetbot:s3cret@")
    async with _http(proxy=proxy_url) as http:
        response = await http.request(
            "GET", "http://graph.invalid/v1.0/me", timeout=httpx.Timeout(5.0)
        )
    assert response.json() == {"via": "proxy"}
    [(url, authorization)] = seen
    assert url == "http://graph.invalid/v1.0/me"
    assert authorization == "Basic bWVldGJvdDpzM2NyZXQ="  # meetbot:s3cret
