"""The Bot Framework channel's signing keys, fetched without blocking the event loop.

botbuilder's own cache (`JwtTokenExtractor` -> `_OpenIdMetadata`) fetches the OpenID metadata
and the JWKS with blocking `requests.get` inside `async def`, so every refresh stalls every
request the process is serving (and an unknown `kid` crashes it with an IndexError). This cache
does the same job over the app's async HTTP client:

- the metadata document's `jwks_uri` and the keys it lists are fetched together and kept for
  24 hours (botbuilder's and the Bot Framework documentation's refresh period);
- a `kid` not among the keys (the channel rotated its keys) fetches them again, at most once
  per `min_refresh` (5 minutes, Microsoft.IdentityModel's `RefreshInterval`), so forged tokens
  with random kids cannot make the bot hammer the metadata endpoint;
- concurrent requests that need a refresh share one fetch (one lock, and a generation count
  so that waiters do not fetch again what the first one just fetched);
- a failed refresh keeps the keys already known (they stay valid until rotated away) and is
  tried again no sooner than `min_refresh`; only a bot that has never had keys fails, with
  `KeysUnavailable` (the HTTP edge answers 503, and a log line names the host that could not
  be reached), and tries again on the next request. `health()` tells `/healthz` the same.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from jwt.algorithms import RSAAlgorithm

log = logging.getLogger(__name__)

KEYS_MAX_AGE_S = 24 * 3600.0
MIN_REFRESH_S = 300.0


@dataclass(frozen=True, slots=True)
class SigningKey:
    kid: str
    public_key: RSAPublicKey
    endorsements: frozenset[str]  # the channel ids this key may sign for ("msteams", ...)


class KeysUnavailable(Exception):
    """The metadata or key document could not be fetched or read, and no keys are known;
    `host` is where the failing document lives."""

    def __init__(self, message: str, host: str) -> None:
        super().__init__(message)
        self.host = host


class OpenIdKeys:
    def __init__(
        self,
        http: httpx.AsyncClient,
        metadata_url: str,
        *,
        max_age: float = KEYS_MAX_AGE_S,
        min_refresh: float = MIN_REFRESH_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._http = http
        self._metadata_url = metadata_url
        self._max_age = max_age
        self._min_refresh = min_refresh
        self._clock = clock
        self._keys: dict[str, SigningKey] = {}
        self._fetched_at: float | None = None  # last successful fetch
        self._tried_at: float | None = None  # last attempt, successful or not
        self._generation = 0  # counts finished attempts: a waiter can tell one ended meanwhile
        self._last_error: KeysUnavailable | None = None  # the last attempt's, None after success
        self._lock = asyncio.Lock()

    async def get(self, kid: str) -> SigningKey | None:
        """The key named `kid`, or None when the channel does not list it."""
        if self._fetched_at is None:
            await self._refresh(self._generation)
            if self._fetched_at is None:  # another caller's first fetch failed meanwhile
                raise self._last_error or KeysUnavailable(
                    "the channel's signing keys could not be fetched", self._host
                )
        elif self._clock() - self._fetched_at >= self._max_age and self._may_refresh():
            await self._refresh(self._generation)
        key = self._keys.get(kid)
        if key is None and self._may_refresh():
            await self._refresh(self._generation)
            key = self._keys.get(kid)
        return key

    def health(self) -> dict[str, Any]:
        """For `/healthz`: not ok when no keys are known and the last fetch failed (every
        activity is then refused with 503); before the first activity nothing is fetched."""
        error = self._last_error
        return {
            "ok": bool(self._keys) or error is None,
            "host": self._host,
            "keys": len(self._keys),
            "error": None if error is None else str(error),
        }

    @property
    def _host(self) -> str:
        return _host_of(self._metadata_url)

    def _may_refresh(self) -> bool:
        """Not within `min_refresh` of the last attempt (so neither unknown kids nor a
        failing endpoint make the bot fetch on every request)."""
        return self._tried_at is None or self._clock() - self._tried_at >= self._min_refresh

    async def _refresh(self, seen_generation: int) -> None:
        async with self._lock:
            if self._generation != seen_generation:
                return  # another request refreshed while this one waited for the lock
            self._tried_at = self._clock()
            try:
                keys = await self._fetch()
            except KeysUnavailable as error:
                self._last_error = error
                if not self._keys:
                    log.warning(
                        "cannot fetch the channel's signing keys from %s (%s): every activity "
                        "is answered 503 until it is reachable (outbound HTTPS, HTTPS_PROXY)",
                        error.host,
                        error,
                    )
                    raise
                log.warning(
                    "refreshing the channel's signing keys from %s failed (%s); keeping the "
                    "old ones",
                    error.host,
                    error,
                )
                return
            finally:
                self._generation += 1
            self._keys = keys
            self._last_error = None
            self._fetched_at = self._clock()
            log.info("fetched %d channel signing keys", len(keys))

    async def _fetch(self) -> dict[str, SigningKey]:
        metadata = await self._get_json(self._metadata_url)
        jwks_uri = metadata.get("jwks_uri")
        if not isinstance(jwks_uri, str) or not jwks_uri:
            raise KeysUnavailable("the OpenID metadata has no jwks_uri", self._host)
        document = await self._get_json(jwks_uri)
        listed = document.get("keys")
        if not isinstance(listed, list):
            raise KeysUnavailable("the key document has no keys", _host_of(jwks_uri))
        keys = {}
        for entry in listed:
            key = _signing_key(entry)
            if key is not None:
                keys[key.kid] = key
        return keys

    async def _get_json(self, url: str) -> Mapping[str, Any]:
        try:
            response = await self._http.get(url)
            response.raise_for_status()
            body = response.json()
        except (httpx.HTTPError, ValueError) as error:
            raise KeysUnavailable(f"{url}: {type(error).__name__}", _host_of(url)) from error
        if not isinstance(body, dict):
            raise KeysUnavailable(f"{url}: not a JSON object", _host_of(url))
        return body


def _host_of(url: str) -> str:
    return urlsplit(url).hostname or url


def _signing_key(entry: Any) -> SigningKey | None:
    """An RSA signing key from a JWKS entry; None (and a log line) for anything else."""
    if not isinstance(entry, dict) or entry.get("kty") != "RSA" or not entry.get("kid"):
        log.warning("skipping a channel key that is not an RSA key with a kid")
        return None
    try:
        public_key = RSAAlgorithm.from_jwk(json.dumps(entry))
    except (jwt.PyJWTError, ValueError, TypeError, KeyError) as error:
        log.warning("skipping unreadable channel key %s: %s", entry.get("kid"), error)
        return None
    if not isinstance(public_key, RSAPublicKey):
        return None
    endorsements = entry.get("endorsements") or []
    return SigningKey(
        kid=str(entry["kid"]),
        public_key=public_key,
        endorsements=frozenset(e for e in endorsements if isinstance(e, str)),
    )
