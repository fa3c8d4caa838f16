"""The bot's own token for the Bot Connector, fetched off the event loop and cached.

Replies and proactive sends carry `Authorization: Bearer <token>` from the Bot Framework login
(client credentials, scope `https://api.botframework.com/.default`). The authority is
`TO_CHANNEL_FROM_BOT_LOGIN_URL` when set (tenant included, as botbuilder's setting of that
name), else `https://login.microsoftonline.com/botframework.com`, or the bot's own tenant for a
SingleTenant bot. msal is blocking (`requests`), so it runs in a worker thread; the token is kept
until five minutes before it expires, so steady state costs no thread hop and no network.

A user-assigned managed identity has no secret: its token comes from botbuilder's
`ManagedIdentityAppCredentials` (msal's managed-identity client), in a thread as well.

The password case is `bot.graph.auth.MsalTokenProvider` (Graph's tokens) with this scope.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import jwt
from botframework.connector.auth import ManagedIdentityAppCredentials

from bot.graph.auth import MsalTokenProvider, TokenCache
from bot.settings import is_loopback_url

BOT_FRAMEWORK_AUDIENCE = "https://api.botframework.com"
BOT_FRAMEWORK_SCOPE = f"{BOT_FRAMEWORK_AUDIENCE}/.default"
DEFAULT_LOGIN_HOST = "https://login.microsoftonline.com"
MULTI_TENANT_LOGIN_TENANT = "botframework.com"


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


def msal_bot_tokens(
    *,
    app_id: str,
    password: str,
    authority: str,
    ca_file: Path | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> MsalTokenProvider:
    """Client-credentials tokens for the bot's app id and password: the same msal provider as
    Graph's, with the Bot Framework's scope."""
    return MsalTokenProvider(
        client_id=app_id,
        client_secret=password,
        authority=authority,
        verify=str(ca_file) if ca_file is not None else True,
        # Microsoft's instance discovery knows only Microsoft's hosts, not a local emulator.
        local_authority=is_loopback_url(authority),
        scope=BOT_FRAMEWORK_SCOPE,
        clock=clock,
    )


class ManagedIdentityBotTokens:
    """Tokens of a user-assigned managed identity, through botbuilder's credentials."""

    def __init__(self, app_id: str, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._credentials = ManagedIdentityAppCredentials(app_id, BOT_FRAMEWORK_AUDIENCE)
        self._cache = TokenCache(clock)

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
