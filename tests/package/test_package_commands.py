"""The manifest's command menus: what users see matches what the bot understands."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.commands import ParseError, ParseErrorKind, WatchCommand, parse
from tests.package.helpers import ROOT, template

NOW = datetime(2026, 6, 15, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))
BOT_SCOPES = ("personal", "team", "groupChat")


def _command_list(scope: str) -> list[dict[str, Any]]:
    lists = [cl for cl in template()["bots"][0]["commandLists"] if scope in cl["scopes"]]
    assert len(lists) == 1, f"{scope} is in {len(lists)} command lists"
    commands: list[dict[str, Any]] = lists[0]["commands"]
    return commands


def _named(commands: list[dict[str, Any]], command: str) -> bool:
    """`command` is a title, or a phrase (whole words) in a description."""
    phrase = re.compile(rf"(?<![\w-]){re.escape(command)}(?![\w-])", re.IGNORECASE)
    return any(
        c["title"].casefold() == command.casefold() or phrase.search(c.get("description", ""))
        for c in commands
    )


def _readme_commands() -> list[str]:
    """The English commands of the README's Commands table: each first-column code span, up to
    its first `<`, `[` or `…` ("meet <subject> <when> ..." -> "meet")."""
    readme = (ROOT / "README.md").read_text("utf-8")
    section = readme.split("\n## Commands", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    commands: list[str] = []
    for row in rows:
        first_column = row.split("|")[1]
        for span in re.findall(r"`([^`]+)`", first_column):
            command = re.split(r"[<\[…]", span, maxsplit=1)[0].strip()
            if command and command not in commands:
                commands.append(command)
    return commands


def _is_one_to_one_only(command: str) -> bool:
    return isinstance(parse(command, NOW, locale="en-US"), WatchCommand)


def test_every_bot_scope_has_one_command_list() -> None:
    assert sorted(template()["bots"][0]["scopes"]) == sorted(BOT_SCOPES)
    for scope in BOT_SCOPES:
        assert _command_list(scope)


@pytest.mark.parametrize("scope", BOT_SCOPES)
def test_every_title_is_a_command_the_bot_understands(scope: str) -> None:
    for command in _command_list(scope):
        parsed = parse(command["title"], NOW, locale="en-US")

        assert not (
            isinstance(parsed, ParseError) and parsed.kind is ParseErrorKind.UNKNOWN_COMMAND
        ), command["title"]


def test_the_readme_table_is_read() -> None:
    commands = _readme_commands()

    assert {"meet", "meet now", "help", "stop reminders"} <= set(commands), commands


def test_every_readme_command_is_in_the_personal_list() -> None:
    personal = _command_list("personal")

    missing = [c for c in _readme_commands() if not _named(personal, c)]

    assert missing == []


@pytest.mark.parametrize("scope", ["team", "groupChat"])
def test_team_and_group_chat_lists_name_every_command_but_the_one_to_one_ones(scope: str) -> None:
    commands = _command_list(scope)

    missing = [
        c for c in _readme_commands() if not _is_one_to_one_only(c) and not _named(commands, c)
    ]
    one_to_one = [c["title"] for c in commands if _is_one_to_one_only(c["title"])]

    assert missing == []
    assert one_to_one == []


def test_titles_and_descriptions_fit_the_command_menu() -> None:
    """The command menu shows a title and a one-line description: keep to the limits the schema
    set before v1.21 (32 and 128 characters), which Teams clients were built around."""
    for scope in BOT_SCOPES:
        for command in _command_list(scope):
            assert len(command["title"]) <= 32, command
            assert 0 < len(command["description"]) <= 128, command


@pytest.mark.parametrize("scope", BOT_SCOPES)
def test_sign_in_and_sign_out_are_named_in_help_in_every_scope(scope: str) -> None:
    """One template serves both modes: the delegated-mode commands are in help's description,
    not entries of their own that application mode would answer with nothing to do."""
    commands = _command_list(scope)
    (help_entry,) = [c for c in commands if c["title"] == "help"]

    assert _named([help_entry], "sign in") and _named([help_entry], "sign out")
    assert not any(c["title"] in ("sign in", "sign out") for c in commands)
