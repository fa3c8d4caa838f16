"""The values the chat command parser produces.

Plain immutable data: `bot.commands.parse` builds them, dialogs consume them. A `ParseError`
carries a machine-readable kind and the offending fragment only; the sentence shown to the user
is looked up in the message catalog by `ParseErrorKind`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum, auto
from typing import TypeAlias


@dataclass(frozen=True, slots=True)
class MeetCommand:
    """Schedule a meeting: `meet <subject> <when> [for <duration>] [with <attendees>]`."""

    subject: str
    start: datetime  # aware, same tzinfo as the `now` handed to the parser
    end: datetime
    attendees: tuple[str, ...]  # email addresses, de-duplicated case-insensitively, order kept


@dataclass(frozen=True, slots=True)
class MeetNowCommand:
    """Start a meeting right away: `meet now [subject]`."""

    subject: str | None


@dataclass(frozen=True, slots=True)
class HelpCommand:
    """Show the help text: `help`, `?`, `/help` or an empty message."""


class ParseErrorKind(StrEnum):
    """Why a message could not be turned into a command."""

    UNKNOWN_COMMAND = auto()
    MISSING_SUBJECT = auto()
    MISSING_TIME = auto()
    BAD_TIME = auto()
    BAD_DURATION = auto()
    BAD_ATTENDEE = auto()
    TIME_IN_PAST = auto()
    AMBIGUOUS_TIME = auto()
    TOO_LONG = auto()


@dataclass(frozen=True, slots=True)
class ParseError:
    """A message the parser understood the shape of but could not accept."""

    kind: ParseErrorKind
    detail: str = ""  # the offending fragment as typed ("adele@", "25pm"), never a sentence


Command: TypeAlias = MeetCommand | MeetNowCommand | HelpCommand
