"""The README's configuration table and the deployment guide's name every setting Meetbot reads
(`bot.settings.Settings`), the README keeps its sections for admins, the guide says what every
table of the database keeps, and the licence is the one the package declares."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from pathlib import Path

import pytest

from bot.settings import Settings
from bot.store import postgres, sqlite

ROOT = Path(__file__).resolve().parent.parent


def _setting_names() -> list[str]:
    names: list[str] = []
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias
        choices = getattr(alias, "choices", None)
        names.extend(str(choice) for choice in choices or (name,))
    return names


def _section(text: str, heading: str) -> str:
    assert f"\n{heading}\n" in text, f"no '{heading}' section"
    return text.split(f"\n{heading}\n", 1)[1].split("\n## ", 1)[0]


def test_every_setting_is_in_the_readme_configuration_table() -> None:
    table = _section((ROOT / "README.md").read_text(encoding="utf-8"), "## Configuration")
    names = _setting_names()
    assert len(names) >= 27
    assert [name for name in names if f"| `{name}` |" not in table] == []


def test_every_setting_is_in_the_deployment_guides_table() -> None:
    guide = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    rows = "\n".join(line for line in guide.splitlines() if line.startswith("| `"))
    assert [name for name in _setting_names() if f"`{name}`" not in rows] == []


@pytest.mark.parametrize(
    "heading",
    ["## Setup: two commands", "## Configuration", "## Deploying to a real tenant", "## Layout"],
)
def test_the_readme_keeps_its_sections_for_admins(heading: str) -> None:
    assert _section((ROOT / "README.md").read_text(encoding="utf-8"), heading).strip()


def _tables(statements: Iterable[str]) -> set[str]:
    pattern = re.compile(r"CREATE TABLE (?:IF NOT EXISTS )?(\w+)")
    return {match.group(1) for statement in statements for match in pattern.finditer(statement)}


def test_the_deployment_guide_says_what_every_table_keeps() -> None:
    guide = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    section = _section(guide, "## 10. Data Meetbot keeps")
    rows = {line.split("|")[1].strip().strip("`") for line in section.splitlines() if "| `" in line}
    sqlite_tables = _tables(step for steps in sqlite.MIGRATIONS for step in steps)
    postgres_tables = _tables(postgres.MIGRATIONS)

    assert sqlite_tables == postgres_tables
    assert rows == sqlite_tables | {"schema_version"}


def test_the_license_is_mit_and_the_package_says_so() -> None:
    license_text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]

    assert license_text.startswith("MIT License\n")
    assert "Permission is hereby granted, free of charge" in license_text
    assert project["license"] == "MIT"
    assert project["license-files"] == ["LICENSE"]
