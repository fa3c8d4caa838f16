"""Which outbound proxy the environment names for a URL, read once per host.

Meetbot honours `HTTPS_PROXY` / `HTTP_PROXY` and `NO_PROXY` as httpx and requests do (the
standard library's reading of them). aiohttp can read them itself (`trust_env=True`), but then
does so on every request, in a worker thread, netrc file included. The environment does not
change while the bot runs, so the answer is kept per scheme and host.
"""

from __future__ import annotations

import functools
import urllib.request
from urllib.parse import urlsplit


def proxy_for(url: str) -> str | None:
    """The proxy URL to send a request for `url` through, or None to connect directly."""
    scheme, found, rest = url.partition("://")
    if not found:
        return _proxy_for_origin(url)
    # Only the scheme and host matter, so the answer is kept per origin: the URLs themselves
    # differ in every request (a conversation's, an activity's id).
    return _proxy_for_origin(url[: len(scheme) + 3 + _authority_length(rest)])


def _authority_length(rest: str) -> int:
    """How far the authority (user info, host, port) runs in what follows `scheme://`."""
    ends = [index for mark in "/?#" if (index := rest.find(mark)) >= 0]
    return min(ends, default=len(rest))


@functools.lru_cache(maxsize=128)
def _proxy_for_origin(origin: str) -> str | None:
    parts = urlsplit(origin)
    return _proxy_for(parts.scheme.lower(), parts.hostname or "")


@functools.lru_cache(maxsize=128)
def _proxy_for(scheme: str, host: str) -> str | None:
    if not host or urllib.request.proxy_bypass(host):
        return None
    return urllib.request.getproxies().get(scheme)
