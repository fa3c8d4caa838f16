"""The agenda (upcoming) and online-candidates cards."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.i18n import Catalog
from cards import AgendaItem, online_candidates_card, upcoming_card, validate_card
from tests.cards.helpers import JOIN_URL, START, make_item, of_type, texts

LA = ZoneInfo("America/Los_Angeles")
USER = "00000000-0000-0000-0000-0000000000a1"


def containers(card: dict[str, Any]) -> list[dict[str, Any]]:
    return [element for element in card["body"] if element["type"] == "Container"]


def mixed_items() -> list[AgendaItem]:
    return [
        make_item(0),
        make_item(1, subject="Offline 1:1", join_url=None, is_online=False),
        make_item(2, subject="", join_url=None),  # online, but Graph gave no join URL
        make_item(3, subject="Stale link", is_online=False),  # a leftover URL on an offline event
        make_item(4, subject="Bad link", join_url="javascript:alert(1)"),
    ]


def test_upcoming_card(
    each_catalog: Catalog, assert_no_empty_values: Callable[[dict[str, Any]], None]
) -> None:
    card = upcoming_card(each_catalog, mixed_items(), LA)

    validate_card(card)
    assert_no_empty_values(card)
    assert card["body"][0]["text"] == each_catalog.upcoming_title
    assert card["body"][1]["text"] == each_catalog.zone_note.format(zone="America/Los_Angeles")
    rows = containers(card)
    assert [row["items"][0]["text"] for row in rows] == [
        "Design review",
        "Offline 1:1",
        each_catalog.untitled_meeting,
        "Stale link",
        "Bad link",
    ]
    assert all(row["items"][0]["weight"] == "Bolder" for row in rows)
    assert not of_type(card, "Action.Submit")


def test_join_only_for_online_items_with_a_usable_url(catalog: Catalog) -> None:
    card = upcoming_card(catalog, mixed_items(), LA)

    joins = [of_type(row, "Action.OpenUrl") for row in containers(card)]
    assert joins == [
        [{"type": "Action.OpenUrl", "title": catalog.join_button, "url": JOIN_URL}],
        [],
        [],
        [],
        [],
    ]
    assert len(of_type(card, "ActionSet")) == 1


def test_times_are_in_the_given_zone(catalog: Catalog, zh_catalog: Catalog) -> None:
    items = [make_item(0), make_item(1, minutes=9 * 60)]  # the second ends the next day

    assert texts(containers(upcoming_card(catalog, items, LA))) == [
        "Design review",
        "Sun, Nov 22, 3:00 PM – 3:45 PM",
        "Design review",
        "Mon, Nov 23, 3:00 PM – Tue, Nov 24, 12:00 AM",
    ]
    assert texts(containers(upcoming_card(zh_catalog, items, LA)))[1::2] == [
        "11月22日 周日 下午3:00 – 下午3:45",
        "11月23日 周一 下午3:00 – 11月24日 周二 上午12:00",
    ]
    tokyo = upcoming_card(catalog, items[:1], ZoneInfo("Asia/Tokyo"))
    assert texts(containers(tokyo))[1] == "Mon, Nov 23, 8:00 AM – 8:45 AM"


def test_subjects_are_escaped_and_capped(catalog: Catalog) -> None:
    items = [make_item(0, subject="[click](https://evil) **now**"), make_item(1, subject="y" * 300)]
    card = upcoming_card(catalog, items, LA)

    first, second = (row["items"][0]["text"] for row in containers(card))
    assert first == r"\[click\]\(https://evil\) \*\*now\*\*"
    assert second == "y" * 254 + "\u2026"


def test_empty_agenda(
    each_catalog: Catalog, assert_no_empty_values: Callable[[dict[str, Any]], None]
) -> None:
    card = upcoming_card(each_catalog, [], LA)

    validate_card(card)
    assert_no_empty_values(card)
    assert texts(card) == [each_catalog.upcoming_title, each_catalog.no_upcoming]
    assert "actions" not in card


@pytest.mark.parametrize(("count", "more"), [(20, None), (21, 1), (25, 5)])
def test_agenda_is_capped_at_20(each_catalog: Catalog, count: int, more: int | None) -> None:
    card = upcoming_card(each_catalog, [make_item(index) for index in range(count)], LA)

    validate_card(card)
    assert len(containers(card)) == 20
    last = card["body"][-1]
    if more is None:
        assert last["type"] == "Container"
    else:
        assert last["text"] == each_catalog.more_items.format(count=more)


def test_more_items_wording(catalog: Catalog, zh_catalog: Catalog) -> None:
    items = [make_item(index) for index in range(23)]

    assert upcoming_card(catalog, items, LA)["body"][-1]["text"] == "+3 more"
    assert upcoming_card(zh_catalog, items, LA)["body"][-1]["text"] == "还有 3 个"


def test_online_candidates_card(
    each_catalog: Catalog, assert_no_empty_values: Callable[[dict[str, Any]], None]
) -> None:
    card = online_candidates_card(each_catalog, mixed_items(), LA, for_user=USER)

    validate_card(card)
    assert_no_empty_values(card)
    assert card["body"][0]["text"] == each_catalog.online_candidates_title
    rows = containers(card)
    assert [row["items"][0]["text"] for row in rows] == ["Offline 1:1", "Stale link"]
    buttons = [of_type(row, "Action.Submit") for row in rows]
    assert buttons == [
        [
            {
                "type": "Action.Submit",
                "title": each_catalog.make_online_button,
                "data": {"meetbot": "make_online", "eventId": "AAMkAD-event-1", "for": USER},
            }
        ],
        [
            {
                "type": "Action.Submit",
                "title": each_catalog.make_online_button,
                "data": {"meetbot": "make_online", "eventId": "AAMkAD-event-3", "for": USER},
            }
        ],
    ]
    assert not of_type(card, "Action.OpenUrl")


@pytest.mark.parametrize("online", [True, False])
def test_no_candidates(
    each_catalog: Catalog, online: bool, assert_no_empty_values: Callable[[dict[str, Any]], None]
) -> None:
    items = [make_item(0)] if online else []
    card = online_candidates_card(each_catalog, items, LA, for_user=USER)

    validate_card(card)
    assert_no_empty_values(card)
    assert texts(card) == [each_catalog.online_candidates_title, each_catalog.no_offline_candidates]
    assert not of_type(card, "Action.Submit")


def test_candidates_are_capped_after_filtering(catalog: Catalog) -> None:
    items = [make_item(index, is_online=index % 2 == 0) for index in range(44)]
    card = online_candidates_card(catalog, items, LA, for_user=USER)

    validate_card(card)
    assert len(of_type(card, "Action.Submit")) == 20
    assert card["body"][-1]["text"] == "+2 more"


def test_candidates_need_a_user(catalog: Catalog) -> None:
    with pytest.raises(ValueError, match="for_user"):
        online_candidates_card(catalog, [make_item(0)], LA, for_user=" ")


def test_item_needs_aware_times_and_an_id() -> None:
    with pytest.raises(ValueError, match="aware"):
        AgendaItem(event_id="x", subject="s", start=datetime(2020, 1, 1), end=START)
    with pytest.raises(ValueError, match="event id"):
        AgendaItem(event_id=" ", subject="s", start=START, end=datetime(2020, 1, 1, tzinfo=UTC))
