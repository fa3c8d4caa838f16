"""Adaptive Card builders as AC 1.5 JSON dicts: meetings, help, errors, notices, the schedule
form, agenda lists, the cancel confirmation and the providers card, and the sentence that says
how a series repeats (`recurrence_text`).

Cards take a `Catalog` for every word they show and escape everything else (`cards.text`).
Buttons that talk back to the bot are Action.Submit whose `data` is a model of `cards.actions`.
"""

from cards.actions import CANCEL_REMINDER, NO_REMINDER, SET_REMINDER
from cards.agenda import MAX_ITEMS, AgendaItem, online_candidates_card, upcoming_card
from cards.confirm import cancel_confirm_card
from cards.error import error_card
from cards.help import AccountStatus, help_card
from cards.meeting import (
    DialIn,
    MeetingView,
    card_attachment,
    local_numbers_url,
    meeting_attachment,
    meeting_card,
    view_from_event,
    view_from_online_meeting,
)
from cards.notice import notice_card
from cards.providers import provider_name, providers_card
from cards.recurrence import recurrence_text
from cards.reminder_setting import REMINDER_CHOICES, ReminderSetting, reminder_text
from cards.reminders import (
    ReminderItem,
    reminder_card,
    reminders_card,
    starts_in_text,
)
from cards.schedule_form import (
    DURATION_CHOICES,
    FormDefaults,
    next_half_hour,
    schedule_form_card,
)
from cards.schema import CardSchemaError, CardSchemaUnavailable, validate_card

__all__ = [
    "CANCEL_REMINDER",
    "DURATION_CHOICES",
    "MAX_ITEMS",
    "NO_REMINDER",
    "REMINDER_CHOICES",
    "SET_REMINDER",
    "AccountStatus",
    "AgendaItem",
    "CardSchemaError",
    "CardSchemaUnavailable",
    "DialIn",
    "FormDefaults",
    "MeetingView",
    "ReminderItem",
    "ReminderSetting",
    "cancel_confirm_card",
    "card_attachment",
    "error_card",
    "help_card",
    "local_numbers_url",
    "meeting_attachment",
    "meeting_card",
    "next_half_hour",
    "notice_card",
    "online_candidates_card",
    "provider_name",
    "providers_card",
    "recurrence_text",
    "reminder_card",
    "reminder_text",
    "reminders_card",
    "schedule_form_card",
    "starts_in_text",
    "upcoming_card",
    "validate_card",
    "view_from_event",
    "view_from_online_meeting",
]
