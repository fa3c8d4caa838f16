"""The providers card."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pytest

from bot.i18n import Catalog
from cards import providers_card, validate_card
from tests.cards.helpers import texts, unescape

ALL = ("teamsForBusiness", "skypeForBusiness", "skypeForConsumer", "unknown")


@pytest.mark.parametrize(
    ("allowed", "default"),
    [
        (ALL, "teamsForBusiness"),
        (("skypeForConsumer",), None),
        ((), None),
        (("zoom",), ""),
    ],
)
def test_providers_card_is_valid(
    each_catalog: Catalog,
    assert_no_empty_values: Callable[[dict[str, Any]], None],
    allowed: Sequence[str],
    default: str | None,
) -> None:
    card = providers_card(each_catalog, allowed, default)

    validate_card(card)
    assert_no_empty_values(card)
    assert card["body"][0]["text"] == each_catalog.providers_title


def test_teams_allowed(catalog: Catalog) -> None:
    card = providers_card(catalog, ALL, "teamsForBusiness")

    assert texts(card) == [
        "Online meeting providers",
        "Allowed: Microsoft Teams, Skype for Business, Skype, Other provider",
        "Default: Microsoft Teams",
    ]
    assert not [block for block in card["body"] if "color" in block]


def test_zh_names(zh_catalog: Catalog) -> None:
    card = providers_card(zh_catalog, ALL, "unknown")

    assert texts(card) == [
        "联机会议提供商",
        "允许：Microsoft Teams, Skype for Business, Skype, 其他提供商",
        "默认：其他提供商",
    ]


def test_warning_when_teams_is_not_allowed(each_catalog: Catalog) -> None:
    card = providers_card(each_catalog, ["skypeForConsumer", "skypeForConsumer"], None)

    warning = card["body"][-1]
    assert warning["color"] == "Attention"  # readable on Teams' light theme, unlike Warning
    skype = dict(each_catalog.provider_names)["skypeForConsumer"]
    assert unescape(warning["text"]) == each_catalog.teams_not_allowed.format(providers=skype)
    assert card["body"][1]["text"] == each_catalog.providers_allowed.format(providers=skype)
    assert len(card["body"]) == 3  # no default line


def test_nothing_allowed(catalog: Catalog) -> None:
    card = providers_card(catalog, [], None)

    assert texts(card)[1] == "Allowed: none"
    assert "(it allows: none)" in unescape(texts(card)[2])


def test_unknown_values_are_shown_escaped(catalog: Catalog) -> None:
    card = providers_card(catalog, ["teamsForBusiness", "[zoom](https://evil)"], "**x**")

    assert texts(card)[1:] == [
        r"Allowed: Microsoft Teams, \[zoom\]\(https://evil\)",
        r"Default: \*\*x\*\*",
    ]


@pytest.mark.parametrize("default", [None, "", " \x00 "])
def test_no_default_line_without_a_default(catalog: Catalog, default: str | None) -> None:
    card = providers_card(catalog, ["teamsForBusiness"], default)

    assert texts(card) == ["Online meeting providers", "Allowed: Microsoft Teams"]
