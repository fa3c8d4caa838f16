"""The `httpx.AsyncClient` Meetbot talks to Graph with, configured in one place.

Graph's base URL, the CA to trust (a pinned `GRAPH_CA_BUNDLE`, or the system's), the proxy the
environment names for Graph (`bot.proxies`, as for every outbound client), one pool for the
whole bot, and no cookie kept (neither by httpx nor by aiohttp): Graph authenticates every
call with its bearer token, and a gateway's `Set-Cookie` must not ride along on later requests.

The bytes go through aiohttp's connection pool (`httpx_aiohttp.AiohttpTransport`, the httpx
transport httpx's maintainer publishes) rather than httpcore's: the bot already runs on
aiohttp, and a Graph request costs markedly less CPU there.
"""

from __future__ import annotations

import ssl
from http.cookiejar import CookieJar, DefaultCookiePolicy

import aiohttp
import httpx
from httpx_aiohttp import AiohttpTransport

from bot.proxies import proxy_for

USER_AGENT = "Meetbot (httpx)"
MAX_CONNECTIONS = 100


def graph_http(base_url: str, *, verify: ssl.SSLContext | bool = True) -> httpx.AsyncClient:
    """The client for Graph at `base_url` (`https://graph.microsoft.com/v1.0`)."""
    context = httpx.create_ssl_context(verify=verify)

    def session() -> aiohttp.ClientSession:  # made on first use, inside the event loop
        return aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(ssl=context, limit=MAX_CONNECTIONS),
            cookie_jar=aiohttp.DummyCookieJar(),
        )

    return httpx.AsyncClient(
        base_url=base_url,
        transport=AiohttpTransport(
            verify=context, proxy=_proxy(proxy_for(base_url)), client=session
        ),
        trust_env=False,  # the proxy is `bot.proxies`' answer, read once
        headers={"User-Agent": USER_AGENT},
        cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])),
    )


def _proxy(url: str | None) -> httpx.Proxy | None:
    """The proxy, its credentials (from its URL) as a Basic `Authorization` header: aiohttp
    sends that one as `Proxy-Authorization` (its `proxy_auth` argument is deprecated)."""
    if url is None:
        return None
    proxy = httpx.Proxy(url)
    if proxy.auth is None:
        return proxy
    return httpx.Proxy(proxy.url, headers={"Authorization": aiohttp.encode_basic_auth(*proxy.auth)})
