"""Sentences for parse errors, shared by the command handler and the dialogs."""

from __future__ import annotations

from bot.commands import ParseError, ParseErrorKind
from bot.i18n import Catalog

_TEMPLATE_FIELD: dict[ParseErrorKind, str] = {
    ParseErrorKind.MISSING_SUBJECT: "missing_subject",
    ParseErrorKind.MISSING_TIME: "missing_time",
    ParseErrorKind.BAD_TIME: "bad_time",
    ParseErrorKind.AMBIGUOUS_TIME: "ambiguous_time",
    ParseErrorKind.AMBIGUOUS_DAY: "ambiguous_day",
    ParseErrorKind.TIME_IN_PAST: "time_in_past",
    ParseErrorKind.BAD_DURATION: "bad_duration",
    ParseErrorKind.BAD_ATTENDEE: "bad_attendee",
    ParseErrorKind.BAD_REMINDER: "bad_reminder",
    ParseErrorKind.BAD_REPEAT: "bad_repeat",
    ParseErrorKind.BAD_PLACE: "bad_place",
    ParseErrorKind.TOO_LONG: "too_long",
    ParseErrorKind.UNKNOWN_COMMAND: "unknown_command",
}


def parse_error_text(error: ParseError, catalog: Catalog) -> str:
    template: str = getattr(catalog, _TEMPLATE_FIELD[error.kind])
    return template.format(detail=error.detail, command=error.detail)
