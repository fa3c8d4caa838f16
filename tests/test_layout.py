"""Where things live, as imports show it: the product (`bot/`, `cards/`, `dialogs/`) never
imports the local stand-ins (`emulators/`), the flows (`dialogs/`) and the reminders
(`bot/reminders/`) never import the Teams edge (`bot/teams/`), and the activity handler stays a
router."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def imported_modules(package: str) -> Iterator[tuple[Path, str]]:
    """Every module imported anywhere under `package` (a directory of the project), by file."""
    for path in sorted((ROOT / package).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                yield from ((path, alias.name) for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                yield path, node.module


def imports_of(package: str, forbidden: str) -> list[str]:
    """Where `package` imports `forbidden` or anything inside it."""
    return [
        f"{path.relative_to(ROOT)}: {module}"
        for path, module in imported_modules(package)
        if module == forbidden or module.startswith(f"{forbidden}.")
    ]


@pytest.mark.parametrize("package", ["bot", "cards", "dialogs"])
def test_the_product_never_imports_the_emulators(package: str) -> None:
    assert imports_of(package, "emulators") == []


@pytest.mark.parametrize("package", ["dialogs", "bot/reminders", "cards"])
def test_flows_and_reminders_never_import_the_teams_edge(package: str) -> None:
    assert imports_of(package, "bot.teams") == []


def test_the_activity_handler_is_a_router() -> None:
    lines = (ROOT / "bot/teams/handler.py").read_text().splitlines()
    assert len(lines) < 300


def test_the_walk_sees_imports() -> None:  # the check above would pass on a walk that finds none
    assert imports_of("tests", "emulators")
    assert imports_of("bot", "bot.teams")
