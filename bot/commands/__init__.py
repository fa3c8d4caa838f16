"""The chat command parser: `parse(text, now)` turns a message into a command or an error.

Pure and I/O-free; see `bot.commands.parse` for the grammar and `bot.commands.when` for how
times and durations are resolved.
"""

from bot.commands.model import (
    Command,
    HelpCommand,
    MeetCommand,
    MeetNowCommand,
    ParseError,
    ParseErrorKind,
)
from bot.commands.parse import DEFAULT_DURATION, MAX_TEXT_LENGTH, parse

__all__ = [
    "DEFAULT_DURATION",
    "MAX_TEXT_LENGTH",
    "Command",
    "HelpCommand",
    "MeetCommand",
    "MeetNowCommand",
    "ParseError",
    "ParseErrorKind",
    "parse",
]
