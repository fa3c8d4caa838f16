"""Sentences for parse errors, shared by the command handler and the dialogs."""

from __future__ import annotations

from bot.commands import ParseError, ParseErrorKind, Usage
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

# A move's errors show how to write a move; the other kinds read the same for every command.
_MOVE_FIELD: dict[tuple[ParseErrorKind, Usage], str] = {
    (ParseErrorKind.MISSING_SUBJECT, Usage.MOVE): "move_missing_subject",
    (ParseErrorKind.MISSING_TIME, Usage.MOVE): "move_missing_time",
    (ParseErrorKind.BAD_TIME, Usage.MOVE): "move_bad_time",
    (ParseErrorKind.MISSING_SUBJECT, Usage.SHIFT): "shift_missing_subject",
    (ParseErrorKind.MISSING_TIME, Usage.SHIFT): "shift_missing_time",
    (ParseErrorKind.BAD_DURATION, Usage.SHIFT): "shift_bad_duration",
}


def parse_error_text(error: ParseError, catalog: Catalog) -> str:
    field = _MOVE_FIELD.get((error.kind, error.usage), _TEMPLATE_FIELD[error.kind])
    template: str = getattr(catalog, field)
    return template.format(detail=error.detail, command=error.detail)
