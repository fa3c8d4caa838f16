"""The slice of Microsoft Entra ID that msal's client-credentials flow talks to.

msal (`ConfidentialClientApplication(authority=..., instance_discovery=False)`) first reads
`{authority}/v2.0/.well-known/openid-configuration`, then posts the form
`grant_type=client_credentials&client_id&client_secret&scope&client_info=1` to the advertised
token endpoint and parses the JSON answer, errors included (msal/oauth2cli/oauth2.py). Errors
keep Entra's shape: `error`, `error_description` starting with `AADSTSnnnn:`, `error_codes`.

Those app tokens are opaque strings the issuer remembers. A signed-in user's (delegated) token
is a JWT instead, as Entra issues it for Graph: `delegated_token(...)` mints one with the
emulator's signing key (`oid` the user, `scp` the granted scopes, `tid` the tenant), and
`TokenIssuer.authenticate` accepts both kinds. Everything that hands a user a token for the
emulator (tests, the local Bot Framework token service) mints it with `delegated_token`.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal
from urllib.parse import unquote_plus

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from emulators.graph.config import GraphEmulatorConfig
from emulators.graph.errors import invalid_token

GRAPH_SCOPES = (
    "https://graph.microsoft.com/.default",
    "00000003-0000-0000-c000-000000000000/.default",
)
# The `aud` of a Graph access token: Graph's URI, or its app id (v1 and v2 tokens differ).
GRAPH_AUDIENCES = ("https://graph.microsoft.com", "00000003-0000-0000-c000-000000000000")
TokenKind = Literal["app", "delegated"]
_VERIFIED_MAX = 1024


@dataclass(frozen=True)
class IssuedToken:
    """Who an accepted access token speaks for: the app alone (`roles`), or a signed-in user
    (`oid`) through the app (`scopes`, the delegated permissions the user consented to)."""

    client_id: str
    roles: tuple[str, ...]
    expires_at: datetime
    oid: str | None = None
    scopes: tuple[str, ...] = ()

    @property
    def kind(self) -> TokenKind:
        return "app" if self.oid is None else "delegated"

    def grants(self, roles: Iterable[str], scopes: Iterable[str]) -> bool:
        """Whether an app token holds one of `roles`, or a delegated token one of `scopes`."""
        held = self.roles if self.oid is None else self.scopes
        return not set(held).isdisjoint(roles if self.oid is None else scopes)


@dataclass(frozen=True)
class TokenKey:
    """The RSA key the emulated Entra ID signs delegated tokens with, and its `kid`."""

    kid: str
    private_key: rsa.RSAPrivateKey

    @classmethod
    def generate(cls) -> TokenKey:
        return cls(uuid.uuid4().hex, rsa.generate_private_key(public_exponent=65537, key_size=2048))

    @classmethod
    def shared(cls, path: Path) -> TokenKey:
        """The key in the PEM file at `path`, made and written there first when there is none:
        how a Graph emulator and a token service in two processes sign and check with one key
        (`--signing-key`). Its `kid` is the public key's digest, the same in every process.
        ValueError when the file holds no RSA private key; OSError when it cannot be had."""
        try:
            pem = path.read_bytes()
        except FileNotFoundError:
            pem = _write_new_key(path)
        try:
            key = serialization.load_pem_private_key(pem, password=None)
        except (ValueError, TypeError) as error:
            raise ValueError("the file holds no unencrypted PEM private key") from error
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError("the file holds no RSA private key")
        public = key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return cls(hashlib.sha256(public).hexdigest()[:32], key)

    def jwk(self) -> dict[str, Any]:
        """The public half as Entra's `discovery/v2.0/keys` lists it."""
        public: dict[str, Any] = RSAAlgorithm.to_jwk(self.private_key.public_key(), as_dict=True)
        return public | {"kid": self.kid, "use": "sig"}


def _write_new_key(path: Path) -> bytes:
    """Write a fresh key to `path` (readable by this user only) unless another process just
    did; either way, the PEM that is there now."""
    pem = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(pem)
        # A link is made whole or not at all: two processes starting at once agree on one key.
        os.link(draft, path)
    except FileExistsError:
        return path.read_bytes()
    finally:
        draft.unlink(missing_ok=True)
    return pem


def issuer_of(tenant_id: str) -> str:
    """The `iss` of the tenant's v1 access tokens, the kind Graph receives."""
    return f"https://sts.windows.net/{tenant_id}/"


def delegated_token(
    key: TokenKey,
    user_oid: str,
    tenant_id: str,
    scopes: Iterable[str],
    *,
    client_id: str = "meetbot-local",
    now: datetime | None = None,
    lifetime_s: int = 3599,
    **claims: Any,
) -> str:
    """A delegated Graph access token for the user `user_oid`, signed by `key`.

    The claims are those of an Entra v1 access token for Graph
    (https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference):
    `scp` the consented scopes, space-separated; `oid` and `tid` the user and tenant; `appid`
    the app that asked. `claims` override or add claims (None removes one), so a test can mint
    a token for another audience or tenant.
    """
    issued = int((now or datetime.now(UTC)).timestamp())
    payload: dict[str, Any] = {
        "aud": GRAPH_AUDIENCES[0],
        "iss": issuer_of(tenant_id),
        "iat": issued,
        "nbf": issued,
        "exp": issued + lifetime_s,
        "appid": client_id,
        "oid": user_oid,
        "sub": user_oid,
        "tid": tenant_id,
        "scp": " ".join(scopes),
        "ver": "1.0",
    }
    payload.update(claims)
    payload = {name: value for name, value in payload.items() if value is not None}
    return jwt.encode(payload, key.private_key, algorithm="RS256", headers={"kid": key.kid})


class AadError(Exception):
    """A token-endpoint failure, answered in Entra ID's JSON error shape."""

    def __init__(self, status: int, error: str, code: int, description: str) -> None:
        super().__init__(f"AADSTS{code}: {description}")
        self.status = status
        self.error = error
        self.code = code
        self.description = description

    def body(self, now: datetime) -> dict[str, Any]:
        trace_id, correlation_id = str(uuid.uuid4()), str(uuid.uuid4())
        stamp = now.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%SZ")
        return {
            "error": self.error,
            "error_description": (
                f"AADSTS{self.code}: {self.description}\r\nTrace ID: {trace_id}\r\n"
                f"Correlation ID: {correlation_id}\r\nTimestamp: {stamp}"
            ),
            "error_codes": [self.code],
            "timestamp": stamp,
            "trace_id": trace_id,
            "correlation_id": correlation_id,
            "error_uri": f"https://login.microsoftonline.com/error?code={self.code}",
        }


def _missing(parameter: str) -> AadError:
    return AadError(
        400,
        "invalid_request",
        900144,
        f"The request body must contain the following parameter: '{parameter}'.",
    )


def openid_configuration(base_url: str, tenant_id: str) -> dict[str, Any]:
    root = f"{base_url}/{tenant_id}"
    return {
        "issuer": f"{root}/v2.0",
        "authorization_endpoint": f"{root}/oauth2/v2.0/authorize",
        "token_endpoint": f"{root}/oauth2/v2.0/token",
        "device_authorization_endpoint": f"{root}/oauth2/v2.0/devicecode",
        "end_session_endpoint": f"{root}/oauth2/v2.0/logout",
        "jwks_uri": f"{base_url}/{tenant_id}/discovery/v2.0/keys",
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "grant_types_supported": ["client_credentials"],
        "tenant_region_scope": "NA",
        "cloud_instance_name": "microsoftonline.com",
        "msgraph_host": "graph.microsoft.com",
    }


class TokenIssuer:
    """Checks client-credentials requests against the configured apps and remembers tokens."""

    def __init__(self, config: GraphEmulatorConfig, signing_key: TokenKey | None = None) -> None:
        self._config = config
        self._signing_key = signing_key
        self._tokens: dict[str, IssuedToken] = {}
        self._delegated: dict[str, IssuedToken] = {}  # JWTs whose signature has been checked

    @property
    def signing_key(self) -> TokenKey:
        """The key delegated tokens are signed with: the one given, else made when first
        needed (app-only use of the emulator never pays for an RSA key)."""
        if self._signing_key is None:
            self._signing_key = TokenKey.generate()
        return self._signing_key

    def issue(
        self, form: Mapping[str, str], basic_auth: str | None, now: datetime
    ) -> dict[str, Any]:
        """The token response for a token-endpoint form, or AadError."""
        client_id, secret = client_credentials(form, basic_auth)
        grant = form.get("grant_type")
        if not grant:
            raise _missing("grant_type")
        if grant != "client_credentials":
            raise AadError(
                400,
                "unsupported_grant_type",
                70003,
                f"The app requested an unsupported grant type '{grant}'.",
            )
        client_id = self._check_client(client_id, secret)
        _check_scope(form.get("scope"), self._config.tenant_id)
        lifetime = self._config.token_lifetime_s
        access_token = secrets.token_urlsafe(48)
        self._tokens[access_token] = IssuedToken(
            client_id=client_id,
            roles=self._config.roles_for(client_id),
            expires_at=now + timedelta(seconds=lifetime),
        )
        return {
            "token_type": "Bearer",
            "expires_in": lifetime,
            "ext_expires_in": lifetime,
            "access_token": access_token,
        }

    def _check_client(self, client_id: str | None, secret: str | None) -> str:
        """The client id, once it names a registered app and the secret matches."""
        if not client_id:
            raise _missing("client_id")
        expected = self._config.clients.get(client_id)
        if expected is None:
            raise AadError(
                400,
                "unauthorized_client",
                700016,
                f"Application with identifier '{client_id}' was not found in the directory "
                f"'{self._config.tenant_id}'. This can happen if the application has not been "
                "installed by the administrator of the tenant or consented to by any user in the "
                "tenant. You may have sent your authentication request to the wrong tenant.",
            )
        if not secret:
            raise AadError(
                401,
                "invalid_client",
                7000218,
                "The request body must contain the following parameter: 'client_assertion' or "
                "'client_secret'.",
            )
        if not secrets.compare_digest(secret, expected):
            raise AadError(
                401,
                "invalid_client",
                7000215,
                "Invalid client secret provided. Ensure the secret being sent in the request is "
                f"the client secret value, not the client secret ID, for a secret added to app "
                f"'{client_id}'.",
            )
        return client_id

    def issued(self) -> list[str]:
        """Every access token handed out so far (a test looks for them where they must not be)."""
        return list(self._tokens)

    def authenticate(self, authorization: str | None, now: datetime) -> IssuedToken:
        """The token behind an `Authorization: Bearer` header, or Graph's 401."""
        scheme, _, value = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise invalid_token("Access token is empty.")
        token = self._tokens.get(value.strip())
        if token is None and value.count(".") == 2:
            token = self._verified(value.strip(), now)
        if token is None:
            raise invalid_token("Invalid token")
        if now >= token.expires_at:
            raise invalid_token("Access token has expired or is not yet valid.")
        return token

    def _verified(self, value: str, now: datetime) -> IssuedToken:
        """A delegated JWT's user and scopes, once its signature, audience, issuer and tenant
        check out. Time is checked on the emulator's clock, not PyJWT's, and by the caller,
        so a remembered token expires like an app token."""
        token = self._delegated.get(value)
        if token is not None:
            return token
        tenant = self._config.tenant_id
        try:
            claims: dict[str, Any] = jwt.decode(
                value,
                self.signing_key.private_key.public_key(),
                algorithms=["RS256"],
                audience=list(GRAPH_AUDIENCES),
                issuer=issuer_of(tenant),
                options={
                    "require": ["exp", "nbf", "oid", "scp", "tid"],
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                },
            )
        except jwt.InvalidAudienceError:
            raise invalid_token("Access token validation failure. Invalid audience.") from None
        except jwt.PyJWTError:
            raise invalid_token("Invalid token") from None
        if claims["tid"] != tenant:
            raise invalid_token("Invalid token")
        if now.timestamp() < int(claims["nbf"]):
            raise invalid_token("Access token has expired or is not yet valid.")
        token = IssuedToken(
            client_id=str(claims.get("appid", "")),
            roles=(),
            expires_at=datetime.fromtimestamp(int(claims["exp"]), UTC),
            oid=str(claims["oid"]),
            scopes=tuple(str(claims["scp"]).split()),
        )
        if len(self._delegated) >= _VERIFIED_MAX:
            del self._delegated[next(iter(self._delegated))]  # the oldest
        self._delegated[value] = token
        return token


def client_credentials(
    form: Mapping[str, str], basic_auth: str | None
) -> tuple[str | None, str | None]:
    """Client id and secret from the form, or from HTTP Basic auth (RFC 6749 section 2.3.1)."""
    if basic_auth and basic_auth.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(basic_auth[6:].strip()).decode()
        except ValueError:
            decoded = ""
        user, _, password = decoded.partition(":")
        return unquote_plus(user) or form.get("client_id"), unquote_plus(password) or None
    return form.get("client_id"), form.get("client_secret")


def _check_scope(scope: str | None, tenant_id: str) -> None:
    if not scope:
        raise _missing("scope")
    requested = scope.split()
    if len(requested) != 1 or not requested[0].endswith("/.default"):
        raise AadError(
            400,
            "invalid_scope",
            1002012,
            f"The provided value for scope {scope} is not valid. Client credential flows must "
            "have a scope value with /.default suffixed to the resource identifier (application "
            "ID URI).",
        )
    if requested[0].lower() not in GRAPH_SCOPES:
        resource = requested[0].removesuffix("/.default")
        raise AadError(
            400,
            "invalid_resource",
            500011,
            f"The resource principal named {resource} was not found in the tenant named "
            f"{tenant_id}. This can happen if the application has not been installed by the "
            "administrator of the tenant or consented to by any user in the tenant.",
        )
