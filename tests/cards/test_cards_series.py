"""The series question's card and its payloads: `MoveMeeting`, and `CancelMeeting`'s scope."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from cards.actions import ActionProblem, CancelMeeting, MoveMeeting, parse_action
from cards.schema import validate_card
from cards.series import Choice, series_choice_card

USER = "aad-user-1"
LA = ZoneInfo("America/Los_Angeles")
MOVE = MoveMeeting(
    event_id="AAMkOccurrence=",
    series_id="AAMkMaster=",
    for_user=USER,
    scope="series",
    start=datetime(2026, 11, 24, 9, 30, tzinfo=LA),
    end=datetime(2026, 11, 24, 10, tzinfo=LA),
    was=datetime(2026, 11, 24, 9, tzinfo=LA),
    subject="Standup",
)


@pytest.mark.parametrize(
    "action",
    [
        MOVE,
        MOVE.model_copy(update={"scope": "occurrence"}),
        CancelMeeting(
            event_id="AAMk-1", for_user=USER, confirm=True, scope="series", series_id="AAMk-2"
        ),
    ],
)
def test_what_the_question_writes_parses_back(action: Any) -> None:
    assert parse_action(action.data()) == action


def test_times_travel_with_their_offset() -> None:
    data = MOVE.data()
    assert data["start"] == "2026-11-24T09:30:00-08:00"
    assert data["seriesId"] == "AAMkMaster="


@pytest.mark.parametrize(
    "change",
    [
        {"scope": "everything"},
        {"start": "2026-11-24T09:30:00"},  # no offset: which 9:30?
        {"seriesId": ""},
    ],
)
def test_a_changed_payload_is_refused_but_keeps_its_for(change: dict[str, Any]) -> None:
    problem = parse_action({**MOVE.data(), **change})
    assert isinstance(problem, ActionProblem) and problem.for_user == USER


def test_a_plain_cancel_writes_no_scope() -> None:
    data = CancelMeeting(event_id="AAMk-1", for_user=USER, confirm=True).data()
    assert "scope" not in data and "seriesId" not in data


def test_the_card_has_one_button_per_answer() -> None:
    card = series_choice_card(
        "\u201cStandup\u201d repeats. Cancel only the one on Tue, or the whole series?",
        [
            Choice("Only this one", MOVE, destructive=True),
            Choice("The whole series", MOVE.model_copy(update={"scope": "series"})),
        ],
    )
    validate_card(card)
    first, second = card["actions"]
    assert (first["title"], first.get("style"), first["data"]["scope"]) == (
        "Only this one",
        "destructive",
        "series",
    )
    assert "style" not in second
    with pytest.raises(ValueError):
        series_choice_card("Which?", [])


def test_three_answers_are_stacked_under_the_question() -> None:
    """Teams cuts the titles of three buttons in one row; stacked, each keeps its words."""
    titles = ["Cancel only this one", "Cancel the whole series", "Keep it"]
    card = series_choice_card("Which?", [Choice(title, MOVE) for title in titles])
    validate_card(card)
    assert "actions" not in card
    question, *rows = card["body"]
    assert question["type"] == "TextBlock"
    assert [row["type"] for row in rows] == ["ActionSet"] * 3
    assert [action["title"] for row in rows for action in row["actions"]] == titles
