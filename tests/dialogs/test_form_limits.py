"""The schedule form's limits hold on the server: a forged submit cannot exceed them."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from cards.actions import ScheduleForm
from cards.schedule_form import ATTENDEES_LIMIT
from dialogs.form import DETAIL_LIMIT, MAX_ATTENDEES, FormProblem, read_form

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=ZoneInfo("Europe/Berlin"))


def _form(**values: str) -> ScheduleForm:
    typed = {"subject": "Budget", "date": "2026-11-23", "time": "14:30", "duration": "60"}
    return ScheduleForm.model_validate(typed | values)


def test_more_attendees_than_the_form_allows_are_refused() -> None:
    many = ", ".join(f"p{n}@contoso.com" for n in range(MAX_ATTENDEES + 1))
    result = read_form(
        _form(attendees=many[:ATTENDEES_LIMIT] if len(many) <= ATTENDEES_LIMIT else many), NOW
    )
    assert isinstance(result, FormProblem) and result.field == "attendees"


def test_a_count_at_the_limit_is_accepted() -> None:
    few = ", ".join(f"p{n}@c.io" for n in range(MAX_ATTENDEES))
    assert len(few) <= ATTENDEES_LIMIT
    result = read_form(_form(attendees=few), NOW)
    assert not isinstance(result, FormProblem)
    assert len(result.attendees) == MAX_ATTENDEES


def test_an_attendees_field_longer_than_its_max_length_is_refused() -> None:
    result = read_form(_form(attendees="a" * (ATTENDEES_LIMIT + 1)), NOW)
    assert isinstance(result, FormProblem) and result.field == "attendees"


def test_what_a_problem_quotes_back_is_capped() -> None:
    result = read_form(_form(subject="x" * 100_000), NOW)
    assert isinstance(result, FormProblem) and result.field == "subject"
    assert len(result.detail) <= DETAIL_LIMIT
