"""The chat command parser: `parse(text, now)` turns a message into a command or an error.

Pure and I/O-free. `bot.commands.parse` routes a message to its command (the grammar of every
command is there), `bot.commands.meet` reads a `meet` line (`bot.commands.reminder` its
reminder clause) and, with `parse_when`, a dialog's answer to "When?". Time expressions are
read by `bot.commands.when` (English) and `bot.commands.when_zh` (Chinese) and resolved against
the sender's clock by `bot.commands.resolve`.
"""

from bot.commands.attendees import is_email
from bot.commands.meet import DEFAULT_DURATION, MAX_TEXT_LENGTH, parse_series_when, parse_when
from bot.commands.model import (
    CALENDAR_COMMANDS,
    CancelCommand,
    CancelMeetingCommand,
    Command,
    HelpCommand,
    IncompleteMeet,
    JoinCommand,
    MeetCommand,
    MeetNowCommand,
    MoveCommand,
    OfflineCommand,
    OnlineCommand,
    ParseError,
    ParseErrorKind,
    ProvidersCommand,
    ReminderRequest,
    RemindersCommand,
    Repeat,
    RepeatType,
    ScheduleFormCommand,
    SeriesScope,
    SignInCommand,
    SignOutCommand,
    UpcomingCommand,
    Usage,
    WatchCommand,
    WeekIndex,
)
from bot.commands.parse import parse

__all__ = [
    "CALENDAR_COMMANDS",
    "DEFAULT_DURATION",
    "MAX_TEXT_LENGTH",
    "CancelCommand",
    "CancelMeetingCommand",
    "Command",
    "HelpCommand",
    "IncompleteMeet",
    "JoinCommand",
    "MeetCommand",
    "MeetNowCommand",
    "MoveCommand",
    "OfflineCommand",
    "OnlineCommand",
    "ParseError",
    "ParseErrorKind",
    "ProvidersCommand",
    "ReminderRequest",
    "RemindersCommand",
    "Repeat",
    "RepeatType",
    "ScheduleFormCommand",
    "SeriesScope",
    "SignInCommand",
    "SignOutCommand",
    "UpcomingCommand",
    "Usage",
    "WatchCommand",
    "WeekIndex",
    "is_email",
    "parse",
    "parse_series_when",
    "parse_when",
]
