"""The reminder card sent without re-reading the meeting (delegated mode, the organizer has no
token): built from what was stored, it says so under its heading, in the reader's language."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.i18n import Catalog, catalog_for
from cards import MeetingView, reminder_card, validate_card
from tests.cards.helpers import JOIN_URL, START, of_type

EN = catalog_for("en-US")
ZH = catalog_for("zh-CN")
LA = ZoneInfo("America/Los_Angeles")


def stored_view(join_url: str | None = JOIN_URL) -> MeetingView:
    """What the scheduler has without Graph: the stored times, subject and join link."""
    return MeetingView(
        subject="Design review",
        start=START.astimezone(LA),
        end=(START + timedelta(minutes=30)).astimezone(LA),
        zone=LA,
        zone_is_fallback=False,
        join_url=join_url,
        dial_in=None,
    )


def warnings(card: dict[str, Any]) -> list[str]:
    return [
        block["text"] for block in of_type(card, "TextBlock") if block.get("color") == "Warning"
    ]


def joins(card: dict[str, Any]) -> list[str]:
    return [
        action["url"] for action in card.get("actions", []) if action["type"] == "Action.OpenUrl"
    ]


@pytest.mark.parametrize(
    ("catalog", "series", "expected"),
    [
        (EN, False, EN.reminder_not_rechecked),
        (EN, True, EN.reminder_not_rechecked_series),
        (ZH, False, ZH.reminder_not_rechecked),
        (ZH, True, ZH.reminder_not_rechecked_series),
    ],
    ids=["en", "en-series", "zh", "zh-series"],
)
def test_a_card_not_rechecked_says_so_under_its_heading(
    catalog: Catalog, series: bool, expected: str
) -> None:
    now = START - timedelta(minutes=10)
    card = reminder_card(stored_view(), catalog, now=now, rechecked=False, series=series)
    validate_card(card)

    heading, warning, subject = card["body"][:3]
    assert heading["text"] == catalog.reminder_starts_in.format(minutes=10)
    assert warning == {"type": "TextBlock", "text": expected, "color": "Warning", "wrap": True}
    assert subject["text"] == "Design review"
    assert joins(card) == [JOIN_URL]  # the stored join link still joins


def test_the_english_and_chinese_lines_say_to_sign_in_again() -> None:
    assert EN.reminder_not_rechecked == (
        "Not re-checked with your calendar: sign in again to Meetbot so reminders see moves "
        "and cancellations."
    )
    assert "next meeting of this series" in EN.reminder_not_rechecked_series
    assert "重新登录 Meetbot" in ZH.reminder_not_rechecked
    assert "下一次会议" in ZH.reminder_not_rechecked_series


@pytest.mark.parametrize("series", [False, True])
def test_a_rechecked_card_has_no_such_line(series: bool) -> None:
    card = reminder_card(stored_view(), EN, now=START - timedelta(minutes=10), series=series)
    validate_card(card)

    assert warnings(card) == []
    assert card["body"][1]["text"] == "Design review"


def test_without_a_stored_join_link_the_card_has_no_join_button_but_still_warns() -> None:
    card = reminder_card(
        stored_view(join_url=None), EN, now=START - timedelta(minutes=10), rechecked=False
    )
    validate_card(card)

    assert joins(card) == []
    assert warnings(card) == [EN.reminder_not_rechecked]
