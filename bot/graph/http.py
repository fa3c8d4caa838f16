"""The `httpx.AsyncClient` Meetbot talks to Graph with, configured in one place.

Graph's base URL, the CA to trust (a pinned `GRAPH_CA_BUNDLE`, or the system's), one pool for
the whole bot, and no cookie jar: Graph authenticates every call with its bearer token, and a
gateway's `Set-Cookie` must not ride along on later requests. The proxy is the one the
environment names (`HTTPS_PROXY`, `NO_PROXY`), read by httpx itself when the client is made.
"""

from __future__ import annotations

import ssl
from http.cookiejar import CookieJar, DefaultCookiePolicy

import httpx

USER_AGENT = "Meetbot (httpx)"
MAX_CONNECTIONS = 100


def graph_http(base_url: str, *, verify: ssl.SSLContext | bool = True) -> httpx.AsyncClient:
    """The client for Graph at `base_url` (`https://graph.microsoft.com/v1.0`)."""
    return httpx.AsyncClient(
        base_url=base_url,
        verify=verify,
        limits=httpx.Limits(max_connections=MAX_CONNECTIONS),
        headers={"User-Agent": USER_AGENT},
        cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])),
    )
