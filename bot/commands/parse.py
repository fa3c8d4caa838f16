"""Turn one chat message into a `Command` or a `ParseError`: pure, no I/O.

Grammar (first match wins on whole tokens; keywords are case-insensitive)::

    "" | help | ? | /help ...                                  -> HelpCommand
    meet now [subject]                                         -> MeetNowCommand
    meet <subject> <when> [for <duration>] [with <attendees>]  -> MeetCommand
    anything else                                              -> ParseError(UNKNOWN_COMMAND)

A `meet` line is read from its end: the attendee clause, then the duration clause, then the
longest run of trailing tokens that reads as a time expression (`bot.commands.when`); what is
left is the subject, in its original casing.

* `with ...` is the attendee clause only if it is the last "with" and what follows holds an
  email address or comes after the time ("Lunch with team tomorrow noon" keeps its subject).
* `for ...` is the duration clause if it is the last "for" and what follows is a duration or a
  number that tries to be one ("for 25h" is BAD_DURATION, "Plan for launch" stays in the subject).
  A valid duration just before the time ("Prep for 45m tomorrow 3pm") is accepted too.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.commands.model import (
    Command,
    HelpCommand,
    MeetCommand,
    MeetNowCommand,
    ParseError,
    ParseErrorKind,
)
from bot.commands.when import WhenSpec, parse_duration, resolve_when, scan_when

DEFAULT_DURATION = timedelta(minutes=30)
MAX_TEXT_LENGTH = 1000
# The longest time expression, "on next friday at 2 pm - 3:30 pm", is 10 tokens; looking no
# further back keeps the suffix search linear in the message length.
_MAX_WHEN_TOKENS = 16

_HELP_WORDS = frozenset({"help", "?", "/help"})
_ATTENDEE_SEPARATOR = re.compile(r"[\s,;]+")
_MARKDOWN_MAILTO = re.compile(r"\[[^\]]*\]\(mailto:(?P<address>[^)\s]+)\)", re.IGNORECASE)
_ANGLE_MAILTO = re.compile(r"<(?:mailto:)?(?P<address>[^>\s]+)>", re.IGNORECASE)
_BARE_MAILTO = re.compile(r"mailto:(?P<address>\S+)", re.IGNORECASE)
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_EMAIL = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@(?:{_LABEL}\.)+[A-Za-z]{{2,}}")


def parse(text: str, now: datetime) -> Command | ParseError:
    """Parse `text` as typed by the sender whose current time is `now` (aware, their zone)."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    if len(text) > MAX_TEXT_LENGTH:
        return ParseError(ParseErrorKind.TOO_LONG)
    tokens = text.split()
    if not tokens or tokens[0].casefold() in _HELP_WORDS:
        return HelpCommand()
    if tokens[0].casefold() == "meet":
        return _parse_meet(tokens[1:], now)
    return ParseError(ParseErrorKind.UNKNOWN_COMMAND, tokens[0])


def _parse_meet(args: list[str], now: datetime) -> Command | ParseError:
    if not args:
        return ParseError(ParseErrorKind.MISSING_SUBJECT)
    if args[0].casefold() == "now":
        return MeetNowCommand(" ".join(args[1:]) or None)
    split = _split_attendees(args)
    if isinstance(split, ParseError):
        return split
    rest, attendees = split
    clause = _split_duration(rest)
    if isinstance(clause, ParseError):
        return clause
    rest, duration = clause
    if not rest:
        return ParseError(ParseErrorKind.MISSING_SUBJECT)
    found = _split_when(rest)
    if found is None:
        return ParseError(ParseErrorKind.MISSING_TIME)
    subject_tokens, when = found
    if duration is None:
        subject_tokens, duration = _leading_duration(subject_tokens)
    return _meet(" ".join(subject_tokens), when, duration, attendees, now)


def _meet(
    subject: str,
    when: WhenSpec,
    duration: tuple[timedelta, str] | None,
    attendees: tuple[str, ...],
    now: datetime,
) -> MeetCommand | ParseError:
    if not subject:
        return ParseError(ParseErrorKind.MISSING_SUBJECT)
    if duration is not None and when.time is not None and when.time.end is not None:
        return ParseError(ParseErrorKind.BAD_DURATION, duration[1])  # a range already has one
    times = resolve_when(when, now, DEFAULT_DURATION if duration is None else duration[0])
    if isinstance(times, ParseError):
        return times
    start, end = times
    return MeetCommand(subject, start, end, attendees)


# --- attendees --------------------------------------------------------------------------------


def _split_attendees(tokens: list[str]) -> tuple[list[str], tuple[str, ...]] | ParseError:
    """Peel a trailing `with <attendees>` clause off `tokens`."""
    index = _last_index(tokens, "with")
    if index is None:
        return tokens, ()
    head, items = tokens[:index], _attendee_items(" ".join(tokens[index + 1 :]))
    if not items:
        return ParseError(ParseErrorKind.BAD_ATTENDEE)
    addresses = [_email(item) for item in items]
    bad = [item for item, address in zip(items, addresses, strict=True) if address is None]
    if not bad:
        return head, _unique([address for address in addresses if address is not None])
    if any("@" in item for item in items) or _ends_with_time(head):
        return ParseError(ParseErrorKind.BAD_ATTENDEE, bad[0])
    return tokens, ()  # "Lunch with team tomorrow noon": an ordinary word in the subject


def _attendee_items(text: str) -> list[str]:
    # Teams auto-links typed addresses as markdown; labels may hold spaces, so unwrap first.
    text = _MARKDOWN_MAILTO.sub(lambda m: m["address"], text)
    text = _ANGLE_MAILTO.sub(lambda m: m["address"], text)
    items = _ATTENDEE_SEPARATOR.split(text)
    return [item for item in items if item and item.casefold() != "and"]


def _email(item: str) -> str | None:
    bare = _BARE_MAILTO.fullmatch(item)
    address = (bare["address"] if bare else item).rstrip(".")  # a sentence's full stop
    return address if _EMAIL.fullmatch(address) else None


def _unique(addresses: Sequence[str]) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for address in addresses:
        seen.setdefault(address.casefold(), address)
    return tuple(seen.values())


def _ends_with_time(tokens: list[str]) -> bool:
    """Whether `tokens` end in a day or a clearly written time (not a bare "Retro 2")."""
    clause = _split_duration(tokens)
    found = _split_when(tokens if isinstance(clause, ParseError) else clause[0])
    if found is None:
        return False
    day, time = found[1].day, found[1].time
    return day is not None or (time is not None and not time.start.is_bare)


# --- duration and time ------------------------------------------------------------------------


def _split_duration(
    tokens: list[str],
) -> tuple[list[str], tuple[timedelta, str] | None] | ParseError:
    """Peel a trailing `for <duration>` clause off `tokens`."""
    index = _last_index(tokens, "for")
    if index is None:
        return tokens, None
    text = " ".join(tokens[index + 1 :])
    duration = parse_duration(text)
    if duration is None:
        return tokens, None
    if isinstance(duration, ParseError):
        return duration
    return tokens[:index], (duration, text)


def _leading_duration(tokens: list[str]) -> tuple[list[str], tuple[timedelta, str] | None]:
    """Accept a valid `for <duration>` written before the time instead of after it."""
    clause = _split_duration(tokens)
    if isinstance(clause, ParseError):
        return tokens, None
    return clause


def _split_when(tokens: list[str]) -> tuple[list[str], WhenSpec] | None:
    """Split off the longest suffix of `tokens` that is a time expression."""
    for start in range(max(0, len(tokens) - _MAX_WHEN_TOKENS), len(tokens)):
        when = scan_when(" ".join(tokens[start:]))
        if when is not None:
            return tokens[:start], when
    return None


def _last_index(tokens: list[str], keyword: str) -> int | None:
    for index in range(len(tokens) - 1, -1, -1):
        if tokens[index].casefold() == keyword:
            return index
    return None
