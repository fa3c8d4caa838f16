"""The reminder row and "Reminder…" button of a meeting card.

The button opens a choice of how long before the start this chat is reminded (or not at all);
its Submit carries `SetReminder` (`cards.actions`: the reminder and the user it is for) plus
the chosen `minutes` ("none" or a number), so the handler can refuse clicks by anyone else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from microsoft_teams.cards import (
    AdaptiveCard,
    Choice,
    ChoiceSetInput,
    ShowCardAction,
    SubmitAction,
)

from bot.i18n import Catalog
from cards.actions import NO_REMINDER, SetReminder
from cards.dates import format_time

REMINDER_CHOICES = (0, 5, 10, 15, 30, 60)  # minutes before the start


@dataclass(frozen=True, slots=True)
class ReminderSetting:
    reminder_id: str
    for_user: str  # only this user may change it
    start: datetime  # aware: the meeting's start
    lead: timedelta | None  # None: no reminder
    too_soon: bool = False  # no reminder because the meeting starts sooner than the lead


def reminder_text(setting: ReminderSetting, zone: ZoneInfo, catalog: Catalog) -> str:
    if setting.lead is None:
        return catalog.reminder_too_soon if setting.too_soon else catalog.reminder_none
    time = format_time((setting.start - setting.lead).astimezone(zone), catalog)
    minutes = int(setting.lead.total_seconds() // 60)
    if minutes == 0:
        return catalog.reminder_at_start.format(time=time)
    return catalog.reminder_before.format(minutes=minutes, time=time)


def reminder_action(setting: ReminderSetting, catalog: Catalog) -> ShowCardAction:
    """The "Reminder…" button: an Action.ShowCard with the choice."""
    current = NO_REMINDER if setting.lead is None else str(int(setting.lead.total_seconds() // 60))
    choices = _choices(catalog)
    if current not in _CHOICE_VALUES:  # the current lead, when no choice offers it
        choices.append(
            Choice(title=catalog.reminder_choice_minutes.format(minutes=current), value=current)
        )
    return _action(
        catalog,
        current=current,
        choices=choices,
        reminder_id=setting.reminder_id,
        for_user=setting.for_user,
    )


def _action(
    catalog: Catalog, *, current: str, choices: list[Choice], reminder_id: str, for_user: str
) -> ShowCardAction:
    form = AdaptiveCard(
        body=[
            ChoiceSetInput(
                id="minutes",
                label=catalog.reminder_choice_label,
                style="compact",  # a compact list always holds a choice: nothing to require
                choices=choices,
                value=current,
            )
        ],
        actions=[
            SubmitAction(
                title=catalog.reminder_save_button,
                data=SetReminder(reminder_id=reminder_id, for_user=for_user).data(),
            )
        ],
    )
    return ShowCardAction(title=catalog.reminder_change_button, card=form)


def _choices(catalog: Catalog) -> list[Choice]:
    """The choices every reminder form offers."""
    choices = [Choice(title=catalog.reminder_choice_none, value=NO_REMINDER)]
    for minutes in REMINDER_CHOICES:
        title = (
            catalog.reminder_choice_at_start
            if minutes == 0
            else catalog.reminder_choice_minutes.format(minutes=minutes)
        )
        choices.append(Choice(title=title, value=str(minutes)))
    return choices


_CHOICE_VALUES = frozenset([NO_REMINDER, *(str(minutes) for minutes in REMINDER_CHOICES)])
