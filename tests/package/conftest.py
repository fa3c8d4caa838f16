"""Fixtures for the app package tests: Microsoft's own manifest validator, run with Node.js."""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any

import pytest

from tests import outside
from tests.package.helpers import (
    APP_MANIFEST_PACKAGE,
    VALIDATE_SCRIPT,
    Validate,
    Validation,
    schema_path,
)


@pytest.fixture(scope="session")
def schemas() -> None:
    """@microsoft/app-manifest, Microsoft's Teams manifest schemas, installed in tests/js.

    Without it the schema tests are skipped on a developer's machine but fail in CI (`CI`
    set), where skipping would let an invalid manifest through.
    """
    if not (APP_MANIFEST_PACKAGE / "package.json").is_file():
        outside.missing(
            "the Teams manifest validation",
            f"{APP_MANIFEST_PACKAGE} is missing (run `npm ci --prefix tests/js`)",
        )


@pytest.fixture(scope="session")
def node(schemas: None) -> str:
    """Node.js, to run Microsoft's manifest validator over the installed schemas."""
    found = shutil.which("node")
    if found is None:
        outside.missing("the Teams manifest validation", "Node.js (node) is not on PATH")
    return found


@pytest.fixture(scope="session")
def validate(node: str, tmp_path_factory: pytest.TempPathFactory) -> Validate:
    """Validate a manifest against the official schema of a version ("1.30") the way
    @microsoft/app-manifest does, through tests/js/validate-manifest.mjs."""
    directory = tmp_path_factory.mktemp("manifests")

    def run(manifest: dict[str, Any], version: str) -> Validation:
        path = directory / "manifest.json"
        path.write_text(json.dumps(manifest), encoding="utf-8")
        result = subprocess.run(
            [node, str(VALIDATE_SCRIPT), str(path), str(schema_path(version))],
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
        if result.returncode not in (0, 1):
            pytest.fail(f"validate-manifest.mjs: {result.stderr}", pytrace=False)
        errors: list[str] = json.loads(result.stdout)
        assert (result.returncode == 0) == (errors == []), result.stdout
        return Validation(valid=result.returncode == 0, errors=errors)

    return run
