"""The HTTP layer under Meetbot's Graph client: httpx's models over aiohttp's connection pool.

`GraphClient` speaks httpx (its requests, responses, errors and `httpx.MockTransport` in unit
tests); the bytes on the wire go through aiohttp's connection pool (httpx-aiohttp, the transport
httpx's maintainer publishes for exactly this) instead of httpcore's. Measured here on loopback
(`bench/`), a request through httpx's own httpcore + anyio stack costs ~0.35 ms of CPU and
through this transport ~0.15 ms. `GraphHttp` hands requests to the transport directly, without
`httpx.AsyncClient`'s per-request machinery (see its docstring).

Three things `GraphTransport` adds to httpx-aiohttp:

- The answer is read whole before the response is returned (Graph's answers to these calls
  are small JSON documents, always read to the end): the connection is back in the pool at
  once and the response needs no stream over aiohttp's.

- Errors keep their meaning. httpx-aiohttp maps every `aiohttp.ClientConnectionError` to
  `httpx.ConnectTimeout`, so a connection Graph dropped or reset would read as "no answer in
  time". Here, as httpcore reports them: a connection that closed before the answer is
  `httpx.RemoteProtocolError`, a reset or payload error `httpx.ReadError`, a refused connect
  `httpx.ConnectError`, timeouts stay timeouts; also while the body is being read.
- The proxy environment (`HTTPS_PROXY`, `NO_PROXY`) is honoured as httpx does, read once
  (`bot.proxies`), not by aiohttp on every request.
"""

from __future__ import annotations

import contextlib
import functools
import ssl
from collections.abc import Iterator, Mapping

import aiohttp
import httpx
from httpx_aiohttp import AiohttpTransport
from httpx_aiohttp.transport import map_aiohttp_exceptions


class GraphTransport(AiohttpTransport):
    def __init__(
        self, *, verify: ssl.SSLContext | bool, limits: httpx.Limits, proxy: str | None = None
    ) -> None:
        """`proxy`: every request goes through it (see `bot.proxies.proxy_for`)."""
        context = httpx.create_ssl_context(verify=verify)
        connections = limits.max_connections or 100

        def session() -> aiohttp.ClientSession:  # built on first use, inside the loop
            return aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(ssl=context, limit=connections),
                cookie_jar=aiohttp.DummyCookieJar(),  # Graph authenticates every call by token
            )

        super().__init__(
            verify=context,
            limits=limits,
            client=session,
            proxy=httpx.Proxy(proxy) if proxy else None,
        )
        # What aiohttp is told of the proxy on every request, worked out once.
        self._proxy_url = str(self.proxy.url) if self.proxy else None
        self._proxy_headers = _proxy_headers(self.proxy) if self.proxy else None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """httpx-aiohttp's request, with the body read whole before it returns.

        Graph's answers to Meetbot's calls are small JSON documents that are always read to
        the end, so the response carries its bytes (`httpx.ByteStream`) instead of a stream
        over aiohttp's (three async iterators deep per chunk, each mapping errors), and the
        connection is back in the pool at once. Errors mean what they did: httpx-aiohttp's
        mapping, made precise (see the module docstring), while sending or reading alike.

        The headers go to aiohttp as httpx's `items()` (names lowercased, a repeated name's
        values joined), what aiohttp made of the `httpx.Headers` mapping itself, but in one
        pass: read as a mapping, each name was looked up again, a scan of every header each.
        """
        if not isinstance(self.client, aiohttp.ClientSession):
            self.client = self.get_client()
        timeout = request.extensions.get("timeout", {})
        with _precise_errors(), map_aiohttp_exceptions():
            async with self.client.request(
                method=request.method,
                url=str(request.url),
                headers=request.headers.items(),  # one pass (see the docstring)
                data=request.content or None,
                allow_redirects=False,
                auto_decompress=False,
                compress=False,
                timeout=_client_timeout(
                    timeout.get("connect"), timeout.get("read"), timeout.get("pool")
                ),
                server_hostname=request.extensions.get("sni_hostname"),
                proxy=self._proxy_url,
                proxy_headers=self._proxy_headers,
            ) as answer:
                body = await answer.read()
        extensions: dict[str, object] = {"http_version": b"HTTP/1.1"}
        if answer.reason:
            extensions["reason_phrase"] = answer.reason.encode()
        return httpx.Response(
            status_code=answer.status,
            headers=answer.raw_headers,
            stream=httpx.ByteStream(body),
            request=request,
            extensions=extensions,
        )


@functools.lru_cache(maxsize=64)
def _client_timeout(
    connect: float | None, read: float | None, pool: float | None
) -> aiohttp.ClientTimeout:
    """httpx's timeouts as aiohttp's (immutable, so one per distinct set of limits; a Graph
    client uses a handful)."""
    return aiohttp.ClientTimeout(sock_connect=connect, sock_read=read, connect=pool)


def _proxy_headers(proxy: httpx.Proxy) -> dict[str, str]:
    """The proxy's headers, with its credentials (from the proxy URL) as Basic auth: aiohttp
    moves an `Authorization` among them to `Proxy-Authorization`, on the CONNECT for https and
    on the request itself for http (what its deprecated `proxy_auth` argument did)."""
    headers = dict(proxy.headers)
    if proxy.auth:
        headers["Authorization"] = aiohttp.encode_basic_auth(*proxy.auth)
    return headers


@contextlib.contextmanager
def _precise_errors() -> Iterator[None]:
    try:
        yield
    except httpx.TransportError as error:
        cause = error.__cause__
        precise: type[httpx.TransportError] | None = None
        if isinstance(cause, aiohttp.ServerDisconnectedError):
            precise = httpx.RemoteProtocolError
        elif isinstance(cause, aiohttp.ClientConnectorError):
            precise = httpx.ConnectError
        elif isinstance(cause, aiohttp.ClientOSError | aiohttp.ClientPayloadError):
            precise = httpx.ReadError
        if precise is None or isinstance(cause, TimeoutError) or type(error) is precise:
            raise
        raise precise(str(error) or type(cause).__name__) from cause


USER_AGENT = "Meetbot (httpx)"


class GraphHttp:
    """Graph's requests as httpx `Request`s, handed straight to one httpx transport.

    `httpx.AsyncClient.send` wraps every request in machinery no Graph call here uses: an auth
    flow, a redirect loop (Graph's answers to these calls are never redirects), a cookie jar
    (which builds a `urllib.request.Request` per response to look for `Set-Cookie`; Graph
    authenticates every call with its bearer token), event hooks and a timing stream. Measured
    on loopback against the Graph emulator (`bench/`), `create_online_event` through
    `AsyncClient` costs ~0.22 ms of CPU, through this ~0.14 ms; a bare aiohttp request ~0.11 ms.

    What `AsyncClient` adds that Graph calls need is added here: a User-Agent, the timeout (the
    request's `timeout` extension, which transports read), and the body read before the
    response is returned, so the connection is back in the pool. Requests, responses and errors
    are httpx's own, and any httpx transport works (`httpx.MockTransport` in unit tests).
    """

    def __init__(
        self, transport: httpx.AsyncBaseTransport, *, user_agent: str = USER_AGENT
    ) -> None:
        self._transport = transport
        self._user_agent = user_agent

    async def request(
        self,
        method: str,
        url: httpx.URL | str,
        *,
        timeout: httpx.Timeout,  # noqa: ASYNC109 (connect/read limits the transport applies)
        content: bytes | None = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        sent = {"User-Agent": self._user_agent, **(headers or {})}
        request = httpx.Request(
            method,
            url,
            params=params,
            content=content,
            headers=sent,
            extensions={"timeout": timeout.as_dict()},
        )
        response = await self._transport.handle_async_request(request)
        response.request = request
        try:
            await response.aread()
        finally:
            await response.aclose()
        return response

    async def aclose(self) -> None:
        await self._transport.aclose()

    async def __aenter__(self) -> GraphHttp:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()
