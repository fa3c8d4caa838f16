"""A local Bot Framework channel identity: who signs the activities Teams posts to the bot, and
the login that gives the bot its own token for the Bot Connector.

The Bot Connector emulator serves it when built with one (`ConnectorEmulator(identity=...)`):

    GET  /v1/.well-known/openidconfiguration       OpenID metadata; `jwks_uri` names the keys
    GET  /v1/.well-known/keys                      the channel's signing keys (JWKS), each with
                                                   `endorsements` (the channel ids it may sign for)
    GET  /{tenant}/v2.0/.well-known/openid-configuration   the login's discovery (msal reads it)
    POST /{tenant}/oauth2/v2.0/token               client credentials: the bot's id and password
                                                   for a token with scope
                                                   `https://api.botframework.com/.default`

mirroring `login.botframework.com` and `login.microsoftonline.com/botframework.com`. Point the
bot at the first with `TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL` and at the login with
`TO_CHANNEL_FROM_BOT_LOGIN_URL` (`https://host:port/botframework.com`); msal talks only to an
https authority, so serve the emulator over TLS for the login (`emulators.tls`).

`channel_token(...)` mints what the Bot Framework Service sends in `Authorization`: RS256 with
the key's `kid`, `iss` https://api.botframework.com, `aud` the bot's app id, the `serviceurl`
the activity carries, `nbf`/`exp`. Every claim can be overridden and the key replaced, so tests
can forge each kind of bad token. `verify_bot_token` checks what the bot sends back to the
connector: a token this login issued (signature, audience, expiry, the bot's app id).

`metadata_gate` lets a test hold the OpenID metadata answer until it sets the event, to show
the bot keeps serving other requests while it waits for keys.
"""

from __future__ import annotations

import asyncio
import secrets
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from emulators.graph.identity import AadError, client_credentials, openid_configuration

CHANNEL_ISSUER = "https://api.botframework.com"
BOT_FRAMEWORK_AUDIENCE = "https://api.botframework.com"
BOT_FRAMEWORK_SCOPE = f"{BOT_FRAMEWORK_AUDIENCE}/.default"
LOGIN_TENANT = "botframework.com"
METADATA_PATH = "/v1/.well-known/openidconfiguration"
KEYS_PATH = "/v1/.well-known/keys"
# The Bot Framework login's tenant, as the `tid` of its tokens.
_BOT_FRAMEWORK_TENANT_ID = "d6d49420-f39b-4df7-a1dc-d59a935871db"


@dataclass(frozen=True)
class SigningKey:
    """An RSA key pair with its `kid` and the channels it is endorsed for."""

    kid: str
    private_key: rsa.RSAPrivateKey
    endorsements: tuple[str, ...] = ()

    @classmethod
    def generate(cls, endorsements: Iterable[str] = (), kid: str | None = None) -> SigningKey:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return cls(kid or uuid.uuid4().hex, key, tuple(endorsements))

    def jwk(self) -> dict[str, Any]:
        """The public half as the Bot Framework's JWKS lists it."""
        public: dict[str, Any] = RSAAlgorithm.to_jwk(self.private_key.public_key(), as_dict=True)
        return public | {"kid": self.kid, "use": "sig", "endorsements": list(self.endorsements)}


class BotTokenRefused(Exception):
    """The connector's 401: no bot token, or one this login did not issue for the bot."""


_VERIFIED_MAX = 1024


def _wall_clock() -> float:
    """Now, as PyJWT reads it to check `iat`, `nbf` and `exp`."""
    return datetime.now(tz=UTC).timestamp()


@dataclass(frozen=True)
class _VerifiedToken:
    """A bot token whose signature (by `key`) and claims have been checked."""

    key: SigningKey
    claims: dict[str, Any]

    def check_times(self, now: float) -> None:
        """PyJWT's checks of `iat`, `nbf` and `exp` (in its order, with no leeway), which a
        token that passed them once can fail later (`exp`), or if the clock goes back."""
        claims = self.claims
        if "iat" in claims and int(claims["iat"]) > now:
            raise jwt.ImmatureSignatureError("The token is not yet valid (iat)")
        if "nbf" in claims and int(claims["nbf"]) > now:
            raise jwt.ImmatureSignatureError("The token is not yet valid (nbf)")
        if int(claims["exp"]) <= now:
            raise jwt.ExpiredSignatureError("Signature has expired")


@dataclass
class ChannelIdentity:
    """The channel's signing keys and the bot's login, for one bot (`app_id`, `app_password`)."""

    app_id: str
    app_password: str
    endorsements: tuple[str, ...] = ("msteams",)
    token_lifetime_s: int = 3600
    clock: Callable[[], float] = time.time
    channel_key: SigningKey = field(init=False)
    keys: list[SigningKey] = field(init=False)  # what /keys serves; tests may rotate it
    metadata_gate: asyncio.Event | None = None
    metadata_requests: int = 0
    keys_requests: int = 0
    token_requests: int = 0
    issued_tokens: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.channel_key = SigningKey.generate(self.endorsements)
        self.keys = [self.channel_key]
        self._login_key = SigningKey.generate()
        self._verified: dict[str, _VerifiedToken] = {}  # token -> its checked claims
        self._metadata_asked: tuple[asyncio.AbstractEventLoop, asyncio.Event] | None = None

    # --- what the channel sends -----------------------------------------------------------

    def channel_token(
        self,
        service_url: str,
        *,
        key: SigningKey | None = None,
        kid: str | None = None,
        expires_in: float = 3600,
        not_before: float = -60,
        **claims: Any,
    ) -> str:
        """A Bot Framework channel token for an activity with this `serviceUrl`.

        `key` signs (default: the channel's key) under `kid` (default: the key's own);
        `expires_in`/`not_before` are seconds from now; `claims` override or add claims
        (`aud=...`, `iss=...`, `serviceurl=...`; None removes one)."""
        signer = key or self.channel_key
        now = self.clock()
        payload: dict[str, Any] = {
            "iss": CHANNEL_ISSUER,
            "aud": self.app_id,
            "serviceurl": service_url,
            "nbf": int(now + not_before),
            "exp": int(now + expires_in),
        }
        payload.update(claims)
        payload = {name: value for name, value in payload.items() if value is not None}
        return jwt.encode(
            payload, signer.private_key, algorithm="RS256", headers={"kid": kid or signer.kid}
        )

    def authorization(self, service_url: str, **options: Any) -> dict[str, str]:
        """The `Authorization` header of a channel request (see `channel_token`)."""
        return {"Authorization": f"Bearer {self.channel_token(service_url, **options)}"}

    # --- what the bot sends back --------------------------------------------------------------

    def verify_bot_token(self, authorization: str | None) -> dict[str, Any]:
        """The claims of the bot token in an `Authorization` header, or BotTokenRefused.

        A bot sends the same token with every call until it expires, and checking its RS256
        signature cost more than the rest of the connector's work on a call. So a token whose
        signature and claims passed is remembered (for the login key that signed it, at most
        `_VERIFIED_MAX` tokens), and later calls with it only redo what depends on the time,
        as PyJWT does it (`iat` and `nbf` not in the future, `exp` not reached, on the same
        clock), and the app id check.
        """
        scheme, _, token = (authorization or "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise BotTokenRefused("no bearer token")
        verified = self._verified.get(token)
        if verified is None or verified.key is not self._login_key:
            verified = self._verify_signature_and_claims(token)
        else:
            try:
                verified.check_times(_wall_clock())
            except jwt.PyJWTError as error:
                raise BotTokenRefused(f"invalid token: {type(error).__name__}") from None
        if verified.claims["appid"] != self.app_id:
            raise BotTokenRefused("the token is not the bot's")
        return dict(verified.claims)

    def _verify_signature_and_claims(self, token: str) -> _VerifiedToken:
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self._login_key.private_key.public_key(),
                algorithms=["RS256"],
                audience=BOT_FRAMEWORK_AUDIENCE,
                options={"require": ["exp", "aud", "appid"]},
                leeway=0,
            )
        except jwt.PyJWTError as error:
            raise BotTokenRefused(f"invalid token: {type(error).__name__}") from None
        verified = _VerifiedToken(self._login_key, claims)
        if len(self._verified) >= _VERIFIED_MAX:
            del self._verified[next(iter(self._verified))]  # the oldest
        self._verified[token] = verified
        return verified

    # --- HTTP ---------------------------------------------------------------------------------

    def add_routes(self, router: web.UrlDispatcher) -> None:
        router.add_get(METADATA_PATH, self._metadata)
        router.add_get(KEYS_PATH, self._keys)
        router.add_get("/{tenant}/v2.0/.well-known/openid-configuration", self._login_discovery)
        router.add_post("/{tenant}/oauth2/v2.0/token", self._token)

    async def metadata_requested(self) -> None:
        """Return once the OpenID metadata has been asked for (at least once)."""
        if self.metadata_requests:
            return
        await self._asked_event(asyncio.get_running_loop()).wait()

    def _asked_event(self, loop: asyncio.AbstractEventLoop) -> asyncio.Event:
        if self._metadata_asked is None or self._metadata_asked[0] is not loop:
            self._metadata_asked = (loop, asyncio.Event())
        return self._metadata_asked[1]

    async def _metadata(self, request: web.Request) -> web.Response:
        self.metadata_requests += 1
        self._asked_event(asyncio.get_running_loop()).set()
        if self.metadata_gate is not None:
            await self.metadata_gate.wait()
        origin = str(request.url.origin())
        return web.json_response(
            {
                "issuer": CHANNEL_ISSUER,
                "authorization_endpoint": f"{origin}/v1/.well-known/authorize",
                "jwks_uri": f"{origin}{KEYS_PATH}",
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            }
        )

    async def _keys(self, request: web.Request) -> web.Response:
        self.keys_requests += 1
        return web.json_response({"keys": [key.jwk() for key in self.keys]})

    async def _login_discovery(self, request: web.Request) -> web.Response:
        origin = str(request.url.origin())
        return web.json_response(openid_configuration(origin, request.match_info["tenant"]))

    async def _token(self, request: web.Request) -> web.Response:
        self.token_requests += 1
        form = {key: str(value) for key, value in (await request.post()).items()}
        try:
            body = self._issue(form, request.headers.get("Authorization"))
        except AadError as error:
            return web.json_response(error.body(datetime.now(UTC)), status=error.status)
        return web.json_response(body)

    def _issue(self, form: Mapping[str, str], basic_auth: str | None) -> dict[str, Any]:
        client_id, secret = client_credentials(form, basic_auth)
        if form.get("grant_type") != "client_credentials":
            raise AadError(400, "unsupported_grant_type", 70003, "Only client_credentials.")
        if client_id != self.app_id:
            raise AadError(
                400,
                "unauthorized_client",
                700016,
                f"Application with identifier '{client_id}' was not found in the directory "
                f"'{LOGIN_TENANT}'.",
            )
        if not secret or not secrets.compare_digest(secret, self.app_password):
            raise AadError(401, "invalid_client", 7000215, "Invalid client secret provided.")
        if form.get("scope") != BOT_FRAMEWORK_SCOPE:
            raise AadError(
                400,
                "invalid_scope",
                1002012,
                f"The provided value for scope {form.get('scope')} is not valid.",
            )
        now = int(self.clock())
        token = jwt.encode(
            {
                "aud": BOT_FRAMEWORK_AUDIENCE,
                "iss": f"https://sts.windows.net/{_BOT_FRAMEWORK_TENANT_ID}/",
                "iat": now,
                "nbf": now,
                "exp": now + self.token_lifetime_s,
                "appid": self.app_id,
                "appidacr": "1",
                "tid": _BOT_FRAMEWORK_TENANT_ID,
                "ver": "1.0",
            },
            self._login_key.private_key,
            algorithm="RS256",
            headers={"kid": self._login_key.kid},
        )
        self.issued_tokens.append(token)
        return {
            "token_type": "Bearer",
            "expires_in": self.token_lifetime_s,
            "ext_expires_in": self.token_lifetime_s,
            "access_token": token,
        }
