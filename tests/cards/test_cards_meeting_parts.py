"""The meeting card: it is the card the models give, no two cards share JSON, and each
catalog's card holds that catalog's words."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from microsoft_teams.cards import (
    Action,
    AdaptiveCard,
    CardElement,
    Choice,
    ChoiceSetInput,
    Container,
    Fact,
    FactSet,
    OpenUrlAction,
    ShowCardAction,
    SubmitAction,
    TextBlock,
)

from bot.i18n import Catalog, catalog_for
from cards import (
    NO_REMINDER,
    REMINDER_CHOICES,
    SET_REMINDER,
    DialIn,
    MeetingView,
    ReminderSetting,
    meeting_card,
    reminder_text,
    validate_card,
)
from cards.meeting import (
    _attendees_line,
    _conference_digits,
    _group,
    _meeting_id,
    _tel_link,
    _when,
)
from cards.schema import dump_card, new_card
from cards.text import (
    SUBJECT_LIMIT,
    display_text,
    fact_title,
    link_target,
    markdown_link,
)


def _nodes(node: Any) -> Iterator[dict[str, Any] | list[Any]]:
    """Every dict and list in a JSON value."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _nodes(value)
    elif isinstance(node, list):
        yield node
        for value in node:
            yield from _nodes(value)


def shares_nothing(first: Any, second: Any) -> bool:
    return not {id(node) for node in _nodes(first)} & {id(node) for node in _nodes(second)}


EN = catalog_for("en-US")
ZH = catalog_for("zh-CN")
# Same locale as EN, other words: a cache keyed by locale would show EN's words.
VARIANT = dataclasses.replace(
    EN,
    join_button="Beitreten",
    zone_fallback_note="Zeiten in {zone}.",
    simulated_note="Simuliert.",
    dial_in_heading="Per Telefon",
    local_numbers_link="Lokale Nummer",
    when_label="Wann",
    toll_label="Gebühr",
    reminder_label="Erinnerung",
    reminder_change_button="Erinnerung…",
    reminder_save_button="Speichern",
    reminder_choice_label="Diesen Chat erinnern",
    reminder_choice_none="Keine Erinnerung",
    reminder_choice_minutes="{minutes} Minuten vorher",
    time_format="{hour24}.{minute} Uhr",
)
JOIN_URL = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_x%40thread.v2/0"
DIALIN_URL = "https://dialin.teams.microsoft.com/1f9a0550?id=291633251"
START = datetime(2026, 6, 11, 22, 0, tzinfo=UTC)


# -- the oracle: the card as the models give it, built on every call --------------------------


def model_card(
    view: MeetingView,
    catalog: Catalog,
    *,
    note: str | None = None,
    reminder: ReminderSetting | None = None,
) -> dict[str, Any]:
    body: list[CardElement] = []
    if note and (shown := display_text(note)):
        body.append(TextBlock(text=shown, wrap=True))
    subject = display_text(view.subject, limit=SUBJECT_LIMIT) or catalog.untitled_meeting
    body.append(TextBlock(text=subject, weight="Bolder", size="Medium", wrap=True))
    body.append(FactSet(facts=_model_facts(view, catalog, reminder)))
    if view.zone_is_fallback:
        zone = display_text(view.zone.key)
        body.append(_model_note(catalog.zone_fallback_note.format(zone=zone)))
    if (phone := _model_phone(view.dial_in, catalog)) is not None:
        body.append(phone)
    if view.simulated:
        body.append(_model_note(catalog.simulated_note))
    actions: list[Action] = []
    if join := link_target(view.join_url, schemes=("https", "http")):
        actions.append(OpenUrlAction(title=catalog.join_button, url=join, style="positive"))
    if reminder is not None and not reminder.too_soon:
        actions.append(_model_reminder_action(reminder, catalog))
    return dump_card(new_card(body, actions))


def _model_note(text: str) -> TextBlock:
    return TextBlock(text=text, size="Small", is_subtle=True, wrap=True)


def _model_facts(
    view: MeetingView, catalog: Catalog, reminder: ReminderSetting | None
) -> list[Fact]:
    facts = [Fact(title=fact_title(catalog.when_label), value=_when(view, catalog))]
    if reminder is not None:
        text = reminder_text(reminder, view.zone, catalog)
        facts.append(Fact(title=fact_title(catalog.reminder_label), value=text))
    if attendees := _attendees_line(view.attendees, catalog):
        facts.append(Fact(title=fact_title(catalog.attendees_label), value=attendees))
    if view.meeting_id and (meeting_id := _meeting_id(view.meeting_id)):
        facts.append(Fact(title=fact_title(catalog.meeting_id_label), value=meeting_id))
    if view.passcode and (passcode := display_text(view.passcode)):
        facts.append(Fact(title=fact_title(catalog.passcode_label), value=passcode))
    return facts


def _model_phone(dial_in: DialIn | None, catalog: Catalog) -> Container | None:
    if dial_in is None:
        return None
    conference = _conference_digits(dial_in.conference_id)
    facts: list[Fact] = []
    if dial_in.toll_number and (toll := _tel_link(dial_in.toll_number, conference)):
        facts.append(Fact(title=fact_title(catalog.toll_label), value=toll))
    for number in dial_in.toll_free_numbers:
        if toll_free := _tel_link(number, conference):
            facts.append(Fact(title=fact_title(catalog.toll_free_label), value=toll_free))
    if conference:
        title = fact_title(catalog.conference_id_label)
        facts.append(Fact(title=title, value=f"{_group(conference)}#"))
    items: list[CardElement] = [FactSet(facts=facts)] if facts else []
    if local := link_target(dial_in.dialin_url):
        label = display_text(catalog.local_numbers_link)
        items.append(TextBlock(text=markdown_link(label, local), wrap=True))
    if not items:
        return None
    heading = TextBlock(text=catalog.dial_in_heading, weight="Bolder", wrap=True)
    return Container(items=[heading, *items], separator=True, spacing="Medium")


def _model_reminder_action(setting: ReminderSetting, catalog: Catalog) -> ShowCardAction:
    current = NO_REMINDER if setting.lead is None else str(int(setting.lead.total_seconds() // 60))
    choices = [Choice(title=catalog.reminder_choice_none, value=NO_REMINDER)]
    for minutes in REMINDER_CHOICES:
        title = (
            catalog.reminder_choice_at_start
            if minutes == 0
            else catalog.reminder_choice_minutes.format(minutes=minutes)
        )
        choices.append(Choice(title=title, value=str(minutes)))
    if current not in {choice.value for choice in choices}:
        title = catalog.reminder_choice_minutes.format(minutes=current)
        choices.append(Choice(title=title, value=current))
    form = AdaptiveCard(
        body=[
            ChoiceSetInput(
                id="minutes",
                label=catalog.reminder_choice_label,
                style="compact",
                choices=choices,
                value=current,
            )
        ],
        actions=[
            SubmitAction(
                title=catalog.reminder_save_button,
                data={
                    "meetbot": SET_REMINDER,
                    "reminderId": setting.reminder_id,
                    "for": setting.for_user,
                },
            )
        ],
    )
    return ShowCardAction(title=catalog.reminder_change_button, card=form)


# -- inputs -----------------------------------------------------------------------------------

untrusted = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs",)) | st.sampled_from("*_[]()#1. \t\n"),
    max_size=30,
)
numbers = st.sampled_from(["+1 323-555-0166", "+1 (800) 555-0100", "+18005550100", "call", " "])


@st.composite
def views(draw: st.DrawFn) -> MeetingView:
    zone = ZoneInfo(draw(st.sampled_from(["America/Los_Angeles", "Asia/Shanghai", "UTC"])))
    start = START + timedelta(minutes=draw(st.integers(-2000, 2000)))
    dial_in = draw(
        st.none()
        | st.builds(
            DialIn,
            conference_id=st.sampled_from([None, "291633251", " 291 633 251# ", "(redacted)"]),
            toll_number=st.none() | numbers,
            toll_free_numbers=st.lists(numbers, max_size=2).map(tuple),
            dialin_url=st.sampled_from([None, DIALIN_URL, "javascript:alert(1)", "https://x/(a)"]),
        )
    )
    return MeetingView(
        subject=draw(untrusted),
        start=start,
        end=start + timedelta(minutes=draw(st.integers(0, 3000))),
        zone=zone,
        zone_is_fallback=draw(st.booleans()),
        join_url=draw(st.sampled_from([None, JOIN_URL, "http://example.com/a b", "javascript:x"])),
        dial_in=dial_in,
        attendees=tuple(draw(st.lists(untrusted, max_size=3))),
        meeting_id=draw(st.sampled_from([None, "", "123456789012", "12 34", "abc*"])),
        passcode=draw(st.none() | untrusted),
        simulated=draw(st.booleans()),
    )


reminders = st.none() | st.builds(
    ReminderSetting,
    reminder_id=st.uuids().map(lambda u: u.hex),  # as the reminders table makes them
    for_user=st.text(max_size=10),
    start=st.just(START),
    lead=st.sampled_from([None, 0, 5, 7, 15, 45, 90]).map(
        lambda minutes: None if minutes is None else timedelta(minutes=minutes)
    ),
    too_soon=st.booleans(),
)


# -- the card ---------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    view=views(),
    catalog=st.sampled_from([EN, ZH, VARIANT]),
    note=st.none() | untrusted,
    reminder=reminders,
)
def test_the_card_is_what_the_models_give(
    view: MeetingView, catalog: Catalog, note: str | None, reminder: ReminderSetting | None
) -> None:
    card = meeting_card(view, catalog, note=note, reminder=reminder)
    expected = model_card(view, catalog, note=note, reminder=reminder)

    assert card == expected
    assert repr(card) == repr(expected)  # key order and value types too


def _full_view(**changes: Any) -> MeetingView:
    view = MeetingView(
        subject="Design review",
        start=START,
        end=START + timedelta(minutes=45),
        zone=ZoneInfo("America/Los_Angeles"),
        zone_is_fallback=True,
        join_url=JOIN_URL,
        dial_in=DialIn("291633251", "+1 323-555-0166", ("+1 800-555-0100",), DIALIN_URL),
        attendees=("adele@contoso.com",),
        meeting_id="123456789012",
        passcode="Ab3xYz",
        simulated=True,
    )
    return dataclasses.replace(view, **changes)


def _reminder(minutes: int | None = 45) -> ReminderSetting:
    lead = None if minutes is None else timedelta(minutes=minutes)
    return ReminderSetting("rem-1", "user-1", START, lead)


@pytest.mark.parametrize("catalog", [EN, ZH, VARIANT], ids=["en", "zh", "variant"])
def test_two_cards_share_no_json(catalog: Catalog) -> None:
    view, reminder = _full_view(), _reminder()

    first = meeting_card(view, catalog, note="Starts soon", reminder=reminder)
    second = meeting_card(view, catalog, note="Starts soon", reminder=reminder)

    assert first == second
    assert shares_nothing(first, second)


def test_changing_a_card_does_not_change_the_next() -> None:
    view, reminder = _full_view(), _reminder()
    pristine = copy.deepcopy(meeting_card(view, EN, reminder=reminder))
    card = meeting_card(view, EN, reminder=reminder)

    # What a caller might do to its card: every dict and list in it changed in place.
    for node in list(_containers(card)):
        if isinstance(node, dict):
            for key in list(node):
                if isinstance(node[key], str):
                    node[key] = "changed"
            node["added"] = True
        else:
            node.append("added")

    assert meeting_card(view, EN, reminder=reminder) == pristine
    validate_card(meeting_card(view, EN, reminder=reminder))


def _containers(node: Any) -> list[Any]:
    found: list[Any] = []
    if isinstance(node, dict):
        found.append(node)
        for value in node.values():
            found += _containers(value)
    elif isinstance(node, list):
        found.append(node)
        for value in node:
            found += _containers(value)
    return found


def _strings(node: Any) -> set[str]:
    if isinstance(node, dict):
        return set().union(*(_strings(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(_strings(value) for value in node))
    return {node} if isinstance(node, str) else set()


def test_the_kept_parts_follow_the_catalog() -> None:
    view, reminder = _full_view(), _reminder(minutes=45)  # 45: a choice the list lacks

    # Alternating catalogs, the same locale twice: each card has its own catalog's words only.
    for catalog, other in [(EN, ZH), (ZH, EN), (VARIANT, EN), (EN, VARIANT), (VARIANT, ZH)]:
        card = meeting_card(view, catalog, reminder=reminder)
        shown = _strings(card)

        for words in (
            catalog.join_button,
            catalog.zone_fallback_note.format(zone=display_text(view.zone.key)),
            catalog.simulated_note,
            catalog.dial_in_heading,
            catalog.reminder_change_button,
            catalog.reminder_save_button,
            catalog.reminder_choice_label,
            catalog.reminder_choice_none,
            catalog.reminder_choice_minutes.format(minutes=45),
            fact_title(catalog.when_label),
            fact_title(catalog.toll_label),
        ):
            assert words in shown
        for words in (other.join_button, other.dial_in_heading, other.reminder_choice_none):
            assert words not in shown
        assert card == model_card(view, catalog, reminder=reminder)


def test_reminder_times_follow_the_catalog() -> None:
    view, reminder = _full_view(), _reminder(minutes=15)  # due 2:45 pm in Los Angeles

    texts = {
        catalog.locale + catalog.time_format: reminder_text(reminder, view.zone, catalog)
        for catalog in (EN, VARIANT, ZH, EN)
    }

    assert list(texts.values()) == [
        "15 min before (2:45 PM)",
        "15 min before (14.45 Uhr)",
        reminder_text(reminder, view.zone, ZH),
    ]
    assert "下午2:45" in texts[ZH.locale + ZH.time_format]
