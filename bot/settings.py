"""Settings from the environment (and an optional `.env`), checked once at start-up.

The Bot Framework names (`MicrosoftAppId`, ...) are kept as Azure's templates spell them so an
existing App Service configuration works unchanged. Graph credentials default to the bot's own
Entra registration. With no Graph credentials Meetbot runs in local mode against its built-in
Graph emulator.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    AliasChoices,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_GRAPH_BASE_URL = "https://graph.microsoft.com/v1.0"
DEFAULT_AUTHORITY_HOST = "https://login.microsoftonline.com"
# An Entra tenant id as Teams sends it in `channelData.tenant.id`.
_TENANT_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# The last segment of a Graph root: `v1.0` or `beta` (every national cloud uses the same).
_GRAPH_VERSION = re.compile(r"v\d+(\.\d+)?|beta")


class SettingsError(ValueError):
    """An inconsistent configuration; the message is one line that names the variable."""


class GraphPermissions(StrEnum):
    """How Meetbot is allowed into Graph (the admin's choice, `docs/deploy.md`): as the app,
    with application permissions, on `/users/{id}/...`; or as each signed-in user, with
    delegated permissions and the user's own token, on `/me/...`."""

    APPLICATION = "application"
    DELEGATED = "delegated"


class AppType(StrEnum):
    MULTI_TENANT = "MultiTenant"
    SINGLE_TENANT = "SingleTenant"
    USER_ASSIGNED_MSI = "UserAssignedMSI"


def _iana_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{name!r} is not an IANA time zone name such as Europe/Berlin") from None
    return name


def _env(name: str) -> Any:
    return Field(default=None, validation_alias=AliasChoices(name))


class Settings(BaseSettings):
    """Every setting Meetbot reads. The README's configuration table mirrors this class."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    microsoft_app_id: str | None = _env("MicrosoftAppId")
    microsoft_app_password: SecretStr | None = _env("MicrosoftAppPassword")
    microsoft_app_type: AppType = Field(
        default=AppType.MULTI_TENANT, validation_alias=AliasChoices("MicrosoftAppType")
    )
    microsoft_app_tenant_id: str | None = _env("MicrosoftAppTenantId")
    graph_tenant_id: str | None = _env("GRAPH_TENANT_ID")
    graph_client_id: str | None = _env("GRAPH_CLIENT_ID")
    graph_client_secret: SecretStr | None = _env("GRAPH_CLIENT_SECRET")
    graph_base_url: str | None = _env("GRAPH_BASE_URL")
    graph_permissions: GraphPermissions = Field(
        default=GraphPermissions.APPLICATION, validation_alias=AliasChoices("GRAPH_PERMISSIONS")
    )
    # The Azure Bot's OAuth connection (delegated mode): users sign in through it.
    oauth_connection_name: str | None = _env("OAUTH_CONNECTION_NAME")
    # The Bot Framework token service; unset: botbuilder's (https://api.botframework.com).
    oauth_url: str | None = _env("OAUTH_URL")
    graph_authority_host: str = Field(
        default=DEFAULT_AUTHORITY_HOST, validation_alias=AliasChoices("GRAPH_AUTHORITY_HOST")
    )
    graph_ca_bundle: Path | None = _env("GRAPH_CA_BUNDLE")
    database_url: str = Field(
        default="sqlite:///meetbot.db", validation_alias=AliasChoices("DATABASE_URL")
    )
    host: str | None = _env("HOST")
    port: int = Field(default=3978, ge=0, le=65535, validation_alias=AliasChoices("PORT"))
    log_level: str = Field(default="INFO", validation_alias=AliasChoices("LOG_LEVEL"))
    log_format: Literal["json", "text"] = Field(
        default="json", validation_alias=AliasChoices("LOG_FORMAT")
    )
    teams_app_id: str | None = _env("TEAMS_APP_ID")
    allowed_tenants: str | None = _env("ALLOWED_TENANTS")  # comma-separated tenant ids
    bot_openid_metadata_url: str | None = _env("TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL")
    bot_login_url: str | None = _env("TO_CHANNEL_FROM_BOT_LOGIN_URL")
    bot_ca_bundle: Path | None = _env("BOT_CA_BUNDLE")
    bot_domain: str | None = _env("BOT_DOMAIN")
    store_timeout_seconds: float = Field(
        default=5.0, gt=0, le=60, validation_alias=AliasChoices("STORE_TIMEOUT_SECONDS")
    )  # one store call, PostgreSQL's pool wait included; then StoreUnavailable
    reminder_minutes: int = Field(
        default=10, ge=0, le=1440, validation_alias=AliasChoices("REMINDER_MINUTES")
    )
    teams_send_rate: float = Field(
        default=48.0, gt=0, le=1000, validation_alias=AliasChoices("TEAMS_SEND_RATE")
    )
    reminder_lease_seconds: float = Field(
        default=60.0, ge=1, le=3600, validation_alias=AliasChoices("REMINDER_LEASE_SECONDS")
    )
    reminder_poll_seconds: float = Field(
        default=5.0, gt=0, le=300, validation_alias=AliasChoices("REMINDER_POLL_SECONDS")
    )
    watch_interval_minutes: float = Field(
        default=5.0, gt=0, le=1440, validation_alias=AliasChoices("WATCH_INTERVAL_MINUTES")
    )
    retention_days: float = Field(
        default=30.0, ge=0, le=36500, validation_alias=AliasChoices("RETENTION_DAYS")
    )  # 0 keeps finished reminders and meetings forever
    # The zone for a sender whose client names none (`localTimezone`); the card names it.
    default_timezone: Annotated[str, AfterValidator(_iana_zone)] = Field(
        default="UTC", validation_alias=AliasChoices("DEFAULT_TIMEZONE")
    )

    @field_validator("database_url")
    @classmethod
    def _known_engine(cls, value: str) -> str:
        if not value.startswith(("sqlite:///", "postgresql://", "postgres://")):
            raise ValueError(
                "must be sqlite:///path.db or postgresql://user:password@host:port/database"
            )
        try:
            _ = urlsplit(value).port  # reading it checks it
        except ValueError:
            raise ValueError("its port is not a number from 0 to 65535") from None
        return value

    @field_validator("allowed_tenants")
    @classmethod
    def _tenant_ids(cls, value: str | None) -> str | None:
        # Teams names tenants by GUID only: a domain here would silently refuse everyone.
        for tenant in (value or "").split(","):
            if tenant.strip() and not _TENANT_ID.fullmatch(tenant.strip().lower()):
                raise ValueError(
                    f"{tenant.strip()!r} is not a tenant ID: list Directory (tenant) IDs, "
                    "such as 72f988bf-86f1-41af-91ab-2d7cd011db47"
                )
        return value

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: Any) -> Any:
        # An empty variable (`MicrosoftAppId=`) means "not set", as in Azure's templates.
        return None if isinstance(value, str) and not value.strip() else value


@dataclass(frozen=True, slots=True)
class GraphCredentials:
    tenant_id: str
    client_id: str
    client_secret: str
    authority_host: str


@dataclass(frozen=True, slots=True)
class RuntimeConfig:
    """What start-up decided from the settings: who we are, where Graph is, where to listen."""

    settings: Settings
    graph: GraphCredentials | None  # None: local mode
    graph_base_url: str | None  # None in local mode: start our own emulator
    host: str
    host_given: bool
    auth_enabled: bool

    @property
    def local_mode(self) -> bool:
        """Meetings are simulated: Graph is an emulator (no app credentials, no real Graph)."""
        return self.graph is None and (
            self.graph_base_url is None or is_loopback_url(self.graph_base_url)
        )

    @property
    def delegated(self) -> bool:
        """Graph is called as each signed-in user (`GRAPH_PERMISSIONS=delegated`)."""
        return self.settings.graph_permissions is GraphPermissions.DELEGATED


def allowed_tenants(settings: Settings) -> frozenset[str] | None:
    """The tenants Meetbot serves (lower-case ids), or None when any tenant may use it."""
    if not settings.allowed_tenants:
        return None
    return frozenset(t.strip().lower() for t in settings.allowed_tenants.split(",") if t.strip())


def secret_values(settings: Settings) -> list[str]:
    """Every configured secret, for the log formatter to mask wherever it might appear."""
    values = [_secret(settings.microsoft_app_password), _secret(settings.graph_client_secret)]
    database_password = urlsplit(settings.database_url).password
    return [value for value in (*values, database_password) if value]


def load_settings(**overrides: Any) -> Settings:
    """Read settings; a malformed value becomes one `SettingsError` line naming the variable."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]) if first["loc"] else "settings"
        message = str(first["msg"]).removeprefix("Value error, ")  # pydantic's prefix
        raise SettingsError(f"{name}: {message}") from None


def resolve(settings: Settings) -> RuntimeConfig:
    """Check the settings hang together and decide local or cloud mode."""
    app_id = settings.microsoft_app_id
    app_password = _secret(settings.microsoft_app_password)
    if app_password and not app_id:
        raise SettingsError("MicrosoftAppPassword is set but MicrosoftAppId is empty")
    if (
        settings.microsoft_app_type is AppType.SINGLE_TENANT
        and not settings.microsoft_app_tenant_id
    ):
        raise SettingsError("MicrosoftAppTenantId is required when MicrosoftAppType=SingleTenant")
    if app_id and not app_password and settings.microsoft_app_type is not AppType.USER_ASSIGNED_MSI:
        raise SettingsError("MicrosoftAppPassword is required when MicrosoftAppId is set")

    msi = settings.microsoft_app_type is AppType.USER_ASSIGNED_MSI
    if msi and not settings.microsoft_app_tenant_id:
        raise SettingsError(
            "MicrosoftAppTenantId is required when MicrosoftAppType=UserAssignedMSI"
        )
    delegated = settings.graph_permissions is GraphPermissions.DELEGATED
    if delegated and not settings.oauth_connection_name:
        raise SettingsError(
            "OAUTH_CONNECTION_NAME is required when GRAPH_PERMISSIONS=delegated: users sign in "
            "through the Azure Bot's OAuth connection"
        )
    if delegated and (settings.graph_client_id or settings.graph_client_secret):
        # App credentials would be a second, wider way into every mailbox, unused.
        raise SettingsError(
            "GRAPH_CLIENT_ID and GRAPH_CLIENT_SECRET are for GRAPH_PERMISSIONS=application; "
            "with delegated permissions Meetbot uses each user's own token: unset them"
        )
    # Delegated: no app-only Graph credentials at all (not even the bot's own, which
    # application mode falls back to).
    graph = None if delegated else _graph_credentials(settings, app_id, app_password)
    if msi and graph is None and not delegated:
        # A managed identity has no secret for Graph: without these, a deployed bot would fall
        # back to local mode and only simulate meetings.
        raise SettingsError(
            "GRAPH_CLIENT_ID and GRAPH_CLIENT_SECRET are required when "
            "MicrosoftAppType=UserAssignedMSI"
        )
    graph_base_url = settings.graph_base_url
    if delegated and app_id and graph_base_url is None:
        graph_base_url = DEFAULT_GRAPH_BASE_URL  # a real bot: the real Graph, as its users
    if delegated and graph_base_url and not is_loopback_url(graph_base_url):
        if not app_id:
            raise SettingsError(
                "MicrosoftAppId is required when GRAPH_PERMISSIONS=delegated reaches a real "
                "Graph: the token service gives users' tokens only to an authenticated bot"
            )
    elif graph is None:
        if graph_base_url and not is_loopback_url(graph_base_url):
            raise SettingsError(
                "GRAPH_BASE_URL points away from this machine but GRAPH_CLIENT_ID and "
                "GRAPH_CLIENT_SECRET are not set"
            )
    elif graph_base_url is None:
        graph_base_url = DEFAULT_GRAPH_BASE_URL
    if graph_base_url is not None:
        real = graph is not None or not is_loopback_url(graph_base_url)
        graph_base_url = _checked_graph_base_url(graph_base_url, real=real)

    auth_enabled = bool(app_id)
    if graph is not None and not auth_enabled and _real_tenant(graph, graph_base_url):
        # Without an app id anyone who reaches the port (a tunnel forwards to loopback) could
        # post activities naming any user's aadObjectId and act on that user's calendar.
        raise SettingsError(
            "MicrosoftAppId is required when Graph credentials reach a real tenant: without it "
            "incoming requests are not authenticated and anyone who reaches the port could "
            "act on any user's calendar"
        )
    host_given = settings.host is not None
    host = settings.host or ("0.0.0.0" if auth_enabled else "127.0.0.1")  # noqa: S104
    return RuntimeConfig(
        settings=settings,
        graph=graph,
        graph_base_url=graph_base_url,
        host=host,
        host_given=host_given,
        auth_enabled=auth_enabled,
    )


def _checked_graph_base_url(url: str, *, real: bool) -> str:
    """GRAPH_BASE_URL as the client joins paths to it, or a `SettingsError` now rather than a
    failure at the first message."""
    parts = urlsplit(url.rstrip("/"))
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise SettingsError(
            f"GRAPH_BASE_URL: {url!r} is not a URL such as {DEFAULT_GRAPH_BASE_URL}"
        )
    if real and parts.scheme != "https" and not is_loopback_url(url):
        raise SettingsError(
            f"GRAPH_BASE_URL must be https:// for a real tenant (got {url!r}): the app's "
            "tokens would cross the network in clear text"
        )
    if not _GRAPH_VERSION.fullmatch(parts.path.rsplit("/", 1)[-1]):
        raise SettingsError(
            f"GRAPH_BASE_URL must end in the API version (v1.0), as in {DEFAULT_GRAPH_BASE_URL}"
        )
    return url.rstrip("/")


def _real_tenant(graph: GraphCredentials, graph_base_url: str | None) -> bool:
    """Whether Graph calls or Graph tokens leave this machine (anything but an emulator on
    loopback, where both the base URL and the authority are loopback)."""
    return not (
        graph_base_url is not None
        and is_loopback_url(graph_base_url)
        and is_loopback_url(graph.authority_host)
    )


def _graph_credentials(
    settings: Settings, app_id: str | None, app_password: str | None
) -> GraphCredentials | None:
    explicit_secret = _secret(settings.graph_client_secret)
    if explicit_secret and not settings.graph_client_id:
        raise SettingsError("GRAPH_CLIENT_SECRET is set but GRAPH_CLIENT_ID is empty")
    if settings.graph_client_id and not explicit_secret:
        raise SettingsError("GRAPH_CLIENT_SECRET is required when GRAPH_CLIENT_ID is set")
    client_id = settings.graph_client_id or app_id
    secret = explicit_secret or app_password
    if not client_id or not secret:
        return None
    tenant = settings.graph_tenant_id or settings.microsoft_app_tenant_id
    if not tenant:
        raise SettingsError(
            "GRAPH_TENANT_ID is required for Graph application permissions "
            "(or set MicrosoftAppTenantId)"
        )
    authority_host = settings.graph_authority_host.rstrip("/")
    if urlsplit(authority_host).scheme != "https":  # msal talks to an https authority only
        raise SettingsError(
            f"GRAPH_AUTHORITY_HOST must be an https:// URL such as {DEFAULT_AUTHORITY_HOST}"
        )
    return GraphCredentials(
        tenant_id=tenant,
        client_id=client_id,
        client_secret=secret,
        authority_host=authority_host,
    )


def _secret(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value is not None else None


def is_loopback_url(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
