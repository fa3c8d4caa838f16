"""The schedule form card."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.i18n import Catalog
from cards import FormDefaults, next_half_hour, schedule_form_card, validate_card
from cards.actions import ScheduleForm
from tests.cards.helpers import inputs, of_type, texts

TODAY = date(2020, 11, 22)
ZONE = "Europe/Berlin"


def form(catalog: Catalog, **kwargs: Any) -> dict[str, Any]:
    card = schedule_form_card(catalog, today=TODAY, zone_label=ZONE, **kwargs)
    validate_card(card)
    return card


def test_blank_form(
    each_catalog: Catalog, assert_no_empty_values: Callable[[dict[str, Any]], None]
) -> None:
    card = form(each_catalog)

    assert_no_empty_values(card)
    assert card["version"] == "1.5"
    fields = inputs(card)
    assert list(fields) == [
        "subject",
        "date",
        "time",
        "duration",
        "repeat",
        "repeatUntil",
        "place",
        "attendees",
        "optional",
        "agenda",
    ]
    assert [field["type"] for field in fields.values()] == [
        "Input.Text",
        "Input.Date",
        "Input.Time",
        "Input.ChoiceSet",
        "Input.ChoiceSet",
        "Input.Date",
        "Input.Text",
        "Input.Text",
        "Input.Text",
        "Input.Text",
    ]
    subject = fields["subject"]
    assert subject["isRequired"] is True
    assert subject["maxLength"] == 255
    assert type(subject["maxLength"]) is int
    assert subject["label"] == each_catalog.form_subject_label
    assert subject["errorMessage"] == each_catalog.form_subject_required
    assert "value" not in subject
    assert fields["date"]["value"] == "2020-11-22"
    assert "value" not in fields["time"]
    assert [choice["value"] for choice in fields["duration"]["choices"]] == [
        "15",
        "30",
        "45",
        "60",
        "90",
        "120",
    ]
    assert fields["duration"]["value"] == "30"
    assert fields["attendees"]["placeholder"] == each_catalog.form_attendees_placeholder
    assert "value" not in fields["attendees"]
    for field in fields.values():
        assert field["label"]


def test_submit_action(each_catalog: Catalog) -> None:
    card = form(each_catalog)

    assert card["actions"] == [
        {
            "type": "Action.Submit",
            "title": each_catalog.form_submit,
            "style": "positive",
            "data": {"meetbot": "schedule_form"},
        }
    ]


def test_zone_label_is_shown_escaped(catalog: Catalog) -> None:
    assert "Times are in Europe/Berlin." in texts(form(catalog))
    card = schedule_form_card(catalog, today=TODAY, zone_label="UTC *fallback*")
    assert r"Times are in UTC \*fallback\*." in texts(card)


def test_zh_zone_note_and_durations(zh_catalog: Catalog) -> None:
    card = form(zh_catalog)

    assert "时间以 Europe/Berlin 时区显示。" in texts(card)
    titles = [choice["title"] for choice in inputs(card)["duration"]["choices"]]
    assert titles == ["15分钟", "30分钟", "45分钟", "1小时", "1小时30分钟", "2小时"]


def test_en_duration_labels(catalog: Catalog) -> None:
    titles = [choice["title"] for choice in inputs(form(catalog))["duration"]["choices"]]

    assert titles == ["15 min", "30 min", "45 min", "1 h", "1 h 30 min", "2 h"]


def test_defaults_keep_what_the_user_typed(
    each_catalog: Catalog, assert_no_empty_values: Callable[[dict[str, Any]], None]
) -> None:
    defaults = FormDefaults(
        subject="Plan [Q1] *launch*",
        date="2020-12-01",
        time="09:30",
        duration_minutes="90",
        attendees="adele@contoso.com, alex_w@contoso.com",
        repeat="weekly",
        repeat_until="2020-12-31",
        place="Conf Room 3; baker@contoso.com",
        optional="megan@contoso.com",
        agenda="1. Numbers\n2. *Launch*",
    )
    card = form(each_catalog, defaults=defaults)

    assert_no_empty_values(card)
    values = {key: field.get("value") for key, field in inputs(card).items()}
    # Input values are not markdown: they come back exactly as typed, without escapes.
    assert values == {
        "subject": "Plan [Q1] *launch*",
        "date": "2020-12-01",
        "time": "09:30",
        "duration": "90",
        "attendees": "adele@contoso.com, alex_w@contoso.com",
        "repeat": "weekly",
        "repeatUntil": "2020-12-31",
        "place": "Conf Room 3; baker@contoso.com",
        "optional": "megan@contoso.com",
        "agenda": "1. Numbers\n2. *Launch*",
    }


@pytest.mark.parametrize(
    ("defaults", "expected"),
    [
        (
            FormDefaults(subject=" \x00 ", date="2020-02-30", time="9:30", duration_minutes="17"),
            {"date": "2020-11-22", "duration": "30"},
        ),
        (
            FormDefaults(date="tomorrow", time="25:00", duration_minutes="", attendees="\t"),
            {"date": "2020-11-22", "duration": "30"},
        ),
        (
            FormDefaults(subject="a\nb", date="2020-11-22T10:00", time="10:00:00"),
            {"subject": "a b", "date": "2020-11-22", "duration": "30"},
        ),
    ],
)
def test_unusable_defaults_fall_back(
    catalog: Catalog,
    assert_no_empty_values: Callable[[dict[str, Any]], None],
    defaults: FormDefaults,
    expected: dict[str, str],
) -> None:
    card = form(catalog, defaults=defaults)

    assert_no_empty_values(card)
    values = {key: field["value"] for key, field in inputs(card).items() if "value" in field}
    assert values == expected


def test_long_subject_is_capped(catalog: Catalog) -> None:
    card = form(catalog, defaults=FormDefaults(subject="x" * 300))

    value = inputs(card)["subject"]["value"]
    assert len(value) == 255
    assert value.endswith("\u2026")


def test_error_comes_first_and_is_escaped(each_catalog: Catalog) -> None:
    error = each_catalog.form_invalid.format(detail="[x](https://evil)")
    card = form(each_catalog, error=error)

    first = card["body"][0]
    assert first["type"] == "TextBlock"
    assert first["color"] == "Attention"
    assert r"\[x\]\(https://evil\)" in first["text"]
    assert "[x](https://evil)" not in first["text"]
    assert card["body"][1]["text"] == each_catalog.form_title


@pytest.mark.parametrize("error", [None, "", " \x00 "])
def test_no_error_block_without_an_error(catalog: Catalog, error: str | None) -> None:
    card = form(catalog, error=error)

    assert card["body"][0]["text"] == catalog.form_title
    assert not [block for block in of_type(card, "TextBlock") if block.get("color")]


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2020, 11, 22, 14, 5), datetime(2020, 11, 22, 14, 30)),
        (datetime(2020, 11, 22, 14, 30), datetime(2020, 11, 22, 15, 0)),
        (datetime(2020, 11, 22, 14, 59, 59, 999), datetime(2020, 11, 22, 15, 0)),
        (datetime(2020, 11, 22, 23, 45), datetime(2020, 11, 23, 0, 0)),
    ],
)
def test_next_half_hour(now: datetime, expected: datetime) -> None:
    zone = ZoneInfo(ZONE)
    assert next_half_hour(now.replace(tzinfo=zone)) == expected.replace(tzinfo=zone)


def test_starting_at_fills_date_and_time(catalog: Catalog) -> None:
    defaults = FormDefaults.starting_at(datetime(2020, 11, 22, 23, 45, tzinfo=ZoneInfo(ZONE)))

    assert defaults == FormDefaults(date="2020-11-23", time="00:00", duration_minutes="30")
    values = {
        key: field.get("value") for key, field in inputs(form(catalog, defaults=defaults)).items()
    }
    assert values["date"] == "2020-11-23"
    assert values["time"] == "00:00"


def test_defaults_from_submitted_values() -> None:
    submitted: dict[str, object] = {
        "meetbot": "schedule_form",
        "subject": "Retro",
        "date": "2020-11-23",
        "time": "10:00",
        "duration": "45",
        "attendees": 42,  # not a string: ignored
    }

    assert FormDefaults.from_form(ScheduleForm.model_validate(submitted)) == FormDefaults(
        subject="Retro", date="2020-11-23", time="10:00", duration_minutes="45", attendees=""
    )
    assert FormDefaults.from_form(ScheduleForm()) == FormDefaults()
