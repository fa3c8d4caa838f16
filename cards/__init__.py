"""Adaptive Card builders: meeting, help and error cards as AC 1.5 JSON dicts.

Cards take a `Catalog` for every word they show and escape everything else (`cards.text`).
"""

from cards.error import error_card
from cards.help import help_card
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
from cards.schema import CardSchemaError, CardSchemaUnavailable, validate_card

__all__ = [
    "CardSchemaError",
    "CardSchemaUnavailable",
    "DialIn",
    "MeetingView",
    "card_attachment",
    "error_card",
    "help_card",
    "local_numbers_url",
    "meeting_attachment",
    "meeting_card",
    "validate_card",
    "view_from_event",
    "view_from_online_meeting",
]
