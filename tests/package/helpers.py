"""Shared values for the app package tests: ids, and where the official schemas are."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.package import NIL_ID, PackageIds

ROOT = Path(__file__).resolve().parents[2]
MANIFEST_DIR = ROOT / "manifest"
JS_DIR = ROOT / "tests" / "js"
VALIDATE_SCRIPT = JS_DIR / "validate-manifest.mjs"
APP_MANIFEST_PACKAGE = JS_DIR / "node_modules" / "@microsoft" / "app-manifest"
SCHEMAS = APP_MANIFEST_PACKAGE / "build" / "json-schemas" / "teams"
SCHEMA_URL = (
    "https://developer.microsoft.com/json-schemas/teams/v{version}/MicrosoftTeams.schema.json"
)

REAL_IDS = PackageIds(
    app_id="6f1b2a3c-4d5e-4f60-8a7b-9c0d1e2f3a4b",
    bot_id="0a1b2c3d-4e5f-4061-8273-94a5b6c7d8e9",
    domain="meetbot.contoso.com",
)
FRESH_CLONE_IDS = PackageIds(app_id=NIL_ID, bot_id=NIL_ID, domain=None)


@dataclass(frozen=True)
class Validation:
    """What the official validator said: `errors` is empty exactly when `valid`."""

    valid: bool
    errors: list[str]


Validate = Callable[[dict[str, Any], str], Validation]  # (manifest, schema version)


def schema_versions() -> list[str]:
    """The numbered Teams schema versions the installed package ships, oldest first."""
    found = [
        match.group(1)
        for path in SCHEMAS.glob("v*/MicrosoftTeams.schema.json")
        if (match := re.fullmatch(r"v(\d+\.\d+)", path.parent.name))
    ]
    return sorted(found, key=version_key)


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def schema_path(version: str) -> Path:
    return SCHEMAS / f"v{version}" / "MicrosoftTeams.schema.json"


def on_version(manifest: dict[str, Any], version: str) -> dict[str, Any]:
    """The manifest as it would be declared on another schema version."""
    moved = copy.deepcopy(manifest)
    moved["$schema"] = SCHEMA_URL.format(version=version)
    moved["manifestVersion"] = version
    return moved


def template() -> dict[str, Any]:
    """manifest/manifest.json as committed, placeholders and all."""
    loaded: dict[str, Any] = json.loads((MANIFEST_DIR / "manifest.json").read_text("utf-8"))
    return loaded
