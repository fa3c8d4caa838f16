"""A local Bot Framework token service: where the bot gets its users' own Graph tokens.

It speaks the REST API that botbuilder's `UserTokenClient` calls (botframework-connector's
`token_api/operations/_user_token_operations.py` and `_bot_sign_in_operations.py`):

    GET    /api/usertoken/GetToken?userId&connectionName&channelId&code   200 TokenResponse | 404
    POST   /api/usertoken/exchange?userId&connectionName&channelId        {token} or {uri}
    GET    /api/usertoken/GetTokenStatus?userId&channelId&include        [TokenStatus]
    POST   /api/usertoken/GetAadTokens?userId&connectionName&channelId    {resourceUrls}
    DELETE /api/usertoken/SignOut?userId&connectionName&channelId
    GET    /api/botsignin/GetSignInResource?state&finalRedirect           SignInUrlResponse

With a `ChannelIdentity` every `/api/` call needs the bot token that identity's login issued
(401 otherwise), as the real service does; the identity's login and keys are served here too,
so one stand-in is enough for a bot that only needs tokens. A bot has one login, so beside a
connector emulator in the same process, hand both the same `ChannelIdentity`: then the token
its login issued is good for both.

Sign-in has the two paths Teams uses:

1. Single sign-on. The Teams client gets an SSO token for the OAuth card's
   `tokenExchangeResource.uri` (`api://<domain>/botid-<bot id>`) and sends it to the bot in a
   `signin/tokenExchange` invoke; the bot posts it to `exchange`. Here the client's side is
   `POST /_emulator/sso-token {"userId", "aadObjectId"}`, which mints such a token (a JWT signed
   by this stand-in, `aud` the resource uri, `oid` the user). An exchange of anything else, of an
   expired one, of a user whose consent was revoked, or after `fail_next_exchange()` answers 400
   with an ErrorResponse body: the bot then answers the invoke 412 and Teams shows its consent.
2. The sign-in link (`signin/verifyState`). The state `GetSignInResource` receives is botbuilder's
   base64 `TokenExchangeState`: its conversation reference names the user. Opening the
   `signInLink` signs that user in and shows a six-digit magic code; `GetToken` with that `code`
   stores and returns the token, only when its `userId` and `connectionName` are those the link
   was made for (another member of a group chat cannot redeem it: the answer is 404, and the
   code stays good for its user).

The tokens issued are JWTs for the local Graph emulator in the delegated shape of Graph's own
(Entra ID v1.0) tokens: `aud` https://graph.microsoft.com, `iss` https://sts.windows.net/{tid}/,
`tid`, `oid` (the user's Entra object id, the activity's `from.aadObjectId`), `appid` (the bot),
`scp` (space-separated delegated scopes), `exp`. The Graph emulator's app tokens are opaque and
remembered in its memory, which another process cannot share, so these are signed instead, by
this stand-in's key (`key`, which a test may hand to the Graph emulator too), published at
`GET /{tid}/discovery/v2.0/keys` (Entra's JWKS path) for whoever checks them.

Admin API (an emulator feature): `POST /_emulator/reset`, `GET /_emulator/tokens` (every token
issued), `POST /_emulator/faults {"exchange": n}` (the next n exchanges fail),
`POST /_emulator/consent/revoke {"aadObjectId"}` (the user's stored tokens go, and exchanges for
them fail until `POST /_emulator/consent/grant`), `POST /_emulator/sso-token`.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import jwt
from aiohttp import web

from emulators import json_body
from emulators.channel_identity import BotTokenRefused, ChannelIdentity
from emulators.graph.config import GraphEmulatorConfig
from emulators.graph.identity import TokenKey, delegated_token

GRAPH_AUDIENCE = "https://graph.microsoft.com"
DEFAULT_SCOPES = ("Calendars.ReadWrite", "OnlineMeetings.ReadWrite")
DEFAULT_DOMAIN = "meetbot.localhost"
DEFAULT_TENANT = GraphEmulatorConfig.tenant_id  # the local Graph emulator's tenant
_PROVIDER_ID = "AAD v2"  # what an Azure Bot OAuth connection to Entra ID names its provider


@dataclass(frozen=True)
class IssuedUserToken:
    """A Graph token handed to the bot for one user on one connection."""

    user_id: str
    aad_object_id: str
    connection_name: str
    channel_id: str
    token: str
    expires_at: float

    def response(self) -> dict[str, Any]:
        """The TokenResponse the REST API answers with."""
        expiration = datetime.fromtimestamp(self.expires_at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return {
            "channelId": self.channel_id,
            "connectionName": self.connection_name,
            "token": self.token,
            "expiration": expiration,
        }


@dataclass(frozen=True)
class _PendingSignIn:
    """A sign-in link someone opened: its magic code waits for `GetToken`."""

    user_id: str
    aad_object_id: str
    connection_name: str


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class TokenService:
    """The token service for one bot (`identity.app_id`), or for any caller without identity."""

    identity: ChannelIdentity | None = None
    tenant_id: str = DEFAULT_TENANT
    domain: str = DEFAULT_DOMAIN
    scopes: tuple[str, ...] = DEFAULT_SCOPES
    token_lifetime_s: int = 3600
    clock: Callable[[], float] = time.time
    key: TokenKey = field(default_factory=TokenKey.generate)
    issued: list[IssuedUserToken] = field(default_factory=list)
    unauthorized: int = 0
    app: web.Application = field(init=False)

    def __post_init__(self) -> None:
        self.reset()
        self.app = self._build_app()

    def reset(self) -> None:
        """Forget every token, pending sign-in, fault and revoked consent."""
        self.issued.clear()
        self._stored: dict[tuple[str, str, str], IssuedUserToken] = {}
        self._pending: dict[str, _PendingSignIn] = {}  # magic code -> who opened the link
        self._sign_ins: dict[str, _PendingSignIn] = {}  # sign-in link id -> for whom
        self._failing_exchanges = 0
        self._revoked: set[str] = set()

    # --- what the emulator can be told ----------------------------------------------------

    @property
    def app_id(self) -> str:
        return self.identity.app_id if self.identity is not None else "local-bot"

    @property
    def resource_uri(self) -> str:
        """The SSO resource Teams asks Entra ID for: the app's "Application ID URI"."""
        return f"api://{self.domain}/botid-{self.app_id}"

    def fail_next_exchange(self, times: int = 1) -> None:
        self._failing_exchanges += times

    def revoke_consent(self, aad_object_id: str) -> None:
        self._revoked.add(aad_object_id)
        for key, stored in list(self._stored.items()):
            if stored.aad_object_id == aad_object_id:
                del self._stored[key]

    def grant_consent(self, aad_object_id: str) -> None:
        self._revoked.discard(aad_object_id)

    def sso_token(self, user_id: str, aad_object_id: str, *, expires_in: float = 3600) -> str:
        """The token a Teams client holds for the bot's resource, signed in as this user."""
        now = int(self.clock())
        return jwt.encode(
            {
                "aud": self.resource_uri,
                "iss": f"https://login.microsoftonline.com/{self.tenant_id}/v2.0",
                "tid": self.tenant_id,
                "oid": aad_object_id,
                "sub": user_id,
                "scp": "access_as_user",
                "iat": now,
                "nbf": now,
                "exp": int(now + expires_in),
            },
            self.key.private_key,
            algorithm="RS256",
            headers={"kid": self.key.kid},
        )

    def stored(self, user_id: str, connection_name: str, channel_id: str) -> str | None:
        """The token the service holds for the user now, if any."""
        found = self._stored.get((user_id, connection_name, channel_id))
        if found is None or found.expires_at <= self.clock():
            return None
        return found.token

    # --- the service ------------------------------------------------------------------------

    def _issue(
        self, user_id: str, aad_object_id: str, connection_name: str, channel_id: str
    ) -> IssuedUserToken:
        now = int(self.clock())
        expires_at = now + self.token_lifetime_s
        # Graph's access tokens are Entra ID v1.0 tokens, whatever endpoint issued them: the
        # Graph emulator's own delegated shape, so one minting serves both stand-ins.
        token = delegated_token(
            self.key,
            aad_object_id,
            self.tenant_id,
            self.scopes,
            client_id=self.app_id,
            now=datetime.fromtimestamp(now, UTC),
            lifetime_s=self.token_lifetime_s,
            sub=None,
        )
        issued = IssuedUserToken(
            user_id, aad_object_id, connection_name, channel_id, token, expires_at
        )
        self.issued.append(issued)
        self._stored[(user_id, connection_name, channel_id)] = issued
        return issued

    def _exchange(
        self,
        user_id: str,
        connection_name: str,
        channel_id: str,
        sso_token: str | None,
        uri: str | None = None,
    ) -> IssuedUserToken | str:
        """The token for an SSO token (or, for the resource `uri`, the one already held), or
        why the exchange failed."""
        if self._failing_exchanges:
            self._failing_exchanges -= 1
            return "The token exchange failed (injected by the emulator)."
        if not sso_token and uri == self.resource_uri:
            held = self._stored.get((user_id, connection_name, channel_id))
            if held is not None and held.expires_at > self.clock():
                return held
            return "No token is held for this user and resource."
        if not sso_token:
            return "The exchange request carries no token."
        try:
            claims = jwt.decode(
                sso_token,
                self.key.private_key.public_key(),
                algorithms=["RS256"],
                audience=self.resource_uri,
                # The times are checked on the service's clock, which a test may set.
                options={
                    "require": ["exp", "aud", "oid"],
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                },
            )
        except jwt.PyJWTError as error:
            return f"The token is not exchangeable: {type(error).__name__}."
        now = self.clock()
        if int(claims["exp"]) <= now:
            return "The token is not exchangeable: it has expired."
        if int(claims.get("nbf", 0)) > now:
            return "The token is not exchangeable: it is not valid yet."
        oid = str(claims["oid"])
        if oid in self._revoked:
            return "consent_required: the user has not consented to the connection's scopes."
        return self._issue(user_id, oid, connection_name, channel_id)

    # --- HTTP ---------------------------------------------------------------------------------

    def _build_app(self) -> web.Application:
        app = web.Application()
        router = app.router
        router.add_get("/api/usertoken/GetToken", self._guarded(self._get_token))
        router.add_post("/api/usertoken/exchange", self._guarded(self._exchange_route))
        router.add_get("/api/usertoken/GetTokenStatus", self._guarded(self._token_status))
        router.add_post("/api/usertoken/GetAadTokens", self._guarded(self._aad_tokens))
        router.add_delete("/api/usertoken/SignOut", self._guarded(self._sign_out))
        router.add_get("/api/botsignin/GetSignInResource", self._guarded(self._sign_in_resource))
        router.add_get("/api/oauth/signin", self._open_sign_in_link)
        router.add_get("/{tenant}/discovery/v2.0/keys", self._keys)
        router.add_post("/_emulator/reset", self._admin_reset)
        router.add_get("/_emulator/tokens", self._admin_tokens)
        router.add_post("/_emulator/faults", self._admin_faults)
        router.add_post("/_emulator/consent/revoke", self._admin_revoke)
        router.add_post("/_emulator/consent/grant", self._admin_grant)
        router.add_post("/_emulator/sso-token", self._admin_sso_token)
        if self.identity is not None:
            self.identity.add_routes(router)
        return app

    def _guarded(self, handler: Handler) -> Handler:
        """`handler` behind the bot-token check, when there is an identity."""

        async def guarded(request: web.Request) -> web.StreamResponse:
            if self.identity is not None:
                try:
                    self.identity.verify_bot_token(request.headers.get("Authorization"))
                except BotTokenRefused:
                    self.unauthorized += 1
                    return web.json_response(
                        {"message": "Authorization has been denied for this request."},
                        status=401,
                    )
            return await handler(request)

        return guarded

    async def _get_token(self, request: web.Request) -> web.Response:
        user_id, connection, channel = _user_query(request)
        code = request.query.get("code")
        if code:
            pending = self._pending.get(code)
            # Only the user the link was opened for redeems its code, on its connection: in a
            # group chat every member sees the card, and another's verifyState names them.
            if pending is not None and (pending.user_id, pending.connection_name) == (
                user_id,
                connection,
            ):
                del self._pending[code]
                if pending.aad_object_id not in self._revoked:
                    self._issue(user_id, pending.aad_object_id, connection, channel)
        found = self._stored.get((user_id, connection, channel))
        if found is None or found.expires_at <= self.clock():
            # botbuilder deserializes the 404 as a TokenResponse with no token.
            return web.json_response({}, status=404)
        return web.json_response(found.response())

    async def _exchange_route(self, request: web.Request) -> web.Response:
        user_id, connection, channel = _user_query(request)
        body = await _json_object(request)
        outcome = self._exchange(
            user_id, connection, channel, _text(body.get("token")), _text(body.get("uri"))
        )
        if isinstance(outcome, str):
            return web.json_response(_error("BadArgument", outcome, 400), status=400)
        return web.json_response(outcome.response())

    async def _token_status(self, request: web.Request) -> web.Response:
        user_id = request.query.get("userId", "")
        channel = request.query.get("channelId", "")
        connections = {
            name for (user, name, chan) in self._stored if (user, chan) == (user_id, channel)
        }
        include = {name for name in request.query.get("include", "").split(",") if name}
        if include:
            connections &= include
        return web.json_response(
            [
                {
                    "channelId": channel,
                    "connectionName": name,
                    "hasToken": self.stored(user_id, name, channel) is not None,
                    "serviceProviderDisplayName": "Azure Active Directory v2",
                }
                for name in sorted(connections)
            ]
        )

    async def _aad_tokens(self, request: web.Request) -> web.Response:
        user_id, connection, channel = _user_query(request)
        body = await _json_object(request)
        found = self._stored.get((user_id, connection, channel))
        urls = body.get("resourceUrls")
        if found is None or not isinstance(urls, list):
            return web.json_response({})
        return web.json_response({str(url): found.response() for url in urls})

    async def _sign_out(self, request: web.Request) -> web.Response:
        user_id, connection, channel = _user_query(request)
        for key in list(self._stored):
            # No connectionName signs the user out of every connection.
            if key[0] == user_id and key[2] == channel and connection in ("", key[1]):
                del self._stored[key]
        return web.json_response({})

    async def _sign_in_resource(self, request: web.Request) -> web.Response:
        state = _decode_state(request.query.get("state", ""))
        # Without an identity any bot may ask (a local bot has no app id to name).
        if state is None or (self.identity is not None and state.get("msAppId") != self.app_id):
            return web.json_response(_error("BadArgument", "state is not valid", 400), status=400)
        user = (state.get("conversation") or {}).get("user") or {}
        link_id = secrets.token_urlsafe(16)
        self._sign_ins[link_id] = _PendingSignIn(
            user_id=str(user.get("id", "")),
            aad_object_id=str(user.get("aadObjectId", "")),
            connection_name=str(state.get("connectionName", "")),
        )
        origin = str(request.url.origin())
        return web.json_response(
            {
                "signInLink": f"{origin}/api/oauth/signin?signin={link_id}",
                "tokenExchangeResource": {
                    "id": secrets.token_hex(16),
                    "uri": self.resource_uri,
                    "providerId": _PROVIDER_ID,
                },
                "tokenPostResource": {"sasUrl": f"{origin}/api/oauth/PostToken?id={link_id}"},
            }
        )

    async def _open_sign_in_link(self, request: web.Request) -> web.Response:
        """What the user's browser shows after signing in: the magic code to type in Teams."""
        sign_in = self._sign_ins.get(request.query.get("signin", ""))
        if sign_in is None:
            return web.Response(status=404, text="This sign-in link is not valid.")
        code = f"{secrets.randbelow(1_000_000):06d}"
        self._pending[code] = sign_in
        return web.Response(
            text=f"Signed in. Type this code in the conversation: {code}\n",
            headers={"X-Magic-Code": code},
        )

    async def _keys(self, request: web.Request) -> web.Response:
        return web.json_response({"keys": [self.key.jwk()]})

    async def _admin_reset(self, request: web.Request) -> web.Response:
        self.reset()
        return web.json_response({})

    async def _admin_tokens(self, request: web.Request) -> web.Response:
        return web.json_response(
            [
                {
                    "userId": token.user_id,
                    "aadObjectId": token.aad_object_id,
                    "connectionName": token.connection_name,
                    "channelId": token.channel_id,
                    "token": token.token,
                }
                for token in self.issued
            ]
        )

    async def _admin_faults(self, request: web.Request) -> web.Response:
        times = (await _json_object(request)).get("exchange")
        if not isinstance(times, int) or isinstance(times, bool) or times < 1:
            raise web.HTTPBadRequest(text='expected {"exchange": a positive integer}')
        self.fail_next_exchange(times)
        return web.json_response({})

    async def _admin_revoke(self, request: web.Request) -> web.Response:
        self.revoke_consent(_required(await _json_object(request), "aadObjectId"))
        return web.json_response({})

    async def _admin_grant(self, request: web.Request) -> web.Response:
        self.grant_consent(_required(await _json_object(request), "aadObjectId"))
        return web.json_response({})

    async def _admin_sso_token(self, request: web.Request) -> web.Response:
        body = await _json_object(request)
        token = self.sso_token(_required(body, "userId"), _required(body, "aadObjectId"))
        return web.json_response({"token": token})


def _user_query(request: web.Request) -> tuple[str, str, str]:
    query = request.query
    return query.get("userId", ""), query.get("connectionName", ""), query.get("channelId", "")


def _error(code: str, message: str, status: int) -> dict[str, Any]:
    """The token service's ErrorResponse (`token_api/models`: Error, InnerHttpError)."""
    return {
        "error": {
            "code": code,
            "message": message,
            "innerHttpError": {"statusCode": status, "body": message},
        }
    }


async def _json_object(request: web.Request) -> dict[str, Any]:
    raw = await request.read()
    try:
        body = json_body.loads(raw) if raw else {}
    except ValueError:
        raise web.HTTPBadRequest(text="the body is not JSON") from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="the body is not a JSON object")
    return body


def _required(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value:
        raise web.HTTPBadRequest(text=f"expected a string {name!r}")
    return value


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _decode_state(state: str) -> dict[str, Any] | None:
    """botbuilder's TokenExchangeState (`UserTokenClient.create_token_exchange_state`)."""
    try:
        decoded = json.loads(base64.b64decode(state, validate=True))
    except (binascii.Error, ValueError):
        return None
    return decoded if isinstance(decoded, dict) else None
