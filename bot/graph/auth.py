"""Graph tokens: the app's own (`TokenProvider`, through msal, off the event loop and cached),
or in delegated mode each signed-in user's (`UserTokens`, the token service's).

msal's `acquire_token_for_client` is blocking (it uses `requests`), so it runs in a worker
thread. The token is kept until shortly before it expires, so steady state costs no thread hop
and no network: one token request per token lifetime.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any, Protocol

import msal
import requests

from bot.proxies import proxy_for

GRAPH_SCOPE = "https://graph.microsoft.com/.default"
_REFRESH_MARGIN_S = 300.0


class TokenProvider(Protocol):
    async def token(self) -> str: ...

    def invalidate(self) -> None:
        """Forget the cached token (Graph refused it); the next call fetches a new one."""


class UserTokens(Protocol):
    """Each signed-in user's own Graph token (`GRAPH_PERMISSIONS=delegated`), by the user's
    Entra object id: the token service's, never another user's."""

    async def user_token(self, user_id: str) -> str:
        """The user's current token; `SignInRequired` when they have none (never signed in,
        signed out, consent revoked)."""

    def forget(self, user_id: str) -> None:
        """Graph refused the user's token: the next call asks the token service again."""


class TokenError(Exception):
    """No token: the identity platform refused (bad secret, unknown client or tenant) or could
    not be reached."""


class TokenCache:
    """A token and when to stop using it (five minutes before it expires); `lock` lets one
    refresh serve every caller that found it stale."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._token: str | None = None
        self._good_until = 0.0
        self.lock = asyncio.Lock()

    def get(self) -> str | None:
        return self._token if self._token and self._clock() < self._good_until else None

    def put(self, token: str, lifetime_s: float) -> str:
        self._token = token
        self._good_until = self._clock() + max(0.0, lifetime_s - _REFRESH_MARGIN_S)
        return token

    def clear(self) -> None:
        self._token = None
        self._good_until = 0.0


class MsalTokenProvider:
    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        authority: str,
        verify: str | bool = True,
        local_authority: bool = False,
        scope: str = GRAPH_SCOPE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`scope`: Graph's by default; the bot's own Bot Connector token uses this class too."""
        self._client_id = client_id
        self._client_secret = client_secret
        self._authority = authority
        self._verify = verify
        # A local (emulated) authority is not known to Microsoft's instance discovery.
        self._instance_discovery = False if local_authority else None
        self._scope = scope
        self._cache = TokenCache(clock)
        self._app: msal.ConfidentialClientApplication | None = None
        self._session: requests.Session | None = None

    def cached(self) -> str | None:
        """The token, if one is held and still good (for callers that cannot await)."""
        return self._cache.get()

    async def token(self) -> str:
        if (token := self._cache.get()) is not None:
            return token
        async with self._cache.lock:  # one refresh for all the requests that found it stale
            if (token := self._cache.get()) is not None:
                return token
            try:
                result = await asyncio.to_thread(self._acquire)
            except (requests.RequestException, ValueError) as exc:
                # The authority did not answer (network, TLS) or msal refused its metadata.
                raise TokenError(f"identity platform unreachable: {type(exc).__name__}") from exc
            if "access_token" not in result:
                raise TokenError(
                    f"{result.get('error', 'token_error')}: "
                    f"{str(result.get('error_description', ''))[:200]}"
                )
            return self._cache.put(
                str(result["access_token"]), float(result.get("expires_in", 3599))
            )

    def _http_client(self) -> requests.Session | None:
        if not isinstance(self._verify, str):
            return None  # msal's own session with the system CAs
        # A pinned CA file must win over REQUESTS_CA_BUNDLE, which requests otherwise prefers
        # to Session.verify (psf/requests#3829).
        session = requests.Session()
        session.trust_env = False
        session.verify = self._verify
        # trust_env off also drops HTTPS_PROXY, which a TLS-inspecting proxy (the reason for a
        # pinned CA) needs most: name it as every other outbound client does.
        proxy = proxy_for(self._authority)
        if proxy:
            session.proxies = {"https": proxy, "http": proxy}
        self._session = session
        return session

    def close(self) -> None:
        """Close the pinned session: a kept-alive connection would hold the server open."""
        if self._session is not None:
            self._session.close()

    def invalidate(self) -> None:
        self._cache.clear()

    def _acquire(self) -> dict[str, Any]:
        if self._app is None:  # built here: msal fetches the authority's metadata on creation
            self._app = msal.ConfidentialClientApplication(
                self._client_id,
                client_credential=self._client_secret,
                authority=self._authority,
                http_client=self._http_client(),
                instance_discovery=self._instance_discovery,
            )
        result: dict[str, Any] = self._app.acquire_token_for_client(scopes=[self._scope])
        return result
