"""The help card's sign-in status and commands (issue 25): delegated mode only."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from bot.i18n import Catalog, catalog_for
from cards import AccountStatus, help_card, validate_card
from tests.cards.test_cards_help_error import text_blocks

LOCALES = ["en-US", "zh-CN"]
STATUSES = list(AccountStatus)


def _monospace(card: dict[str, Any]) -> list[str]:
    return [
        block["text"].replace("\\", "")
        for block in text_blocks(card)
        if block.get("fontType") == "Monospace"
    ]


def _status_text(catalog: Catalog, account: AccountStatus) -> str:
    return {
        AccountStatus.SIGNED_IN: catalog.help_signed_in,
        AccountStatus.NOT_SIGNED_IN: catalog.help_not_signed_in,
    }[account]


@pytest.mark.parametrize("locale", LOCALES)
def test_application_mode_says_nothing_about_signing_in(locale: str) -> None:
    catalog = catalog_for(locale)
    card = help_card(catalog, account=None)

    assert card == help_card(catalog)
    shown = json.dumps(card, ensure_ascii=False)
    for command, _ in catalog.help_sign_in_examples:
        assert command not in _monospace(card)
    for text in (catalog.help_signed_in, catalog.help_not_signed_in):
        assert text not in shown
    assert [block["text"] for block in text_blocks(card)[:2]] == [
        catalog.help_title,
        catalog.help_intro,
    ]


@pytest.mark.parametrize("account", STATUSES, ids=lambda account: account.name)
@pytest.mark.parametrize("locale", LOCALES)
def test_delegated_mode_shows_the_status_under_the_title(
    locale: str,
    account: AccountStatus,
    assert_no_empty_values: Callable[[dict[str, Any]], None],
) -> None:
    catalog = catalog_for(locale)
    card = help_card(catalog, account=account)

    validate_card(card)
    assert_no_empty_values(card)
    title, status, intro = card["body"][:3]
    assert (title["text"], intro["text"]) == (catalog.help_title, catalog.help_intro)
    assert status["type"] == "TextBlock" and status["wrap"] is True
    assert status["text"] == _status_text(catalog, account)


@pytest.mark.parametrize("account", STATUSES, ids=lambda account: account.name)
@pytest.mark.parametrize("locale", LOCALES)
def test_delegated_mode_lists_sign_in_and_sign_out_after_the_other_commands(
    locale: str, account: AccountStatus
) -> None:
    catalog = catalog_for(locale)
    card = help_card(catalog, account=account)

    examples = (*catalog.help_examples, *catalog.help_sign_in_examples)
    assert _monospace(card) == [command for command, _ in examples]
    purposes = [block["text"] for block in text_blocks(card) if block.get("isSubtle")]
    assert purposes == [purpose for _, purpose in examples]


@pytest.mark.parametrize("account", STATUSES, ids=lambda account: account.name)
def test_the_status_and_the_commands_are_all_that_delegated_mode_adds(
    catalog: Catalog, account: AccountStatus
) -> None:
    delegated = help_card(catalog, note="I don't know the command x.", account=account)
    application = help_card(catalog, note="I don't know the command x.")

    status = delegated["body"].pop(2)
    added = delegated["body"][-len(catalog.help_sign_in_examples) :]
    del delegated["body"][-len(catalog.help_sign_in_examples) :]
    assert status["text"] == _status_text(catalog, account)
    assert [part["items"][0]["text"] for part in added] == ["sign in", "sign out"]
    assert delegated == application


def test_the_status_lines_name_the_command_that_changes_them() -> None:
    english, chinese = catalog_for("en-US"), catalog_for("zh-CN")

    assert "**sign out**" in english.help_signed_in
    assert "**sign in**" in english.help_not_signed_in
    assert "“退出登录”" in chinese.help_signed_in
    assert "“登录”" in chinese.help_not_signed_in


def test_a_note_still_comes_first(catalog: Catalog) -> None:
    note = catalog.unknown_command.format(command="[x](https://evil)")
    card = help_card(catalog, note=note, account=AccountStatus.NOT_SIGNED_IN)

    validate_card(card)
    assert (
        card["body"][0]["text"] == "I don't know the command \u201c\\[x\\]\\(https://evil\\)\u201d."
    )
    assert [block["text"] for block in card["body"][1:3]] == [
        catalog.help_title,
        catalog.help_not_signed_in,
    ]
