"""The schedule form's repeat, repeat-until, place, optional and agenda inputs."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from bot.i18n import Catalog, catalog_for
from cards import FormDefaults, schedule_form_card, validate_card
from cards.actions import ScheduleForm
from cards.schedule_form import AGENDA_LIMIT, ATTENDEES_LIMIT, PLACE_LIMIT, REPEAT_CHOICES
from tests.cards.helpers import inputs

EN = catalog_for("en-US")
ZH = catalog_for("zh-CN")


def form(catalog: Catalog, defaults: FormDefaults | None = None) -> dict[str, Any]:
    card = schedule_form_card(
        catalog, today=date(2020, 11, 22), zone_label="Europe/Berlin", defaults=defaults
    )
    validate_card(card)
    return card


@pytest.mark.parametrize(
    ("catalog", "titles"),
    [
        (EN, ["Does not repeat", "Every day", "Every weekday", "Every week", "Every month"]),
        (ZH, ["不重复", "每天", "每个工作日", "每周", "每月"]),
    ],
    ids=["en", "zh"],
)
def test_repeat_choices(catalog: Catalog, titles: list[str]) -> None:
    repeat = inputs(form(catalog))["repeat"]

    assert repeat["type"] == "Input.ChoiceSet"
    assert repeat["style"] == "compact"
    assert [choice["value"] for choice in repeat["choices"]] == [
        "none",
        "daily",
        "weekdays",
        "weekly",
        "monthly",
    ]
    assert [choice["title"] for choice in repeat["choices"]] == titles
    # Not repeating is the default, said by the placeholder; a blank submit reads as none.
    assert "value" not in repeat
    assert repeat["placeholder"] == titles[0]
    assert repeat["label"] == catalog.form_repeat_label
    assert "isRequired" not in repeat


def test_the_new_inputs_and_their_limits() -> None:
    fields = inputs(form(EN))

    assert fields["repeatUntil"]["type"] == "Input.Date"
    assert fields["repeatUntil"]["label"] == EN.form_repeat_until_label
    assert fields["place"]["maxLength"] == PLACE_LIMIT
    assert fields["place"]["placeholder"] == EN.form_place_placeholder
    assert fields["optional"]["maxLength"] == ATTENDEES_LIMIT
    assert fields["optional"]["label"] == EN.form_optional_label
    agenda = fields["agenda"]
    assert agenda["isMultiline"] is True
    assert agenda["maxLength"] == AGENDA_LIMIT
    for name in ("place", "optional", "agenda"):
        assert type(fields[name]["maxLength"]) is int
        assert "isRequired" not in fields[name]
        assert "value" not in fields[name]


def test_a_submitted_form_comes_back_with_the_new_fields() -> None:
    submitted = ScheduleForm.model_validate(
        {
            "subject": "Design review",
            "date": "2020-11-23",
            "time": "14:30",
            "duration": "45",
            "repeat": "monthly",
            "repeatUntil": "2021-06-30",
            "place": "Conf Room 3; baker@",
            "optional": "megan@contoso.com",
            "agenda": "Numbers\nLaunch",
        }
    )
    values = {
        key: field.get("value")
        for key, field in inputs(form(ZH, FormDefaults.from_form(submitted))).items()
    }

    assert values["repeat"] == "monthly"
    assert values["repeatUntil"] == "2021-06-30"
    assert values["place"] == "Conf Room 3; baker@"
    assert values["optional"] == "megan@contoso.com"
    assert values["agenda"] == "Numbers\nLaunch"


@pytest.mark.parametrize(
    ("defaults", "expected"),
    [
        (FormDefaults(repeat="yearly", repeat_until="2020-02-30"), {}),
        (FormDefaults(repeat="none", repeat_until="next year"), {}),
        (FormDefaults(repeat="weekly"), {"repeat": "weekly"}),
        (
            FormDefaults(agenda="a\x00\u202e\tb\r\n\r\nc" + "x" * (AGENDA_LIMIT + 10)),
            {"agenda": "a b\n\nc" + "x" * (AGENDA_LIMIT - 7) + "\u2026"},
        ),
    ],
)
def test_unusable_defaults_of_the_new_fields_fall_back(
    defaults: FormDefaults, expected: dict[str, str]
) -> None:
    fields = inputs(form(EN, defaults))
    new = ("repeat", "repeatUntil", "place", "optional", "agenda")

    assert {key: fields[key]["value"] for key in new if "value" in fields[key]} == expected


def test_each_repeat_choice_has_a_title_in_each_language() -> None:
    for catalog in (EN, ZH):
        assert len(catalog.form_repeat_choices) == len(REPEAT_CHOICES)
