"""The rendered manifest against Microsoft's official schemas, with Microsoft's own validator."""

from __future__ import annotations

import copy
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.package import PackageIds, render_manifest
from tests.package.helpers import (
    FRESH_CLONE_IDS,
    REAL_IDS,
    SCHEMA_URL,
    VALIDATE_SCRIPT,
    Validate,
    on_version,
    schema_path,
    schema_versions,
    version_key,
)

# Schema versions newer than the manifest's that reject it, each with the error that says why
# (see manifest/README.md). A newer version missing here fails the test: either it validates,
# and the manifest moves to it, or the reason it cannot goes here and into the README.
NEWER_VERSION_REJECTIONS: dict[str, str] = {}


@pytest.mark.parametrize("ids", [REAL_IDS, FRESH_CLONE_IDS], ids=["configured", "fresh-clone"])
def test_manifest_validates_against_its_schema(validate: Validate, ids: PackageIds) -> None:
    manifest = render_manifest(ids)

    result = validate(manifest, manifest["manifestVersion"])

    assert result.errors == []


def test_manifest_names_its_schema(schemas: None) -> None:
    manifest = render_manifest(REAL_IDS)
    version = manifest["manifestVersion"]

    assert manifest["$schema"] == SCHEMA_URL.format(version=version)
    assert schema_path(version).is_file()


def test_manifest_is_on_the_newest_schema_that_accepts_it(validate: Validate) -> None:
    manifest = render_manifest(REAL_IDS)
    current = manifest["manifestVersion"]
    newer = [v for v in schema_versions() if version_key(v) > version_key(current)]

    for version in newer:
        result = validate(on_version(manifest, version), version)
        assert not result.valid, (
            f"schema v{version} accepts the manifest: move manifest/manifest.json to it"
        )
        reason = NEWER_VERSION_REJECTIONS.get(version)
        assert reason is not None, f"v{version} rejects the manifest, undocumented: {result.errors}"
        assert any(reason in error for error in result.errors), result.errors


def _drop_developer(manifest: dict[str, Any]) -> None:
    del manifest["developer"]


def _long_title(manifest: dict[str, Any]) -> None:
    manifest["bots"][0]["commandLists"][0]["commands"][0]["title"] = "m" * 129


def _thirteen_commands(manifest: dict[str, Any]) -> None:
    commands = manifest["bots"][0]["commandLists"][0]["commands"]
    commands.extend({"title": f"command {n}"} for n in range(13 - len(commands)))


def _bot_id_not_a_guid(manifest: dict[str, Any]) -> None:
    manifest["bots"][0]["botId"] = "meetbot"


@pytest.mark.parametrize(
    ("break_it", "error"),
    [
        (_drop_developer, "must have required property 'developer'"),
        (_long_title, "/bots/0/commandLists/0/commands/0/title must NOT have more than 128"),
        (_thirteen_commands, "/bots/0/commandLists/0/commands must NOT have more than 12 items"),
        (_bot_id_not_a_guid, "/bots/0/botId must match pattern"),
    ],
    ids=["no-developer", "129-char-title", "13-commands", "bot-id-not-a-guid"],
)
def test_validator_reports_a_broken_manifest(
    validate: Validate, break_it: Callable[[dict[str, Any]], None], error: str
) -> None:
    manifest = copy.deepcopy(render_manifest(REAL_IDS))
    break_it(manifest)

    result = validate(manifest, manifest["manifestVersion"])

    assert not result.valid
    assert any(error in reported for reported in result.errors), result.errors


@pytest.mark.parametrize(
    ("arguments", "complaint"),
    [
        ([], "usage:"),
        (["missing.json", "missing-schema.json"], "cannot read manifest"),
    ],
    ids=["no-arguments", "no-such-file"],
)
def test_validator_script_tells_a_load_error_from_an_invalid_manifest(
    node: str, tmp_path: Path, arguments: list[str], complaint: str
) -> None:
    result = subprocess.run(
        [node, str(VALIDATE_SCRIPT), *arguments],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )

    assert result.returncode == 2
    assert complaint in result.stderr
