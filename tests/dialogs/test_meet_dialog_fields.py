"""The `meet` dialog keeps every field of a line (issue 24) in its draft and completes the
command with them; a series' answer to "When?" is read by the parser's rules.

The draft is plain JSON in the dialog options (the stack lives in the store, across restarts),
so each field must survive `json.dumps`; the dialog runs here on botbuilder's TestAdapter with
a stand-in for `MeetingFlow` that records the command it would book.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from botbuilder.core import ConversationState, MemoryStorage, TurnContext
from botbuilder.core.adapters import TestAdapter
from botbuilder.dialogs import DialogSet, DialogTurnStatus

from bot.commands import (
    IncompleteMeet,
    MeetCommand,
    ParseError,
    ParseErrorKind,
    Repeat,
    RepeatType,
    WeekIndex,
    parse,
    parse_series_when,
    parse_when,
)
from bot.i18n import catalog_for
from dialogs.meet import Reply, Requester
from dialogs.meet_dialog import (
    MEET_DIALOG,
    MeetDialog,
    draft_to_options,
    repeat_from_options,
)
from dialogs.turn import TurnSender, keep_turn_sender

LA = ZoneInfo("America/Los_Angeles")
SATURDAY = datetime(2026, 11, 21, 9, 0, tzinfo=LA)
MONDAY_4PM = datetime(2026, 11, 23, 16, 0, tzinfo=LA)
MONDAYS = Repeat(RepeatType.WEEKLY, days_of_week=("monday",))
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday")


class _Flow:
    """Stands in for MeetingFlow: records what would have been scheduled, and the names."""

    def __init__(self) -> None:
        self.scheduled: list[tuple[MeetCommand, Mapping[str, str] | None]] = []

    async def schedule(
        self,
        command: MeetCommand,
        who: Requester,
        reply: Reply,
        *,
        names: Mapping[str, str] | None = None,
    ) -> None:
        self.scheduled.append((command, names))
        await reply({"type": "AdaptiveCard", "version": "1.5", "body": []})


def _requester() -> Requester:
    return Requester("user", "conversation", "activity", LA, False, catalog_for("en-US"))


def _stored(options: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(json.dumps(options))  # as the store keeps it
    return result


async def _converse(
    draft: IncompleteMeet,
    answers: list[str],
    *,
    now: datetime = SATURDAY,
    names: Mapping[str, str] | None = None,
) -> tuple[_Flow, list[str]]:
    """Start the dialog with `draft` (via JSON), then give `answers`: the flow, and the texts
    the dialog said."""
    options = _stored(draft_to_options(draft, names))
    flow = _Flow()
    state = ConversationState(MemoryStorage())
    dialogs = DialogSet(state.create_property("DialogState"))
    dialogs.add(MeetDialog(flow))  # type: ignore[arg-type]

    async def turn(context: TurnContext) -> None:
        keep_turn_sender(context, TurnSender(now=now, requester=_requester()))
        dialog = await dialogs.create_context(context)
        result = await dialog.continue_dialog()
        if result.status == DialogTurnStatus.Empty:
            await dialog.begin_dialog(MEET_DIALOG, options)
        await state.save_changes(context)

    adapter = TestAdapter(turn)
    said: list[str] = []
    for text in ["meet", *answers]:
        await adapter.send(text)
        while (activity := adapter.get_next_activity()) is not None:
            said.append(activity.text or "")
    return flow, said


def _draft(line: str, now: datetime = SATURDAY) -> IncompleteMeet:
    draft = parse(line, now, locale="en-US")
    assert isinstance(draft, IncompleteMeet), draft
    return draft


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LA)


# --- the draft as JSON ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "repeat",
    [
        None,
        Repeat(RepeatType.DAILY),
        Repeat(RepeatType.DAILY, interval=2, count=10),
        Repeat(RepeatType.WEEKLY, days_of_week=WEEKDAYS, until=date(2026, 12, 31)),
        Repeat(RepeatType.WEEKLY, interval=2, days_of_week=("friday",)),
        Repeat(RepeatType.ABSOLUTE_MONTHLY, day_of_month=15, count=6),
        Repeat(RepeatType.RELATIVE_MONTHLY, days_of_week=("monday",), index=WeekIndex.FIRST),
        Repeat(RepeatType.RELATIVE_MONTHLY, days_of_week=("friday",), index=WeekIndex.LAST),
    ],
)
def test_the_repeat_survives_the_options_as_json(repeat: Repeat | None) -> None:
    draft = IncompleteMeet("Sync", None, None, None, repeat=repeat)
    assert repeat_from_options(_stored(draft_to_options(draft))) == repeat


def test_options_saved_before_repeats_existed_are_a_single_meeting() -> None:
    assert repeat_from_options({"subject": "Sync", "start": None, "end": None}) is None


# --- a series' answer to "When?" ---------------------------------------------------------------


def test_a_time_alone_starts_at_the_first_day_that_fits() -> None:
    found = parse_series_when("3pm", SATURDAY, MONDAYS, day=date(2026, 11, 23))
    assert found == (_at(date(2026, 11, 23), 15), _at(date(2026, 11, 23), 15, 30), MONDAYS)


def test_a_time_already_past_on_the_first_day_moves_to_the_next_one() -> None:
    found = parse_series_when("3pm", MONDAY_4PM, MONDAYS, day=MONDAY_4PM.date())
    assert found == (_at(date(2026, 11, 30), 15), _at(date(2026, 11, 30), 15, 30), MONDAYS)


def test_a_first_day_gone_by_since_the_line_searches_from_today() -> None:
    # The line was said on Saturday; the answer comes on Monday afternoon.
    found = parse_series_when("3pm", MONDAY_4PM, MONDAYS, day=date(2026, 11, 23))
    assert found == (_at(date(2026, 11, 30), 15), _at(date(2026, 11, 30), 15, 30), MONDAYS)


def test_a_day_off_the_pattern_starts_the_search() -> None:
    found = parse_series_when("Dec 2 10am for 1h", SATURDAY, MONDAYS, day=date(2026, 11, 23))
    assert found == (_at(date(2026, 12, 7), 10), _at(date(2026, 12, 7), 11), MONDAYS)


def test_an_end_before_the_first_occurrence_is_bad_repeat() -> None:
    ended = Repeat(RepeatType.WEEKLY, days_of_week=("monday",), until=date(2026, 12, 14))
    found = parse_series_when("Dec 21 3pm", SATURDAY, ended, day=date(2026, 11, 23))
    assert found == ParseError(ParseErrorKind.BAD_REPEAT, "Dec 21 3pm")


@pytest.mark.parametrize("answer", ["", "whenever", "3pm for 25h", "x" * 1001])
def test_an_unusable_answer_fails_as_for_a_single_meeting(answer: str) -> None:
    single = parse_when(answer, SATURDAY)
    assert isinstance(single, ParseError)
    assert parse_series_when(answer, SATURDAY, MONDAYS) == single


# --- the command the dialog completes ----------------------------------------------------------


async def test_meet_sync_every_monday_then_3pm_books_the_series() -> None:
    flow, _ = await _converse(_draft("meet Sync every Monday"), ["3pm"])
    [(command, _names)] = flow.scheduled
    start = _at(date(2026, 11, 23), 15)
    assert command == MeetCommand("Sync", start, start + timedelta(minutes=30), (), repeat=MONDAYS)


async def test_a_series_answered_on_a_later_day_keeps_its_pattern() -> None:
    flow, _ = await _converse(_draft("meet Sync every Monday"), ["Tuesday 3pm"])
    [(command, _names)] = flow.scheduled
    assert command.start == _at(date(2026, 11, 30), 15)
    assert command.repeat == MONDAYS


async def test_an_answer_past_the_series_end_is_asked_again() -> None:
    draft = _draft("meet Sync every Monday until Dec 14")
    flow, said = await _converse(draft, ["Dec 21 3pm", "3pm"])
    catalog = catalog_for("en-US")
    assert said[-2].startswith(catalog.reprompt_prefix)
    assert catalog.bad_repeat.format(detail="Dec 21 3pm") in said[-2]
    [(command, _names)] = flow.scheduled
    assert command.start == _at(date(2026, 11, 23), 15)
    assert command.repeat == Repeat(
        RepeatType.WEEKLY, days_of_week=("monday",), until=date(2026, 12, 14)
    )


async def test_every_field_of_the_line_reaches_the_command() -> None:
    draft = IncompleteMeet(
        None,
        _at(date(2026, 11, 23), 15),
        _at(date(2026, 11, 23), 16),
        None,
        attendees=("ada@contoso.com",),
        optional=("MeganB@contoso.com", "bob@contoso.com"),
        optional_mentions=("Ola",),
        repeat=Repeat(RepeatType.WEEKLY, days_of_week=WEEKDAYS, count=10),
        places=("Harry's Bar", "Home Office"),
        room="baker@contoso.com",
        agenda="Review the Q3 numbers\nThen plan Q4",
    )
    names = {"meganb@contoso.com": "Megan Bowen"}
    flow, _ = await _converse(draft, ["Standup"], names=names)
    [(command, given)] = flow.scheduled
    assert command == MeetCommand(
        "Standup",
        _at(date(2026, 11, 23), 15),
        _at(date(2026, 11, 23), 16),
        ("ada@contoso.com",),
        optional=("MeganB@contoso.com", "bob@contoso.com"),
        optional_mentions=("Ola",),
        repeat=Repeat(RepeatType.WEEKLY, days_of_week=WEEKDAYS, count=10),
        places=("Harry's Bar", "Home Office"),
        room="baker@contoso.com",
        agenda="Review the Q3 numbers\nThen plan Q4",
    )
    assert given == names


async def test_a_single_meeting_stays_single() -> None:
    flow, _ = await _converse(_draft("meet Sync tomorrow at Harry's Bar"), ["3pm"])
    [(command, _names)] = flow.scheduled
    assert command.repeat is None
    assert command.places == ("Harry's Bar",)
    assert command.start == _at(date(2026, 11, 22), 15)
