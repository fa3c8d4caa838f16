"""Settings: zero configuration means local mode; an inconsistent set stops start-up with one
line that names the variable."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.app import scheduler_config
from bot.settings import SettingsError, allowed_tenants, load_settings, resolve, secret_values

ALL = (
    "MicrosoftAppId",
    "MicrosoftAppPassword",
    "MicrosoftAppType",
    "MicrosoftAppTenantId",
    "GRAPH_TENANT_ID",
    "GRAPH_CLIENT_ID",
    "GRAPH_CLIENT_SECRET",
    "GRAPH_BASE_URL",
    "GRAPH_AUTHORITY_HOST",
    "ALLOWED_TENANTS",
    "DATABASE_URL",
    "HOST",
    "PORT",
    "RETENTION_DAYS",
)


TENANT = "8f3c1d2e-4b5a-4c6d-8e7f-9a0b1c2d3e4f"
BOT = {"MicrosoftAppId": "app-id", "MicrosoftAppPassword": "s", "MicrosoftAppTenantId": TENANT}
GRAPH = {"GRAPH_CLIENT_ID": "graph-app", "GRAPH_CLIENT_SECRET": "s", "GRAPH_TENANT_ID": TENANT}


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ALL:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def test_no_configuration_is_local_mode_on_loopback() -> None:
    config = resolve(load_settings())
    assert config.local_mode
    assert config.graph_base_url is None
    assert config.host == "127.0.0.1" and not config.auth_enabled
    assert config.settings.port == 3978


def test_graph_credentials_default_to_the_bot_registration(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MicrosoftAppId", "app-id")
    monkeypatch.setenv("MicrosoftAppPassword", "app-secret")
    monkeypatch.setenv("MicrosoftAppTenantId", "tenant-1")
    config = resolve(load_settings())
    assert config.graph is not None
    assert (config.graph.client_id, config.graph.client_secret) == ("app-id", "app-secret")
    assert config.graph.tenant_id == "tenant-1"
    assert config.graph_base_url == "https://graph.microsoft.com/v1.0"
    assert config.auth_enabled and config.host == "0.0.0.0"


def test_settings_are_read_from_a_dotenv_file(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("PORT=4000\nGRAPH_BASE_URL=https://127.0.0.1:9999/v1.0\n")
    config = resolve(load_settings())
    assert config.settings.port == 4000
    assert config.local_mode and config.graph_base_url == "https://127.0.0.1:9999/v1.0"


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"MicrosoftAppPassword": "s"}, "MicrosoftAppPassword"),
        ({"MicrosoftAppId": "a"}, "MicrosoftAppPassword"),
        ({"GRAPH_CLIENT_SECRET": "s"}, "GRAPH_CLIENT_SECRET"),
        ({"GRAPH_CLIENT_ID": "c"}, "GRAPH_CLIENT_SECRET"),
        ({"GRAPH_CLIENT_ID": "c", "GRAPH_CLIENT_SECRET": "s"}, "GRAPH_TENANT_ID"),
        ({"MicrosoftAppType": "SingleTenant"}, "MicrosoftAppTenantId"),
        ({"GRAPH_BASE_URL": "https://graph.example.com/v1.0"}, "GRAPH_BASE_URL"),
        ({"PORT": "http"}, "PORT"),
        ({"MicrosoftAppType": "Everyone"}, "MicrosoftAppType"),
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
        ({"DATABASE_URL": "postgresql://meetbot:pw@db:notaport/meetbot"}, "DATABASE_URL"),
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT"),
        ({"MicrosoftAppType": "UserAssignedMSI", "MicrosoftAppId": "a"}, "MicrosoftAppTenantId"),
        (
            {
                "MicrosoftAppType": "UserAssignedMSI",
                "MicrosoftAppId": "a",
                "MicrosoftAppTenantId": "t",
            },
            "GRAPH_CLIENT_SECRET",
        ),
        ({"ALLOWED_TENANTS": "contoso.onmicrosoft.com"}, "ALLOWED_TENANTS"),
        ({"ALLOWED_TENANTS": f"{TENANT}, 11111111-2222-3333-4444-5555"}, "ALLOWED_TENANTS"),
        ({**BOT, "GRAPH_BASE_URL": "http://graph.microsoft.com/v1.0"}, "GRAPH_BASE_URL"),
        ({**BOT, "GRAPH_BASE_URL": "https://graph.microsoft.com"}, "GRAPH_BASE_URL"),
        ({**BOT, "GRAPH_BASE_URL": "https://graph.microsoft.com/"}, "GRAPH_BASE_URL"),
        ({**BOT, "GRAPH_BASE_URL": "graph.microsoft.com/v1.0"}, "GRAPH_BASE_URL"),
        ({"GRAPH_BASE_URL": "https://127.0.0.1:8443"}, "GRAPH_BASE_URL"),
        (
            {**BOT, "GRAPH_AUTHORITY_HOST": "http://login.microsoftonline.com"},
            "GRAPH_AUTHORITY_HOST",
        ),
    ],
)
def test_an_inconsistent_set_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], named: str
) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(SettingsError) as caught:
        resolve(load_settings())
    message = str(caught.value)
    assert named in message and "\n" not in message


def test_blank_variables_count_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MicrosoftAppId", "")
    monkeypatch.setenv("MicrosoftAppPassword", " ")
    assert resolve(load_settings()).local_mode


def test_secret_values_are_every_configured_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MicrosoftAppId", "a")
    monkeypatch.setenv("MicrosoftAppPassword", "bot-password")
    monkeypatch.setenv("GRAPH_CLIENT_ID", "g")
    monkeypatch.setenv("GRAPH_CLIENT_SECRET", "graph-secret")
    monkeypatch.setenv("DATABASE_URL", "postgresql://meetbot:db-password@db:5432/meetbot")
    assert sorted(secret_values(load_settings())) == ["bot-password", "db-password", "graph-secret"]


@pytest.mark.parametrize(
    ("value", "retention"),
    [(None, timedelta(days=30)), ("7", timedelta(days=7)), ("0.5", timedelta(hours=12))],
)
def test_retention_days_sets_how_long_the_scheduler_keeps_history(
    monkeypatch: pytest.MonkeyPatch, value: str | None, retention: timedelta
) -> None:
    if value is not None:
        monkeypatch.setenv("RETENTION_DAYS", value)
    assert scheduler_config(load_settings(), simulated=True).retention == retention


def test_retention_days_zero_keeps_history_forever(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RETENTION_DAYS", "0")
    assert scheduler_config(load_settings(), simulated=False).retention is None
    monkeypatch.setenv("RETENTION_DAYS", "-1")
    with pytest.raises(SettingsError, match="RETENTION_DAYS"):
        load_settings()


@pytest.mark.parametrize(
    "env",
    [
        GRAPH,  # Graph's own defaults: graph.microsoft.com, login.microsoftonline.com
        GRAPH | {"GRAPH_BASE_URL": "https://graph.microsoft.us/v1.0"},
        # Graph calls to an emulator on loopback, but the tokens from a real tenant:
        GRAPH | {"GRAPH_BASE_URL": "https://127.0.0.1:8443/v1.0"},
        GRAPH | {"GRAPH_AUTHORITY_HOST": "https://127.0.0.1:8443"},
    ],
    ids=["public-cloud", "national-cloud", "real-authority", "real-graph"],
)
def test_graph_credentials_for_a_real_tenant_need_incoming_authentication(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str]
) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(SettingsError) as caught:
        resolve(load_settings())
    message = str(caught.value)
    assert message.startswith("MicrosoftAppId is required") and "\n" not in message
    for key, value in BOT.items():  # the same Graph settings with an app id start
        monkeypatch.setenv(key, value)
    assert resolve(load_settings()).auth_enabled


def test_graph_credentials_for_an_emulator_on_loopback_need_no_app_id(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for key, value in GRAPH.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("GRAPH_BASE_URL", "https://127.0.0.1:8443/v1.0/")
    monkeypatch.setenv("GRAPH_AUTHORITY_HOST", "https://localhost:8443")
    config = resolve(load_settings())
    assert not config.auth_enabled and not config.local_mode
    assert config.graph_base_url == "https://127.0.0.1:8443/v1.0"  # as the client joins paths


def test_allowed_tenants_are_guids_in_any_case_and_spacing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(
        "ALLOWED_TENANTS", f" {TENANT.upper()} ,, 72f988bf-86f1-41af-91ab-2d7cd011db47"
    )
    tenants = allowed_tenants(load_settings())
    assert tenants == {TENANT, "72f988bf-86f1-41af-91ab-2d7cd011db47"}


def test_a_beta_graph_root_is_a_version(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in BOT.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("GRAPH_BASE_URL", "https://graph.microsoft.com/beta")
    assert resolve(load_settings()).graph_base_url == "https://graph.microsoft.com/beta"


def test_default_timezone_is_utc_unless_set(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings().default_timezone == "UTC"
    monkeypatch.setenv("DEFAULT_TIMEZONE", "Asia/Shanghai")
    assert load_settings().default_timezone == "Asia/Shanghai"


@pytest.mark.parametrize(
    "name", ["Mars/Olympus_Mons", "../../etc/passwd", "UTC+8", "/etc/localtime"]
)
def test_default_timezone_must_be_an_iana_name(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.setenv("DEFAULT_TIMEZONE", name)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    message = str(caught.value)
    assert message.startswith("DEFAULT_TIMEZONE: ") and "IANA time zone name" in message
    assert "\n" not in message


DELEGATED = {"GRAPH_PERMISSIONS": "delegated", "OAUTH_CONNECTION_NAME": "graph"}
SSO_BOT = {"MicrosoftAppId": "bot-app-id", "MicrosoftAppPassword": "bot-secret"}


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"GRAPH_PERMISSIONS": "delegated"}, "OAUTH_CONNECTION_NAME is required"),
        (
            DELEGATED | SSO_BOT | {"GRAPH_CLIENT_ID": "app", "GRAPH_CLIENT_SECRET": "s"},
            "GRAPH_CLIENT_ID and GRAPH_CLIENT_SECRET are for GRAPH_PERMISSIONS=application",
        ),
        (
            DELEGATED | {"GRAPH_BASE_URL": "https://graph.microsoft.com/v1.0"},
            "MicrosoftAppId is required when GRAPH_PERMISSIONS=delegated",
        ),
    ],
)
def test_unsafe_delegated_settings_refuse_to_start(
    settings: dict[str, str], message: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SettingsError, match=message):
        resolve(load_settings(**settings))


def test_a_delegated_bot_calls_the_real_graph_with_no_app_credentials(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    config = resolve(
        load_settings(
            **DELEGATED,
            **SSO_BOT,
            MicrosoftAppType="SingleTenant",
            MicrosoftAppTenantId="98a79ebe-74bf-4e07-a017-7b410848cb32",
        )
    )
    assert config.delegated and not config.local_mode
    assert config.graph is None  # not even the bot's own secret as an app-only Graph identity
    assert config.graph_base_url == "https://graph.microsoft.com/v1.0"


def test_delegated_without_a_bot_is_local_mode(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    config = resolve(load_settings(**DELEGATED))
    assert config.delegated and config.local_mode and config.graph_base_url is None
