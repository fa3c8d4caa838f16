"""The schedule form's repeat, place, optional and agenda inputs: the `MeetCommand` a submit
produces, and every value that is sent back instead."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.commands import MeetCommand, Repeat, RepeatType
from cards.actions import ScheduleForm, parse_action
from cards.schedule_form import AGENDA_LIMIT, ATTENDEES_LIMIT, PLACE_LIMIT
from dialogs.form import MAX_ATTENDEES, MAX_PLACES, FormProblem, read_form

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=BERLIN)  # a Friday
WORK_WEEK = ("monday", "tuesday", "wednesday", "thursday", "friday")


def _form(**values: str) -> ScheduleForm:
    # Monday 23 November 2026, 14:30 in Berlin.
    typed = {"subject": "Budget", "date": "2026-11-23", "time": "14:30", "duration": "60"}
    return ScheduleForm.model_validate(typed | values)


def _command(**values: str) -> MeetCommand:
    result = read_form(_form(**values), NOW)
    assert isinstance(result, MeetCommand), result
    return result


def _problem(**values: str) -> FormProblem:
    result = read_form(_form(**values), NOW)
    assert isinstance(result, FormProblem), result
    return result


def test_a_weekly_series_with_place_optional_and_agenda() -> None:
    """The submit Teams posts, through `parse_action` as the handler reads it."""
    submitted = {
        "meetbot": "schedule_form",
        "subject": "Design review",
        "date": "2026-11-23",
        "time": "14:30",
        "duration": "45",
        "attendees": "adele@contoso.com",
        "repeat": "weekly",
        "repeatUntil": "2026-12-31",
        "place": "Conf Room 3; Fourth Coffee",
        "optional": "megan@contoso.com, Adele@contoso.com",
        "agenda": "Q3 numbers\r\nLaunch <plan> & risks",
    }
    form = parse_action(submitted)
    assert isinstance(form, ScheduleForm)

    command = read_form(form, NOW)

    assert command == MeetCommand(
        subject="Design review",
        start=datetime(2026, 11, 23, 14, 30, tzinfo=BERLIN),
        end=datetime(2026, 11, 23, 15, 15, tzinfo=BERLIN),
        attendees=("adele@contoso.com",),
        optional=("megan@contoso.com",),  # Adele is required already
        repeat=Repeat(RepeatType.WEEKLY, days_of_week=("monday",), until=date(2026, 12, 31)),
        places=("Conf Room 3", "Fourth Coffee"),
        room=None,
        agenda="Q3 numbers\nLaunch <plan> & risks",  # escaped where it becomes HTML, not here
    )


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        ("", None),
        ("none", None),
        ("daily", Repeat(RepeatType.DAILY)),
        ("weekdays", Repeat(RepeatType.WEEKLY, days_of_week=WORK_WEEK)),
        ("weekly", Repeat(RepeatType.WEEKLY, days_of_week=("monday",))),
        ("monthly", Repeat(RepeatType.ABSOLUTE_MONTHLY, day_of_month=23)),
    ],
)
def test_each_repeat_choice(choice: str, expected: Repeat | None) -> None:
    assert _command(repeat=choice).repeat == expected


def test_weekly_and_monthly_follow_the_start_date() -> None:
    # Saturday 5 December 2026.
    assert _command(repeat="weekly", date="2026-12-05").repeat == Repeat(
        RepeatType.WEEKLY, days_of_week=("saturday",)
    )
    assert _command(repeat="monthly", date="2026-12-31").repeat == Repeat(
        RepeatType.ABSOLUTE_MONTHLY, day_of_month=31
    )


def test_an_end_date_on_the_first_day_is_a_series_of_one_day() -> None:
    command = _command(repeat="daily", repeatUntil="2026-11-23")

    assert command.repeat == Repeat(RepeatType.DAILY, until=date(2026, 11, 23))


@pytest.mark.parametrize(
    ("values", "field", "detail"),
    [
        ({"repeat": "yearly"}, "repeat", "yearly"),
        ({"repeat": "weekly", "repeatUntil": "2026-11-22"}, "repeatUntil", "2026-11-22"),
        ({"repeat": "weekly", "repeatUntil": "31.12.2026"}, "repeatUntil", "31.12.2026"),
        ({"repeatUntil": "2026-12-31"}, "repeatUntil", "2026-12-31"),  # an end without a repeat
        # A series' first meeting is its first occurrence: no weekday series from a Saturday.
        ({"repeat": "weekdays", "date": "2026-11-21"}, "date", "2026-11-21"),
        ({"place": "baker@"}, "place", "baker@"),
        ({"place": "a@contoso.com; b@contoso.com"}, "place", "b@contoso.com"),
        ({"optional": "megan@"}, "optional", "megan@"),
    ],
)
def test_unusable_values_name_their_field(values: dict[str, str], field: str, detail: str) -> None:
    problem = _problem(**values)

    assert (problem.field, problem.detail) == (field, detail)


def test_a_room_address_and_places() -> None:
    command = _command(place=" Conf Room 3 ;baker@contoso.com; ; Home\u200b Office; conf room 3")

    assert command.places == ("Conf Room 3", "Home Office")
    assert command.room == "baker@contoso.com"


def test_a_chinese_semicolon_separates_places_too() -> None:
    command = _command(place="3号会议室；baker@contoso.com")

    assert (command.places, command.room) == (("3号会议室",), "baker@contoso.com")


def test_the_same_room_twice_is_one_room() -> None:
    assert _command(place="baker@contoso.com; Baker@contoso.com").room == "baker@contoso.com"


def test_blank_new_fields_change_nothing() -> None:
    command = _command(repeat="", repeatUntil="", place=" ; ", optional=" ", agenda=" \n ")

    assert (command.repeat, command.places, command.room, command.optional, command.agenda) == (
        None,
        (),
        None,
        (),
        None,
    )


def test_agenda_lines_are_kept_and_cleaned() -> None:
    agenda = _command(agenda="  1. Numbers\n\n2.\u202e Launch\x00\t plan  ").agenda

    assert agenda == "1. Numbers\n\n2. Launch plan"


# -- the limits, held on the server as the attendees field's are --------------------------------


def test_optional_attendees_have_the_attendees_limits() -> None:
    many = ", ".join(f"p{n}@c.io" for n in range(MAX_ATTENDEES + 1))
    assert len(many) <= ATTENDEES_LIMIT
    assert _problem(optional=many).field == "optional"
    assert _problem(optional="a" * (ATTENDEES_LIMIT + 1)).field == "optional"
    few = ", ".join(f"p{n}@c.io" for n in range(MAX_ATTENDEES))
    assert len(_command(optional=few).optional) == MAX_ATTENDEES


def test_place_limits() -> None:
    assert _problem(place="x" * (PLACE_LIMIT + 1)).field == "place"
    too_many = "; ".join(f"Room {n}" for n in range(MAX_PLACES + 1))
    assert _problem(place=too_many).field == "place"
    at_limit = "; ".join(f"Room {n}" for n in range(MAX_PLACES))
    assert len(_command(place=at_limit).places) == MAX_PLACES


def test_agenda_limit() -> None:
    assert _command(agenda="x" * AGENDA_LIMIT).agenda == "x" * AGENDA_LIMIT
    problem = _problem(agenda="x" * (AGENDA_LIMIT + 1))
    assert problem.field == "agenda"
    assert len(problem.detail) <= 80
    # CRLF line breaks count once, as the input's maxLength counts them.
    assert _command(agenda="ab\r\n" * (AGENDA_LIMIT // 3)).agenda is not None
