"""`GraphHttp`: httpx requests straight to a transport, with what Graph calls need added."""

from __future__ import annotations

import httpx
import pytest
from aiohttp import web

from bot.graph.transport import USER_AGENT, GraphHttp, GraphTransport
from bot.serve import serve


def _answer(seen: list[httpx.Request], response: httpx.Response) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return response

    return httpx.MockTransport(handle)


async def test_the_request_carries_the_body_headers_query_agent_and_timeout() -> None:
    seen: list[httpx.Request] = []
    http = GraphHttp(_answer(seen, httpx.Response(201, json={"id": "e1"})))
    response = await http.request(
        "POST",
        httpx.URL("https://graph.test/v1.0/users/u/events"),
        content=b'{"subject":"x"}',
        params={"$select": "id"},
        headers={"Authorization": "Bearer t", "Content-Type": "application/json"},
        timeout=httpx.Timeout(3.0, connect=1.0),
    )
    [request] = seen
    assert (request.method, str(request.url)) == (
        "POST",
        "https://graph.test/v1.0/users/u/events?%24select=id",
    )
    assert request.content == b'{"subject":"x"}'
    assert request.headers["Authorization"] == "Bearer t"
    assert request.headers["User-Agent"] == USER_AGENT
    assert request.headers["Host"] == "graph.test"
    assert request.extensions["timeout"] == {"connect": 1.0, "read": 3.0, "write": 3.0, "pool": 3.0}
    assert response.status_code == 201 and response.json() == {"id": "e1"}
    assert response.request is request


async def test_the_body_is_read_and_the_response_closed_before_it_is_returned() -> None:
    body = httpx.ByteStream(b'{"value": []}')
    http = GraphHttp(_answer([], httpx.Response(200, stream=body)))
    response = await http.request("GET", "https://graph.test/v1.0/me", timeout=httpx.Timeout(1.0))
    assert response.is_closed  # the connection is back in the pool
    assert response.content == b'{"value": []}'


async def test_a_set_cookie_is_not_sent_back() -> None:
    seen: list[httpx.Request] = []
    cookie = httpx.Response(200, json={}, headers={"Set-Cookie": "x-ms-gateway=abc; Path=/"})
    http = GraphHttp(_answer(seen, cookie))
    for _ in range(2):
        await http.request("GET", "https://graph.test/v1.0/me", timeout=httpx.Timeout(1.0))
    assert [request.headers.get("Cookie") for request in seen] == [None, None]


async def test_transport_errors_are_httpxs_own() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    async with GraphHttp(httpx.MockTransport(refuse)) as http:
        with pytest.raises(httpx.ConnectError):
            await http.request("GET", "https://graph.test/v1.0/me", timeout=httpx.Timeout(1.0))


async def test_over_aiohttp_a_set_cookie_is_not_sent_back_either() -> None:
    """The production transport on a real socket: aiohttp's session would keep the cookie (for
    a named host: it never keeps one from an IP address)."""
    cookies: list[str | None] = []

    async def answer(request: web.Request) -> web.Response:
        cookies.append(request.headers.get("Cookie"))
        response = web.json_response({})
        response.set_cookie("x-ms-gateway", "abc")
        return response

    app = web.Application()
    app.router.add_get("/v1.0/me", answer)
    served = await serve(app)
    transport = GraphTransport(verify=False, limits=httpx.Limits(max_connections=4))
    try:
        async with GraphHttp(transport) as http:
            for _ in range(2):
                response = await http.request(
                    "GET", f"http://localhost:{served.port}/v1.0/me", timeout=httpx.Timeout(5.0)
                )
                assert response.headers["Set-Cookie"].startswith("x-ms-gateway=abc")
    finally:
        await served.close()
    assert cookies == [None, None]
