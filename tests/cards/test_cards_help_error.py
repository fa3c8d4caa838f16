"""The help and error cards."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.commands import MeetCommand, MoveCommand, ParseError, parse
from bot.i18n import Catalog, catalog_for
from cards import error_card, help_card, validate_card

# Wednesday 10 June 2026, 10:05 in the morning: every day an example names is still ahead.
_NOW = datetime(2026, 6, 10, 10, 5, tzinfo=ZoneInfo("America/Los_Angeles"))


def text_blocks(card: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for element in card["body"]:
        found.extend(element["items"] if element["type"] == "Container" else [element])
    return [element for element in found if element["type"] == "TextBlock"]


def test_help_card(
    catalog: Catalog, assert_no_empty_values: Callable[[dict[str, Any]], None]
) -> None:
    card = help_card(catalog)

    validate_card(card)
    assert_no_empty_values(card)
    assert card["version"] == "1.5"
    blocks = text_blocks(card)
    assert [block["text"] for block in blocks[:2]] == [catalog.help_title, catalog.help_intro]
    assert blocks[0]["weight"] == "Bolder"
    commands = [block for block in blocks if block.get("fontType") == "Monospace"]
    assert len(commands) == len(catalog.help_examples)
    for block, (command, purpose) in zip(commands, catalog.help_examples, strict=True):
        assert block["text"].replace("\\", "") == command
        assert purpose in [b["text"] for b in blocks]


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_every_help_example_is_read_as_the_command_it_shows(locale: str) -> None:
    """Copied into Teams, each example is a command; a typed @Name arrives as a mention."""
    for command, _ in catalog_for(locale).help_examples:
        typed = re.sub(r"@(\w+)(?![\w.@])", r"<at>\1</at>", command)
        parsed = parse(typed, _NOW, locale=locale)
        assert not isinstance(parsed, ParseError), (command, parsed)


def test_the_help_examples_of_issue_24_book_what_they_say() -> None:
    examples = [command for command, _ in catalog_for("en-US").help_examples]
    series, room, move, push = (
        parse(
            example.replace("@Adele", "<at>Adele</at>").replace("@Megan", "<at>Megan</at>"),
            _NOW,
            locale="en-US",
        )
        for example in (examples[2], examples[3], examples[8], examples[9])
    )

    assert isinstance(series, MeetCommand) and series.repeat is not None
    assert series.repeat.days_of_week == ("monday", "tuesday", "wednesday", "thursday", "friday")
    assert isinstance(room, MeetCommand)
    assert (room.room, room.mentions, room.optional_mentions) == (
        "Conf Room 3",
        ("Adele",),
        ("Megan",),
    )
    assert isinstance(move, MoveCommand) and move.query == "Design review"
    assert (
        isinstance(push, MoveCommand)
        and push.shift is not None
        and push.shift.total_seconds() == 1800
    )


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_help_card_shows_move_push_and_a_series(locale: str) -> None:
    catalog = catalog_for(locale)
    shown = [
        block["text"].replace("\\", "")
        for block in text_blocks(help_card(catalog))
        if block.get("fontType") == "Monospace"
    ]
    words = {
        "en-US": ("every weekday", "Conf Room 3", "optional", "move ", "push "),
        "zh-CN": ("每个工作日", "会议室", "可选", "改到", "推迟"),
    }[locale]
    for word in words:
        assert any(word in text for text in shown), word


def test_help_card_note_comes_first_and_is_escaped(catalog: Catalog) -> None:
    note = catalog.unknown_command.format(command="[x](https://evil)")
    card = help_card(catalog, note=note)

    validate_card(card)
    first = card["body"][0]
    assert first["type"] == "TextBlock"
    assert first["text"] == "I don't know the command \u201c\\[x\\]\\(https://evil\\)\u201d."
    assert card["body"][1]["text"] == catalog.help_title


def test_help_card_without_note_starts_with_title(catalog: Catalog) -> None:
    for note in (None, "", " \x00 "):
        assert help_card(catalog, note=note)["body"][0]["text"] == catalog.help_title


def test_error_card_with_request_id(
    catalog: Catalog, assert_no_empty_values: Callable[[dict[str, Any]], None]
) -> None:
    request_id = "0f3a1c2e-7c1b-4d1e-9f7a-2b6c8d9e0a1b"
    card = error_card(catalog, catalog.throttled, request_id=request_id)

    validate_card(card)
    assert_no_empty_values(card)
    title, message, reference = card["body"]
    assert title["text"] == catalog.error_title
    assert title["weight"] == "Bolder"
    assert message["text"] == catalog.throttled
    assert reference == {
        "type": "TextBlock",
        "text": f"Reference: {request_id}",
        "size": "Small",
        "isSubtle": True,
        "wrap": True,
    }


def test_error_card_without_request_id(
    catalog: Catalog, assert_no_empty_values: Callable[[dict[str, Any]], None]
) -> None:
    for request_id in (None, "", "\x00 ()"):
        card = error_card(catalog, catalog.graph_unavailable, request_id=request_id)
        validate_card(card)
        assert_no_empty_values(card)
        assert [block["text"] for block in card["body"]] == [
            catalog.error_title,
            catalog.graph_unavailable,
        ]


def test_error_card_escapes_the_message_and_trims_the_request_id(catalog: Catalog) -> None:
    card = error_card(
        catalog,
        catalog.bad_attendee.format(detail="**boss**"),
        request_id="abc-123](https://evil)",
    )

    validate_card(card)
    assert (
        card["body"][1]["text"]
        == "\u201c\\*\\*boss\\*\\*\u201d doesn't look like an email address."
    )
    assert card["body"][2]["text"] == "Reference: abc-123httpsevil"


def test_chinese_help_card(
    zh_catalog: Catalog, assert_no_empty_values: Callable[[dict[str, Any]], None]
) -> None:
    card = help_card(zh_catalog, note=zh_catalog.unknown_command.format(command="开会吧"))

    validate_card(card)
    assert_no_empty_values(card)
    assert card["body"][0]["text"] == "我不认识命令\u201c开会吧\u201d。"
    commands = [b["text"] for b in text_blocks(card) if b.get("fontType") == "Monospace"]
    assert commands[0] == "会议 设计评审 明天下午3点 45分钟 和 adele@contoso.com"
    assert len(commands) == 17


def test_chinese_error_card(zh_catalog: Catalog) -> None:
    card = error_card(zh_catalog, zh_catalog.throttled, request_id="abc-1")

    validate_card(card)
    assert [block["text"] for block in card["body"]] == [
        "会议未创建",
        "Microsoft Graph 当前繁忙，请过一分钟再试。",
        "参考编号：abc-1",
    ]
