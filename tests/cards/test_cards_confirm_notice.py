"""The cancel confirmation and the notice card."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.i18n import Catalog
from cards import cancel_confirm_card, notice_card, validate_card
from tests.cards.helpers import make_item

LA = ZoneInfo("America/Los_Angeles")
USER = "00000000-0000-0000-0000-0000000000a1"


def test_cancel_confirm_card(
    each_catalog: Catalog, assert_no_empty_values: Callable[[dict[str, Any]], None]
) -> None:
    card = cancel_confirm_card(each_catalog, make_item(0), LA, for_user=USER)

    validate_card(card)
    assert_no_empty_values(card)
    assert card["version"] == "1.5"
    yes, no = card["actions"]
    assert yes == {
        "type": "Action.Submit",
        "title": each_catalog.cancel_confirm_yes,
        "style": "destructive",
        "data": {
            "meetbot": "cancel_meeting",
            "eventId": "AAMkAD-event-0",
            "for": USER,
            "confirm": True,
            "subject": "Design review",
        },
    }
    assert no == {
        "type": "Action.Submit",
        "title": each_catalog.cancel_confirm_no,
        "data": {
            "meetbot": "cancel_meeting",
            "eventId": "AAMkAD-event-0",
            "for": USER,
            "confirm": False,
            "subject": "Design review",
        },
    }


def test_cancel_question_names_subject_and_time(catalog: Catalog, zh_catalog: Catalog) -> None:
    en = cancel_confirm_card(catalog, make_item(0), LA, for_user=USER)
    zh = cancel_confirm_card(zh_catalog, make_item(0, subject="设计评审"), LA, for_user=USER)

    # Plain text escaped as a whole: the brackets and the underscore read the same when shown.
    assert en["body"] == [
        {
            "type": "TextBlock",
            "text": "Cancel \u201cDesign review\u201d on Sun, Nov 22, 3:00 PM – 3:45 PM "
            "\\(America/Los\\_Angeles\\)? Attendees get a cancellation notice.",
            "wrap": True,
        }
    ]
    assert zh["body"][0]["text"] == (
        "要取消 11月22日 周日 下午3:00 – 下午3:45（America/Los\\_Angeles）"
        "的\u201c设计评审\u201d吗？参会者会收到取消通知。"
    )


def test_cancel_question_escapes_the_subject(catalog: Catalog) -> None:
    item = make_item(0, subject="**Boss** [x](https://evil)")
    text = cancel_confirm_card(catalog, item, LA, for_user=USER)["body"][0]["text"]

    assert "\u201c\\*\\*Boss\\*\\* \\[x\\]\\(https://evil\\)\u201d" in text


def test_cancel_question_for_an_untitled_meeting(each_catalog: Catalog) -> None:
    card = cancel_confirm_card(each_catalog, make_item(0, subject=" \x00"), LA, for_user=USER)

    assert each_catalog.untitled_meeting in card["body"][0]["text"]


def test_cancel_confirm_needs_a_user(catalog: Catalog) -> None:
    with pytest.raises(ValueError, match="for_user"):
        cancel_confirm_card(catalog, make_item(0), LA, for_user="")


def test_notice_card(
    each_catalog: Catalog, assert_no_empty_values: Callable[[dict[str, Any]], None]
) -> None:
    message = each_catalog.meeting_cancelled.format(subject="[x](https://evil)")
    card = notice_card(each_catalog, message)

    validate_card(card)
    assert_no_empty_values(card)
    [block] = card["body"]
    assert r"\[x\]\(https://evil\)" in block["text"]
    assert "[x]" not in block["text"]
    assert "actions" not in card


def test_notice_card_needs_text(catalog: Catalog) -> None:
    with pytest.raises(ValueError, match="visible text"):
        notice_card(catalog, " \x00 ")
