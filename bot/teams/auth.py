"""Who may post to /api/messages: the Bot Framework channel, proven by its signed token.

With an app id configured, every activity must carry `Authorization: Bearer <JWT>` that

1. is RS256 and names its signing key (`kid`) among the channel's keys
   (`bot.teams.openid`, from `TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL`, default
   https://login.botframework.com/v1/.well-known/openidconfiguration);
2. comes from a key endorsed for the activity's channel (`msteams` among its `endorsements`);
3. carries a valid signature by that key;
4. was issued by https://api.botframework.com (`iss`);
5. is meant for this bot (`aud` = the app id);
6. is within its lifetime (`exp`, and `nbf` when present; 5 minutes of clock skew allowed,
   as botbuilder allows);
7. names the activity's `serviceUrl` in its `serviceurl` claim, so a token captured for one
   service cannot send the bot somewhere else.

Anything else is refused with `Unauthorized` (a `PermissionError`, which the HTTP edge answers
with 401) before any of the bot's code runs: no reply, no Graph call, no state written.

These are the checks botbuilder's `ChannelValidation` makes, made here because botbuilder's
path cannot be used as it is: its key cache blocks the event loop (`requests.get`), an unknown
`kid` crashes it (IndexError, a 500), a key with no endorsements passes any channel, and its
refusals are bare `Exception`s the edge cannot tell from bugs. Everything else stays
botbuilder's: `MeetbotAuthentication` is a `BotFrameworkAuthentication`, the interface
`CloudAdapter` is built on, that validates incoming tokens itself, hands out
`bot.teams.connector` clients for replies and proactive sends, and delegates the rest (user
token clients, skills' clients) to botbuilder's `ConfigurationBotFrameworkAuthentication`.

One check is Meetbot's own: a token that passes all seven must also come with an activity from
Teams (`channelId` `msteams`), else `ChannelNotServed` (403). The token binds the channel and
the `serviceUrl`, not the sender: a Web Chat or Direct Line client writes `from.aadObjectId` and
`channelData.tenant` itself, so on those channels anyone could name any user's calendar. Teams
fills both from the signed-in user. The tenant is then checked against `ALLOWED_TENANTS` by the
bot (`bot.teams.handler`).

Without an app id, authentication is off (local use): every request is anonymous, whatever
header it carries, as botbuilder does without one.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import jwt
from botbuilder.schema import Activity, CallerIdConstants
from botframework.connector.auth import (
    AuthenticateRequestResult,
    AuthenticationConstants,
    BotFrameworkAuthentication,
    ClaimsIdentity,
    ConnectorFactory,
    UserTokenClient,
)
from botframework.connector.skills import BotFrameworkClient

from bot.teams.openid import OpenIdKeys

log = logging.getLogger(__name__)

CHANNEL_ISSUER = "https://api.botframework.com"
CHANNEL_OPENID_METADATA_URL = "https://login.botframework.com/v1/.well-known/openidconfiguration"
TEAMS_CHANNEL = "msteams"
CLOCK_SKEW_S = 300
_ALGORITHMS = ["RS256"]


class Unauthorized(PermissionError):
    """The request is not from the channel for this bot; `reason` says which check failed."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"Unauthorized: {reason}")
        self.reason = reason


class ChannelNotServed(PermissionError):
    """A genuine channel token for an activity from another channel than Teams (Meetbot's own
    check, after the seven), answered with 403."""

    def __init__(self, channel: str | None) -> None:
        super().__init__(f"channel {channel!r} is not served: Meetbot serves Microsoft Teams only")
        self.channel = channel


class ChannelTokenValidator:
    """The checks in the module docstring, in that order."""

    def __init__(self, keys: OpenIdKeys, app_id: str, *, issuer: str = CHANNEL_ISSUER) -> None:
        self._keys = keys
        self._app_id = app_id
        self._issuer = issuer

    @property
    def keys(self) -> OpenIdKeys:
        return self._keys

    async def validate(self, authorization: str | None, activity: Activity) -> dict[str, Any]:
        """The token's claims, or Unauthorized."""
        token = _bearer(authorization)
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise Unauthorized("the token is not a JWT") from None
        if header.get("alg") not in _ALGORITHMS:
            raise Unauthorized(f"signing algorithm {header.get('alg')!r} is not allowed")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise Unauthorized("the token names no signing key")
        key = await self._keys.get(kid)
        if key is None:
            raise Unauthorized("the signing key is not one of the channel's")
        channel = activity.channel_id
        if not channel or channel not in key.endorsements:
            raise Unauthorized(f"the signing key is not endorsed for channel {channel!r}")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key.public_key,
                algorithms=_ALGORITHMS,
                audience=self._app_id,
                issuer=self._issuer,
                leeway=CLOCK_SKEW_S,
                options={"require": ["iss", "aud", "exp"]},
            )
        except jwt.PyJWTError as error:
            raise Unauthorized(_jwt_reason(error)) from None
        if claims.get(AuthenticationConstants.SERVICE_URL_CLAIM) != activity.service_url:
            raise Unauthorized("the serviceurl claim does not match the activity's serviceUrl")
        return claims


def _bearer(authorization: str | None) -> str:
    scheme, _, token = (authorization or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("no bearer token")
    return token.strip()


def _jwt_reason(error: jwt.PyJWTError) -> str:
    reasons: dict[type[jwt.PyJWTError], str] = {
        jwt.InvalidSignatureError: "bad signature",
        jwt.ExpiredSignatureError: "the token has expired",
        jwt.ImmatureSignatureError: "the token is not valid yet",
        jwt.InvalidAudienceError: "the token is for another audience",
        jwt.InvalidIssuerError: "the token is from another issuer",
        jwt.MissingRequiredClaimError: "the token lacks a required claim",
    }
    for kind, reason in reasons.items():
        if isinstance(error, kind):
            return reason
    return f"invalid token ({type(error).__name__})"


class MeetbotAuthentication(BotFrameworkAuthentication):  # type: ignore[misc]
    """botbuilder's authentication interface with Meetbot's incoming checks and outgoing
    connector clients (see the module docstring)."""

    def __init__(
        self,
        inner: BotFrameworkAuthentication,
        validator: ChannelTokenValidator | None,
        connectors: ConnectorFactory,
    ) -> None:
        self._inner = inner
        self._validator = validator
        self._connectors = connectors

    @property
    def enabled(self) -> bool:
        return self._validator is not None

    @property
    def channel_keys(self) -> OpenIdKeys | None:
        """The channel's signing keys (for `/healthz`), None when authentication is off."""
        return self._validator.keys if self._validator is not None else None

    async def authenticate_request(
        self, activity: Activity, auth_header: str
    ) -> AuthenticateRequestResult:
        result = AuthenticateRequestResult()
        if self._validator is None:
            result.claims_identity = ClaimsIdentity(
                {}, True, AuthenticationConstants.ANONYMOUS_AUTH_TYPE
            )
            result.caller_id = None
        else:
            try:
                claims = await self._validator.validate(auth_header, activity)
            except Unauthorized as refused:
                log.info("refused an activity: %s", refused.reason)
                raise
            if activity.channel_id != TEAMS_CHANNEL:
                refusal = ChannelNotServed(activity.channel_id)
                log.info("refused an activity: %s", refusal)
                raise refusal
            result.claims_identity = ClaimsIdentity(claims, True, "Bearer")
            result.caller_id = CallerIdConstants.public_azure_channel
        result.audience = AuthenticationConstants.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE
        result.connector_factory = self.create_connector_factory(result.claims_identity)
        return result

    async def authenticate_streaming_request(
        self, auth_header: str, channel_id_header: str
    ) -> AuthenticateRequestResult:
        raise Unauthorized("Meetbot takes activities over HTTP only")

    async def authenticate_channel_request(self, auth_header: str) -> ClaimsIdentity:
        raise Unauthorized("Meetbot is not a skill host")

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        # Replies and proactive sends always go out as this bot (its one token), whatever
        # identity botbuilder built for the turn.
        return self._connectors

    async def create_user_token_client(self, claims_identity: ClaimsIdentity) -> UserTokenClient:
        # botbuilder asks for one on every activity; building it builds an msrest client and
        # its retry policy, dear on every turn (REFERENCE.md). Meetbot's own sign-in (delegated
        # mode, `bot.teams.sso`) keeps one for the app, so this one is built only if something
        # in botbuilder actually calls it.
        return LazyUserTokenClient(lambda: self._inner.create_user_token_client(claims_identity))

    def create_bot_framework_client(self) -> BotFrameworkClient:
        return self._inner.create_bot_framework_client()

    def get_originating_audience(self) -> str:
        return str(self._inner.get_originating_audience())


class LazyUserTokenClient(UserTokenClient):  # type: ignore[misc]
    """A `UserTokenClient` that builds the real one on first use (most turns never use it)."""

    def __init__(self, build: Callable[[], Awaitable[UserTokenClient]]) -> None:
        self._build = build
        self._client: UserTokenClient | None = None

    async def _real(self) -> UserTokenClient:
        if self._client is None:
            self._client = await self._build()
        return self._client

    async def get_user_token(self, *args: Any, **kwargs: Any) -> Any:
        return await (await self._real()).get_user_token(*args, **kwargs)

    async def get_sign_in_resource(self, *args: Any, **kwargs: Any) -> Any:
        return await (await self._real()).get_sign_in_resource(*args, **kwargs)

    async def sign_out_user(self, *args: Any, **kwargs: Any) -> Any:
        return await (await self._real()).sign_out_user(*args, **kwargs)

    async def get_token_status(self, *args: Any, **kwargs: Any) -> Any:
        return await (await self._real()).get_token_status(*args, **kwargs)

    async def get_aad_tokens(self, *args: Any, **kwargs: Any) -> Any:
        return await (await self._real()).get_aad_tokens(*args, **kwargs)

    async def exchange_token(self, *args: Any, **kwargs: Any) -> Any:
        return await (await self._real()).exchange_token(*args, **kwargs)
