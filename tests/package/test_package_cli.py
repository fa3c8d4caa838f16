"""`meetbot package` as an admin runs it: a real process, settings from the environment."""

from __future__ import annotations

import asyncio
import json
import zipfile
from pathlib import Path

import pytest

from tests.package.helpers import REAL_IDS, Validate
from tests.processes import start

SCHEMA_VERSION = "1.30"


async def _package(tmp_path: Path, *args: str, **env: str) -> tuple[int, str, str]:
    process = await start(["package", *args], tmp_path, **env)
    out, err = await asyncio.wait_for(process.communicate(), 60)
    return process.returncode or 0, out.decode(), err.decode()


def _manifest(path: Path) -> dict[str, object]:
    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest: dict[str, object] = json.loads(archive.read("manifest.json"))
    return manifest


async def test_with_no_configuration_it_writes_a_valid_package_and_says_what_is_missing(
    tmp_path: Path, validate: Validate
) -> None:
    code, out, err = await _package(tmp_path)
    assert code == 0, err
    path = tmp_path / "build" / "meetbot-app.zip"
    assert f"Teams app package: {Path('build/meetbot-app.zip')}" in out
    assert "MicrosoftAppId is not set" in err
    result = validate(_manifest(path), SCHEMA_VERSION)
    assert result.valid, result.errors


async def test_ids_and_domain_come_from_the_settings(tmp_path: Path, validate: Validate) -> None:
    code, _, err = await _package(
        tmp_path,
        "--output",
        "out/app.zip",
        MicrosoftAppId=REAL_IDS.bot_id,
        MicrosoftAppPassword="not-used-here",
        TEAMS_APP_ID=REAL_IDS.app_id,
        BOT_DOMAIN="meetbot.contoso.com",
    )
    assert code == 0, err
    manifest = _manifest(tmp_path / "out" / "app.zip")
    assert manifest["id"] == REAL_IDS.app_id
    assert manifest["bots"][0]["botId"] == REAL_IDS.bot_id  # type: ignore[index]
    assert "meetbot.contoso.com" in manifest["validDomains"]  # type: ignore[operator]
    assert validate(manifest, SCHEMA_VERSION).valid


async def test_a_bad_id_stops_with_one_line_naming_it(tmp_path: Path) -> None:
    code, _, err = await _package(tmp_path, "--bot-id", "not-a-guid")
    assert code == 2
    assert "not-a-guid" in err
    assert "Traceback" not in err
    assert not (tmp_path / "build").exists()


async def test_delegated_mode_writes_the_sso_manifest(tmp_path: Path, validate: Validate) -> None:
    code, out, err = await _package(
        tmp_path,
        "--domain",
        "meetbot.contoso.com",
        GRAPH_PERMISSIONS="delegated",
        OAUTH_CONNECTION_NAME="meetbot-sso",
        MicrosoftAppId=REAL_IDS.bot_id,
        MicrosoftAppPassword="not-used-here",
    )
    assert code == 0, err
    assert "Teams app package:" in out
    assert f"Single sign-on resource: api://meetbot.contoso.com/botid-{REAL_IDS.bot_id} " in out
    manifest = _manifest(tmp_path / "build" / "meetbot-app.zip")
    assert manifest["webApplicationInfo"] == {
        "id": REAL_IDS.bot_id,
        "resource": f"api://meetbot.contoso.com/botid-{REAL_IDS.bot_id}",
    }
    assert "token.botframework.com" in manifest["validDomains"]  # type: ignore[operator]
    assert validate(manifest, SCHEMA_VERSION).valid


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"BOT_DOMAIN": "meetbot.contoso.com"}, "set MicrosoftAppId or pass --bot-id"),
        ({"MicrosoftAppId": REAL_IDS.bot_id}, "set BOT_DOMAIN or pass --domain"),
    ],
    ids=["no-bot-id", "no-domain"],
)
async def test_delegated_mode_without_the_bot_id_or_domain_stops_with_one_line(
    tmp_path: Path, env: dict[str, str], named: str
) -> None:
    code, out, err = await _package(tmp_path, GRAPH_PERMISSIONS="delegated", **env)
    assert code == 2
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("meetbot: GRAPH_PERMISSIONS=delegated needs the bot's")
    assert named in err
    assert "placeholder id" not in err  # refused, not packaged with the nil GUID
    assert out == ""
    assert not (tmp_path / "build").exists()
