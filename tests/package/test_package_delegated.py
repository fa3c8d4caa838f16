"""The package for delegated mode (`GRAPH_PERMISSIONS=delegated`): Teams single sign-on.

Teams exchanges a user's token only when the manifest's `webApplicationInfo` names the bot's
Entra app and its identifier URI, and `validDomains` has `token.botframework.com`
("Update app manifest for SSO", learn.microsoft.com/.../bot-sso-manifest). A package that
cannot carry the URI docs/deploy.md registers is refused before anything is written.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.package import NIL_ID, PackageIds, build_package, render_manifest
from tests.package.helpers import REAL_IDS, Validate

NO_BOT_ID = PackageIds(app_id=REAL_IDS.app_id, bot_id=NIL_ID, domain=REAL_IDS.domain)
NO_DOMAIN = PackageIds(app_id=REAL_IDS.app_id, bot_id=REAL_IDS.bot_id, domain=None)


def test_delegated_manifest_names_the_bots_entra_app_and_identifier_uri() -> None:
    manifest = render_manifest(REAL_IDS, delegated=True)

    assert manifest["webApplicationInfo"] == {
        "id": REAL_IDS.bot_id,
        "resource": f"api://{REAL_IDS.domain}/botid-{REAL_IDS.bot_id}",
    }
    assert manifest["validDomains"] == [REAL_IDS.domain, "token.botframework.com"]
    assert manifest["bots"][0]["botId"] == REAL_IDS.bot_id


def test_delegated_and_application_packages_differ_in_nothing_else() -> None:
    # Application mode keeps the fields (unread there), so one upload serves either mode.
    assert render_manifest(REAL_IDS, delegated=True) == render_manifest(REAL_IDS)


def test_delegated_manifest_passes_microsofts_validator(validate: Validate) -> None:
    manifest = render_manifest(REAL_IDS, delegated=True)

    result = validate(manifest, manifest["manifestVersion"])

    assert result.errors == []


@pytest.mark.parametrize(
    ("ids", "named"),
    [
        (NO_BOT_ID, "set MicrosoftAppId or pass --bot-id"),
        (NO_DOMAIN, "set BOT_DOMAIN or pass --domain"),
    ],
    ids=["no-bot-id", "no-domain"],
)
def test_delegated_without_what_sso_needs_is_refused_and_nothing_written(
    tmp_path: Path, ids: PackageIds, named: str
) -> None:
    output = tmp_path / "build" / "meetbot-app.zip"

    with pytest.raises(ValueError, match="GRAPH_PERMISSIONS=delegated needs") as refused:
        build_package(ids, output, delegated=True)

    assert named in str(refused.value)
    assert "\n" not in str(refused.value)
    assert not output.parent.exists()


@pytest.mark.parametrize("ids", [NO_BOT_ID, NO_DOMAIN], ids=["no-bot-id", "no-domain"])
def test_application_mode_still_builds_what_delegated_refuses(ids: PackageIds) -> None:
    assert render_manifest(ids)["webApplicationInfo"]["id"] == ids.bot_id
