"""Every card the bot sends, rendered by Microsoft's Adaptive Cards renderer as Teams shows it.

The cards come from `catalogue.py`; the checks from `checks.py`. Each card is rendered at a Teams
desktop width and a phone width, its buttons clicked, and the resulting DOM checked. Negative
controls break a meeting card on purpose and prove each check notices. The desktop renderings
are saved as PNGs (see README.md for regenerating `docs/cards/`).
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from bot.commands import MeetCommand, Repeat, RepeatType
from cards import FormDefaults, schedule_form_card
from cards.actions import ScheduleForm, parse_action
from dialogs.form import read_form
from tests import outside
from tests.render import checks
from tests.render.browser import DESKTOP, MOBILE, SCALE, Rendered, Renderer
from tests.render.catalogue import BY_NAME, EN, LA, NOW, SAMPLES, WITH_DIAL_IN, Sample

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "docs" / "cards"
WIDTHS = [pytest.param(DESKTOP, id="desktop"), pytest.param(MOBILE, id="mobile")]
MEETINGS = [sample for sample in SAMPLES if sample.meeting]
# Extra pictures: the meeting card with its "Reminder…" card opened.
OPENED = {"meeting-reminder-open": "meeting"}
# The renderer's validation event for a required input without an `errorMessage`, tested on its
# own (test_required_inputs_have_error_messages).
NO_ERROR_MESSAGE = "RequiredInputsShouldHaveErrorMessage"
Render = Callable[[str, dict[str, Any], int], Rendered]


def _ids(samples: list[Sample]) -> list[Any]:
    return [pytest.param(sample, id=sample.name) for sample in samples]


# -- every card, both widths --------------------------------------------------------------------


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("sample", _ids(SAMPLES))
def test_renderer_parses_card_without_events(sample: Sample, width: int, rendered: Render) -> None:
    """No unknown elements or actions, no bad property values, nothing beyond schema 1.5."""
    result = rendered(sample.name, sample.card, width)
    problems = [p for p in checks.parse_problems(result) if NO_ERROR_MESSAGE not in p]
    assert problems == []


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("sample", _ids(SAMPLES))
def test_required_inputs_have_error_messages(sample: Sample, width: int, rendered: Render) -> None:
    result = rendered(sample.name, sample.card, width)
    assert [p for p in checks.parse_problems(result) if NO_ERROR_MESSAGE in p] == []


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("sample", _ids(SAMPLES))
def test_no_empty_rows_or_leaked_values(sample: Sample, width: int, rendered: Render) -> None:
    assert checks.empty_problems(rendered(sample.name, sample.card, width)) == []


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("sample", _ids(SAMPLES))
def test_nothing_is_cut_off(sample: Sample, width: int, rendered: Render) -> None:
    assert checks.overflow_problems(rendered(sample.name, sample.card, width)) == []


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("sample", _ids(SAMPLES))
def test_text_is_readable(sample: Sample, width: int, rendered: Render) -> None:
    """WCAG AA contrast (4.5:1) for every TextBlock against its background."""
    assert checks.contrast_problems(rendered(sample.name, sample.card, width)) == []


@pytest.mark.parametrize(
    ("sample", "width"),
    [
        pytest.param(
            sample,
            width,
            id=f"{sample.name}-{label}",
        )
        for sample in SAMPLES
        for width, label in ((DESKTOP, "desktop"), (MOBILE, "mobile"))
    ],
)
def test_fact_titles_stay_on_one_line(sample: Sample, width: int, rendered: Render) -> None:
    assert checks.fact_title_problems(rendered(sample.name, sample.card, width)) == []


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("sample", _ids(SAMPLES))
def test_show_cards_open(sample: Sample, width: int, rendered: Render) -> None:
    assert checks.show_card_problems(rendered(sample.name, sample.card, width)) == []


# -- meeting and reminder cards -----------------------------------------------------------------


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("sample", _ids(MEETINGS))
def test_join_button_opens_the_join_url(sample: Sample, width: int, rendered: Render) -> None:
    assert sample.join_url is not None
    result = rendered(sample.name, sample.card, width)
    assert checks.join_problems(result, sample.join_url, sample.catalog) == []


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("sample", _ids(MEETINGS))
def test_dial_in_links_match_the_numbers(sample: Sample, width: int, rendered: Render) -> None:
    result = rendered(sample.name, sample.card, width)
    assert checks.dial_in_problems(result, sample.dial_in, sample.catalog) == []


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("sample", _ids(SAMPLES))
def test_buttons_open_exactly_the_expected_urls(
    sample: Sample, width: int, rendered: Render
) -> None:
    """Clicking every button opens the card's join URLs and nothing else."""
    result = rendered(sample.name, sample.card, width)
    opened = tuple(a["url"] for a in result.executed if a["type"] == "Action.OpenUrl")
    assert opened == sample.open_urls


SERIES_ROWS = {
    "meeting-series": [
        ("Repeats", "Every Thursday until Dec 31, 2026"),
        ("Place", "Fourth Coffee; Home Office"),
        ("Room", "Conf Room Baker"),
        ("Invited", "Adele Vance, Alex Wilber"),
        ("Optional", "Megan Bowen"),
    ],
    "meeting-series-zh": [
        ("重复", "每周五，直到 2026年12月31日"),
        ("地点", "Fourth Coffee; Home Office"),
        ("会议室", "Conf Room Baker"),
        ("已邀请", "Adele Vance, Alex Wilber"),
        ("可选", "Megan Bowen"),
    ],
}
SERIES_ROWS["reminder-series"] = SERIES_ROWS["meeting-series"]
SERIES_ROWS["reminder-series-zh"] = SERIES_ROWS["meeting-series-zh"]


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", list(SERIES_ROWS))
def test_a_series_shows_its_recurrence_places_room_and_optional_attendees(
    name: str, width: int, rendered: Render
) -> None:
    result = rendered(name, BY_NAME[name].card, width)
    shown = [
        (fact["title"].replace("\u00a0", " ").replace("\u2060", ""), fact["value"])
        for fact in result.dom["facts"]
    ]

    assert [row for row in shown if row in SERIES_ROWS[name]] == SERIES_ROWS[name]


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", ["schedule-form", "schedule-form-zh", "schedule-form-filled-zh"])
def test_the_form_renders_each_input(name: str, width: int, rendered: Render) -> None:
    result = rendered(name, BY_NAME[name].card, width)

    # subject, date, time, duration, repeat, repeatUntil, place, attendees, optional, agenda
    assert [control["type"] for control in result.dom["inputs"]] == [
        "text",
        "date",
        "time",
        "select-one",
        "select-one",
        "date",
        "text",
        "text",
        "text",
        "textarea",
    ]
    assert all(control["visible"] for control in result.dom["inputs"])


def _filled_form(**values: str) -> dict[str, Any]:
    defaults = FormDefaults(subject="Design review", date="2026-06-11", time="15:00")
    return schedule_form_card(
        EN,
        today=date(2026, 6, 10),
        zone_label=LA.key,
        defaults=dataclasses.replace(defaults, **values),
    )


def test_the_forms_submit_as_the_renderer_sends_it_becomes_the_meeting(
    renderer: Renderer,
) -> None:
    """The official renderer merges the inputs into the button's data, as Teams does; what it
    sends is read into the MeetCommand the bot books."""
    card = _filled_form(
        duration_minutes="45",
        attendees="adele.vance@contoso.com",
        repeat="weekly",
        repeat_until="2026-12-31",
        place="Fourth Coffee; baker@contoso.com",
        optional="megan.bowen@contoso.com",
        agenda="Onboarding flow\nPricing page",
    )
    [sent] = renderer.submit(card)
    form = parse_action(sent)
    assert isinstance(form, ScheduleForm)

    assert read_form(form, NOW.astimezone(LA)) == MeetCommand(
        subject="Design review",
        start=datetime(2026, 6, 11, 15, 0, tzinfo=LA),
        end=datetime(2026, 6, 11, 15, 45, tzinfo=LA),
        attendees=("adele.vance@contoso.com",),
        optional=("megan.bowen@contoso.com",),
        repeat=Repeat(RepeatType.WEEKLY, days_of_week=("thursday",), until=date(2026, 12, 31)),
        places=("Fourth Coffee",),
        room="baker@contoso.com",
        agenda="Onboarding flow\nPricing page",
    )


def test_a_form_left_not_repeating_sends_no_repeat(renderer: Renderer) -> None:
    [sent] = renderer.submit(_filled_form())
    form = parse_action(sent)
    assert isinstance(form, ScheduleForm)

    command = read_form(form, NOW.astimezone(LA))
    assert isinstance(command, MeetCommand)
    assert (command.repeat, command.places, command.room, command.optional, command.agenda) == (
        None,
        (),
        None,
        (),
        None,
    )


def test_catalogue_covers_both_dial_in_cases() -> None:
    with_dial_in = [s for s in MEETINGS if s.dial_in is not None]
    without = [s for s in MEETINGS if s.dial_in is None]
    assert with_dial_in and without
    assert {"meeting", "meeting-no-dial-in", "meet-now", "reminder", "meeting-zh"} <= set(BY_NAME)


# -- negative controls: broken copies of the meeting card must fail the checks --------------------


def _meeting() -> dict[str, Any]:
    return copy.deepcopy(BY_NAME["meeting"].card)


def _without_join(card: dict[str, Any]) -> dict[str, Any]:
    card["actions"] = [a for a in card["actions"] if a.get("type") != "Action.OpenUrl"]
    return card


def _join_elsewhere(card: dict[str, Any]) -> dict[str, Any]:
    for action in card["actions"]:
        if action.get("type") == "Action.OpenUrl":
            action["url"] = "https://teams.microsoft.com/l/meetup-join/another-meeting"
    return card


def _dial_in_facts(card: dict[str, Any]) -> list[dict[str, Any]]:
    section = next(e for e in card["body"] if e.get("type") == "Container")
    return next(e for e in section["items"] if e.get("type") == "FactSet")["facts"]


def _emptied_dial_in_fact(card: dict[str, Any]) -> dict[str, Any]:
    _dial_in_facts(card)[1]["value"] = ""
    return card


def _none_in_fact(card: dict[str, Any]) -> dict[str, Any]:
    _dial_in_facts(card)[-1]["value"] = "None"
    return card


def _wrong_conference_in_tel(card: dict[str, Any]) -> dict[str, Any]:
    fact = _dial_in_facts(card)[0]
    fact["value"] = fact["value"].replace(",,291633251#", ",,291633252#")
    return card


def _long_nowrap_text(card: dict[str, Any]) -> dict[str, Any]:
    text = "Agenda: onboarding flow, pricing page, accessibility review, launch checklist"
    card["body"].append({"type": "TextBlock", "text": text, "wrap": False})
    return card


def _empty_text_block(card: dict[str, Any]) -> dict[str, Any]:
    card["body"].insert(1, {"type": "TextBlock", "text": " ", "wrap": True})
    return card


def _unknown_element(card: dict[str, Any]) -> dict[str, Any]:
    card["body"].append({"type": "Media.Teams", "sources": []})
    card["body"][0]["size"] = "Enormous"
    return card


def _long_button_title(card: dict[str, Any]) -> dict[str, Any]:
    card["actions"][0]["title"] = (
        "Join the quarterly business review with Contoso Pharmaceuticals now"
    )
    return card


def _too_many_actions(card: dict[str, Any]) -> dict[str, Any]:
    join = next(a for a in card["actions"] if a.get("type") == "Action.OpenUrl")
    card["actions"] = [dict(join, title=f"Join {n}") for n in range(8)]
    return card


def _warning_coloured_note(card: dict[str, Any]) -> dict[str, Any]:
    card["body"].insert(1, {"type": "TextBlock", "text": "Starts soon", "color": "Warning"})
    return card


def _required_date_without_message(card: dict[str, Any]) -> dict[str, Any]:
    card["body"].append({"type": "Input.Date", "id": "day", "label": "Day", "isRequired": True})
    return card


def _long_fact_value(card: dict[str, Any]) -> dict[str, Any]:
    facts = next(e for e in card["body"] if e.get("type") == "FactSet")["facts"]
    facts.append(
        {"title": "Meeting ID", "value": "alex.wilber@contoso.com, megan.bowen@contoso.com"}
    )
    return card


def _show_card_without_buttons(card: dict[str, Any]) -> dict[str, Any]:
    show = next(a for a in card["actions"] if a.get("type") == "Action.ShowCard")
    show["card"].pop("actions")
    return card


MUTANTS: dict[str, tuple[Callable[[dict[str, Any]], dict[str, Any]], str]] = {
    "join-removed": (_without_join, "join"),
    "join-opens-another-url": (_join_elsewhere, "join"),
    "dial-in-fact-emptied": (_emptied_dial_in_fact, "empty"),
    "dial-in-fact-emptied-breaks-tel-links": (_emptied_dial_in_fact, "dial_in"),
    "none-in-a-fact": (_none_in_fact, "empty"),
    "wrong-conference-id-in-tel-link": (_wrong_conference_in_tel, "dial_in"),
    "long-non-wrapping-text": (_long_nowrap_text, "overflow"),
    "blank-text-block": (_empty_text_block, "empty"),
    "unknown-element-and-bad-size": (_unknown_element, "parse"),
    "long-button-title": (_long_button_title, "overflow"),
    "too-many-actions": (_too_many_actions, "parse"),
    "warning-coloured-text": (_warning_coloured_note, "contrast"),
    "required-input-without-error-message": (_required_date_without_message, "error_messages"),
    "fact-title-squeezed-by-long-value": (_long_fact_value, "fact_titles"),
    "reminder-card-without-save-button": (_show_card_without_buttons, "show_cards"),
}


MUTANT_CHECKS = sorted({check for _, check in MUTANTS.values()})


def _problems(check: str, result: Rendered) -> list[str]:
    meeting = BY_NAME["meeting"]
    assert meeting.join_url is not None
    run: dict[str, Callable[[], list[str]]] = {
        # Without the missing error message (its own test), so a mutant's parse problems are
        # its own.
        "parse": lambda: [p for p in checks.parse_problems(result) if NO_ERROR_MESSAGE not in p],
        "error_messages": lambda: [
            p for p in checks.parse_problems(result) if NO_ERROR_MESSAGE in p
        ],
        "empty": lambda: checks.empty_problems(result),
        "overflow": lambda: checks.overflow_problems(result),
        "contrast": lambda: checks.contrast_problems(result),
        "fact_titles": lambda: checks.fact_title_problems(result),
        "show_cards": lambda: checks.show_card_problems(result),
        "join": lambda: checks.join_problems(result, meeting.join_url or "", EN),
        "dial_in": lambda: checks.dial_in_problems(result, WITH_DIAL_IN, EN),
    }
    return run[check]()


@pytest.mark.parametrize("name", list(MUTANTS))
def test_checks_catch_a_broken_meeting_card(name: str, renderer: Renderer) -> None:
    mutate, check = MUTANTS[name]
    result = renderer.render(mutate(_meeting()), MOBILE, click=True)
    assert _problems(check, result) != []


def test_checks_pass_the_unbroken_meeting_card(renderer: Renderer) -> None:
    """The control for the mutants above: the same card, unchanged, passes every check."""
    result = renderer.render(_meeting(), MOBILE, click=True)
    for check in MUTANT_CHECKS:
        assert _problems(check, result) == [], check


def test_dial_in_check_catches_a_phone_section_without_data(renderer: Renderer) -> None:
    card = copy.deepcopy(BY_NAME["meeting-no-dial-in"].card)
    card["body"].append(
        copy.deepcopy(next(e for e in _meeting()["body"] if e["type"] == "Container"))
    )
    result = renderer.render(card, DESKTOP)
    assert checks.dial_in_problems(result, None, EN) != []


# -- fonts and screenshots ----------------------------------------------------------------------


def test_fonts_are_installed(renderer: Renderer) -> None:
    """The fonts the screenshots are made with (README.md). Chinese glyphs are about 1 em wide;
    without a CJK font they fall back to narrow "tofu" boxes."""
    missing = []
    if renderer.text_width("设计评审会议", size=100) / 6 < 90:
        missing.append("a CJK font for Chinese cards (apt-get install fonts-wqy-microhei)")
    if not renderer.has_font("Open Sans"):
        missing.append("Open Sans, the stand-in for Segoe UI (apt-get install fonts-open-sans)")
    if missing:
        outside.missing("the card screenshots", "missing " + "; ".join(missing))


@pytest.mark.parametrize("name", [*(s.name for s in SAMPLES), *OPENED])
def test_screenshot(name: str, renderer: Renderer, screenshot_dir: Path) -> None:
    path = screenshot_dir / f"{name}.png"
    renderer.screenshot(BY_NAME[OPENED.get(name, name)].card, path, open_cards=name in OPENED)
    with Image.open(path) as image:
        assert image.format == "PNG"
        assert image.width == DESKTOP * SCALE


@pytest.mark.parametrize("name", [*(s.name for s in SAMPLES), *OPENED])
def test_screenshot_is_committed(name: str) -> None:
    """docs/cards holds a current-size picture of every card (regenerate: see README.md)."""
    path = COMMITTED / f"{name}.png"
    assert path.is_file(), f"{path} is missing; regenerate the screenshots (tests/render/README.md)"
    with Image.open(path) as image:
        image.verify()
    with Image.open(path) as image:
        assert image.format == "PNG"
        assert image.width == DESKTOP * SCALE
