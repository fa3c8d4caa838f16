"""The bot's own token for the Bot Connector, fetched off the event loop and cached.

Replies and proactive sends carry `Authorization: Bearer <token>` from the Bot Framework login
(client credentials, scope `https://api.botframework.com/.default`). The authority is
`TO_CHANNEL_FROM_BOT_LOGIN_URL` when set (tenant included, as botbuilder's setting of that
name), else `https://login.microsoftonline.com/botframework.com`, or the bot's own tenant for a
SingleTenant bot. msal is blocking (`requests`), so it runs in a worker thread; the token is kept
until five minutes before it expires, so steady state costs no thread hop and no network.

A user-assigned managed identity has no secret: its token comes from botbuilder's
`ManagedIdentityAppCredentials` (msal's managed-identity client), in a thread as well.

(`bot.graph.auth.MsalTokenProvider` does the same for Graph's scope; once it takes the scope as
a parameter, `MsalBotTokens` can become one of those.)
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import jwt
import msal
import requests
from botframework.connector.auth import ManagedIdentityAppCredentials

from bot.settings import is_loopback_url

BOT_FRAMEWORK_AUDIENCE = "https://api.botframework.com"
BOT_FRAMEWORK_SCOPE = f"{BOT_FRAMEWORK_AUDIENCE}/.default"
DEFAULT_LOGIN_HOST = "https://login.microsoftonline.com"
MULTI_TENANT_LOGIN_TENANT = "botframework.com"
_REFRESH_MARGIN_S = 300.0


class BotTokenError(Exception):
    """No token: the login refused the bot's credentials or could not be reached."""


class BotTokens(Protocol):
    async def token(self) -> str:
        """A valid token (fetched when there is none or it is about to expire)."""

    def cached(self) -> str | None:
        """The last token fetched, if it is still valid (for botbuilder's blocking clients)."""

    def close(self) -> None: ...


def login_authority(login_url: str | None, single_tenant_id: str | None) -> str:
    """The authority the bot's token comes from (see the module docstring)."""
    if login_url:
        return login_url.rstrip("/")
    return f"{DEFAULT_LOGIN_HOST}/{single_tenant_id or MULTI_TENANT_LOGIN_TENANT}"


class _CachedToken:
    """The token and when to stop using it; one refresh at a time."""

    def __init__(self, clock: Callable[[], float]) -> None:
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


class MsalBotTokens:
    """Client-credentials tokens for an app id and password."""

    def __init__(
        self,
        *,
        app_id: str,
        password: str,
        authority: str,
        ca_file: Path | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._app_id = app_id
        self._password = password
        self._authority = authority
        self._ca_file = ca_file
        # Microsoft's instance discovery knows only Microsoft's hosts, not a local emulator.
        self._instance_discovery = False if is_loopback_url(authority) else None
        self._cache = _CachedToken(clock)
        self._app: msal.ConfidentialClientApplication | None = None
        self._session: requests.Session | None = None

    def cached(self) -> str | None:
        return self._cache.get()

    async def token(self) -> str:
        if (token := self._cache.get()) is not None:
            return token
        async with self._cache.lock:  # one fetch for all the calls that found it stale
            if (token := self._cache.get()) is not None:
                return token
            try:
                result = await asyncio.to_thread(self._acquire)
            except (requests.RequestException, ValueError) as error:
                raise BotTokenError(f"login unreachable: {type(error).__name__}") from error
            if "access_token" not in result:
                raise BotTokenError(
                    f"{result.get('error', 'token_error')}: "
                    f"{str(result.get('error_description', ''))[:200]}"
                )
            return self._cache.put(
                str(result["access_token"]), float(result.get("expires_in", 3599))
            )

    def close(self) -> None:
        """Close the pinned session: a kept-alive connection would hold the server open."""
        if self._session is not None:
            self._session.close()

    def _acquire(self) -> dict[str, Any]:
        if self._app is None:  # built here: msal fetches the authority's metadata on creation
            self._app = msal.ConfidentialClientApplication(
                self._app_id,
                client_credential=self._password,
                authority=self._authority,
                http_client=self._http_client(),
                instance_discovery=self._instance_discovery,
            )
        result: dict[str, Any] = self._app.acquire_token_for_client(scopes=[BOT_FRAMEWORK_SCOPE])
        return result

    def _http_client(self) -> requests.Session | None:
        if self._ca_file is None:
            return None  # msal's own session with the system CAs
        # A pinned CA file must win over REQUESTS_CA_BUNDLE, which requests otherwise prefers
        # to Session.verify (psf/requests#3829).
        session = requests.Session()
        session.trust_env = False
        session.verify = str(self._ca_file)
        self._session = session
        return session


class ManagedIdentityBotTokens:
    """Tokens of a user-assigned managed identity, through botbuilder's credentials."""

    def __init__(self, app_id: str, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._credentials = ManagedIdentityAppCredentials(app_id, BOT_FRAMEWORK_AUDIENCE)
        self._cache = _CachedToken(clock)

    def cached(self) -> str | None:
        return self._cache.get()

    async def token(self) -> str:
        if (token := self._cache.get()) is not None:
            return token
        async with self._cache.lock:
            if (token := self._cache.get()) is not None:
                return token
            try:
                token = str(await asyncio.to_thread(self._credentials.get_access_token))
            except Exception as error:  # msal's managed-identity errors have no common base
                raise BotTokenError(f"managed identity: {type(error).__name__}") from error
            return self._cache.put(token, _lifetime(token, time.time()))

    def close(self) -> None:
        pass


def _lifetime(token: str, now: float) -> float:
    """Seconds until the token's `exp` (read, not verified: it is our own token)."""
    try:
        expires = jwt.decode(token, options={"verify_signature": False}).get("exp")
    except jwt.PyJWTError:
        return 0.0
    return float(expires) - now if isinstance(expires, int | float) else 0.0
