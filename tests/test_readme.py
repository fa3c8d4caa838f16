"""The README's configuration table and the deployment guide's name every setting Meetbot reads
(`bot.settings.Settings`), and the README keeps its sections for admins."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import Settings

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
