"""The socket layer under Meetbot's `httpx.AsyncClient` for Graph: aiohttp, through httpx-aiohttp.

`GraphClient` speaks httpx (its API, its models, `httpx.MockTransport` in unit tests); only the
bytes on the wire go through aiohttp's connection pool instead of httpcore's. Measured here on
loopback (`bench/`), a request through httpx's own httpcore + anyio stack costs ~0.35 ms of
CPU and through this transport ~0.15 ms; httpx's own layer (URLs, headers, models) is ~0.08 ms
of that. `httpx-aiohttp` is the transport httpx's maintainer publishes for exactly this.

Two things this module adds to it:

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
import ssl
from collections.abc import AsyncIterator, Iterator

import aiohttp
import httpx
from httpx_aiohttp import AiohttpTransport


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
            )

        super().__init__(
            verify=context,
            limits=limits,
            client=session,
            proxy=httpx.Proxy(proxy) if proxy else None,
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        with _precise_errors():
            response: httpx.Response = await super().handle_async_request(request)
        if isinstance(response.stream, httpx.AsyncByteStream):
            response.stream = _PreciseStream(response.stream)
        return response


class _PreciseStream(httpx.AsyncByteStream):
    def __init__(self, stream: httpx.AsyncByteStream) -> None:
        self._stream = stream

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _precise_errors():
            async for chunk in self._stream:
                yield chunk

    async def aclose(self) -> None:
        with _precise_errors():
            await self._stream.aclose()


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


class CookielessClient(httpx.AsyncClient):
    """An `httpx.AsyncClient` that keeps no cookies.

    Graph authenticates every request with its bearer token and sets no cookie a client needs;
    yet httpx's client copies each response's `Set-Cookie` into its jar, and to do so builds
    a `urllib.request.Request` for every response (~30 µs of CPU each, measured in `bench/`).
    Here the jar is always empty and nothing is ever put in it.
    """

    @property
    def cookies(self) -> httpx.Cookies:
        return _NO_COOKIES

    @cookies.setter
    def cookies(self, cookies: object) -> None:
        raise TypeError("this client keeps no cookies")


class _NoCookies(httpx.Cookies):
    def extract_cookies(self, response: httpx.Response) -> None:
        return None

    def set(self, name: str, value: str, domain: str = "", path: str = "/") -> None:
        raise TypeError("this client keeps no cookies")


_NO_COOKIES = _NoCookies()
