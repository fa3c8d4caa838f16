"""The `meet` line after its keyword, and `parse_when` for a dialog's answer to "When?".

A `meet` line is read from its end, once its agenda (`bot.commands.agenda`, to the end of the
message), the repeat clause (`bot.commands.repeat`) and the reminder clause
(`bot.commands.reminder`), which may stand anywhere after the subject, are taken out: the place
clause (`bot.commands.places`) and the attendee clause (`bot.commands.attendees`), in either
order, then the duration, then the longest tail that reads as a time expression, English
(`bot.commands.when`) or Chinese (`bot.commands.when_zh`); what is left is the subject, in its
original casing and with mentions back as names.

* The duration is `for <duration>` after the last whole-word "for", if what follows is a
  duration or a number that tries to be one ("for 25h" is BAD_DURATION, "Plan for launch" stays
  in the subject); a valid one just before the time ("Prep for 45m tomorrow 3pm") is accepted
  too. Failing that, a Chinese duration ending the line ("45分钟", "开1小时", "持续半小时").
* The attendee clause may also come just before the time ("with <at>Adele</at> tomorrow 3pm").
* A time expression starts at a word, or anywhere next to Chinese text, which is written
  without spaces ("设计评审明天下午3点").
* Whatever is missing makes an `IncompleteMeet` that keeps the rest: no subject, no time, or
  only a day ("meet Sync tomorrow": `day` is tomorrow). A day alone that is already past is
  TIME_IN_PAST.
* A repeating meeting's `start` and `end` are its first occurrence (`bot.commands.series`):
  "meet Standup every weekday 9am" starts on the first weekday from now at 9am; without a
  time, `day` is the series' first day.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import date, datetime, timedelta

from bot.commands.agenda import split_agenda
from bot.commands.attendees import Attendees, split_attendees
from bot.commands.duration import checked_duration, parse_duration
from bot.commands.model import (
    IncompleteMeet,
    MeetCommand,
    ParseError,
    ParseErrorKind,
    ReminderRequest,
    Repeat,
)
from bot.commands.places import Place, split_place
from bot.commands.reminder import split_reminder
from bot.commands.repeat import split_repeat
from bot.commands.resolve import require_aware, resolve_date, resolve_when
from bot.commands.series import RepeatClause, first_day_of, first_occurrence
from bot.commands.spec import IsoDate, WhenSpec
from bot.commands.text import CJK_CHARS, Message
from bot.commands.when import scan_when
from bot.commands.when_zh import scan_when_zh, split_zh_duration, zh_duration_minutes

DEFAULT_DURATION = timedelta(minutes=30)
MAX_TEXT_LENGTH = 1000
# The longest time expression, "on December 3rd, 2026 at 10:30 am - 11:45 am", is 44
# characters; looking no further back keeps the tail search linear in the message length.
_MAX_WHEN_CHARS = 80
_FOR = re.compile(r"(?<!\S)for(?!\S)", re.IGNORECASE)
_SUBJECT_TRIM = " ,，、:：;；"
_ATTENDEE_START = re.compile(r"(?:with(?!\S)|和|邀请)", re.IGNORECASE)
# Where a time expression may start: a character that starts a word (the text's first, or one
# after a space), or any character next to Chinese text, which is written without spaces.
_WHEN_START = re.compile(rf"(?:(?<!\S)|(?<=[{CJK_CHARS}])|(?=[{CJK_CHARS}]))\S")

Duration = tuple[timedelta, str]  # the length and the text that gave it


def parse_meet(
    body: str, message: Message, now: datetime, locale: str | None
) -> MeetCommand | IncompleteMeet | ParseError:
    """The command for `meet <body>`; `body` is a part of `message.body`."""
    body, agenda = split_agenda(body, message)
    repeated = split_repeat(
        body,
        today=now.date(),
        locale=locale,
        is_rest=lambda text: _is_rest_of_repeat(text, message),
        after_time=lambda text: _after_time(text, message),
    )
    if isinstance(repeated, ParseError):
        return repeated
    body, repeat_clause = repeated
    reminded = split_reminder(
        body,
        message,
        is_rest=lambda text: _is_rest(text, message),
        after_time=lambda text: _after_time(text, message),
    )
    if isinstance(reminded, ParseError):
        return reminded
    body, reminder = reminded
    clauses = _split_clauses(body, message)
    if isinstance(clauses, ParseError):
        return clauses
    head, attendees, place = clauses
    command = _meet_command(head, attendees, reminder, repeat_clause, message, now, locale)
    if isinstance(command, ParseError):
        return command
    return dataclasses.replace(
        command,
        optional=attendees.optional,
        optional_mentions=attendees.optional_mentions,
        places=place.places,
        room=place.room,
        agenda=agenda,
    )


def _split_clauses(body: str, message: Message) -> tuple[str, Attendees, Place] | ParseError:
    """The place and attendee clauses off the end of `body`, in either order."""
    last = split_place(
        body,
        message,
        ends_with_time=lambda head: _after_time(head, message),
        is_when=_is_when,
        may_end=lambda rest: not _has_attendees(rest, message),
    )
    if isinstance(last, ParseError):
        return last
    body, place = last
    split = split_attendees(body, message, ends_with_time=_ends_with_time, is_when=_is_when)
    if isinstance(split, ParseError):
        return split
    head, attendees = split
    if not place:  # "at Harry's Bar with adele@contoso.com": the place before the attendees
        before = split_place(head, message, ends_with_time=_ends_with_time, is_when=_is_when)
        if isinstance(before, ParseError):
            return before
        head, place = before
    return head, attendees, place


def _meet_command(  # noqa: PLR0917 (the clauses read so far, and the parser's context)
    head: str,
    attendees: Attendees,
    reminder: ReminderRequest | None,
    repeat_clause: RepeatClause | None,
    message: Message,
    now: datetime,
    locale: str | None,
) -> MeetCommand | IncompleteMeet | ParseError:
    """The command for what is left of the line: subject, time, duration and repeat."""
    clause = split_duration(head)
    if isinstance(clause, ParseError):
        return clause
    head, duration = clause
    found = split_when(head)
    subject_text, when = found if found is not None else (head, None)
    if duration is None:
        subject_text, duration = _leading_duration(subject_text)
    subject = message.restore(subject_text).strip(_SUBJECT_TRIM) or None
    if when is None or (when.time is None and when.offset is None):
        day = None if when is None else day_only(when, now=now, locale=locale)
        if isinstance(day, ParseError):
            return day
        series = None if repeat_clause is None else first_day_of(repeat_clause, day or now.date())
        if isinstance(series, ParseError):
            return series
        if series is not None:
            first, repeating = series
            return _incomplete(subject, attendees, reminder, duration, day=first, repeat=repeating)
        return _incomplete(subject, attendees, reminder, duration, day=day)
    if duration is not None and when.time is not None and when.time.end is not None:
        return ParseError(ParseErrorKind.BAD_DURATION, duration[1])  # a range already has one
    length = DEFAULT_DURATION if duration is None else duration[0]
    found_times = _times(when, repeat_clause, now, length, locale)
    if isinstance(found_times, ParseError):
        return found_times
    times, repeat = found_times
    if subject is None:
        return _incomplete(None, attendees, reminder, times=times, repeat=repeat)
    start, end = times
    emails, mentions = attendees.emails, attendees.mentions
    return MeetCommand(subject, start, end, emails, mentions, reminder, repeat=repeat)


def _times(
    when: WhenSpec,
    clause: RepeatClause | None,
    now: datetime,
    length: timedelta,
    locale: str | None,
) -> tuple[tuple[datetime, datetime], Repeat | None] | ParseError:
    """The meeting's start and end, the first occurrence's for a series, and its repeat."""
    if clause is None:
        times = resolve_when(when, now, length, locale=locale)
        return times if isinstance(times, ParseError) else (times, None)
    first = first_occurrence(clause, when, now, length, locale)
    return first if isinstance(first, ParseError) else ((first[0], first[1]), first[2])


def _incomplete(
    subject: str | None,
    attendees: Attendees,
    reminder: ReminderRequest | None,
    duration: Duration | None = None,
    *,
    times: tuple[datetime, datetime] | None = None,
    day: date | None = None,
    repeat: Repeat | None = None,
) -> IncompleteMeet:
    start, end = times if times is not None else (None, None)
    length = None if duration is None else duration[0]
    emails, mentions = attendees.emails, attendees.mentions
    return IncompleteMeet(
        subject, start, end, length, emails, mentions, day, reminder, repeat=repeat
    )


def day_only(when: WhenSpec, *, now: datetime, locale: str | None) -> date | ParseError:
    """The day of a time expression that names only one; a day already past is TIME_IN_PAST."""
    assert when.day is not None  # a spec without time or offset has a day
    day = resolve_date(when.day, now.date(), locale)
    if isinstance(day, ParseError):
        return day
    if day < now.date():
        return ParseError(ParseErrorKind.TIME_IN_PAST, when.day.text)
    return day


def parse_when(
    text: str,
    now: datetime,
    *,
    locale: str | None = None,
    duration: timedelta | None = None,
    day: date | None = None,
) -> tuple[datetime, datetime] | ParseError:
    """Read an answer to "When?" ("tomorrow 3pm", "明天下午3点", "in 2 hours for 45m").

    `duration` (from the original line) applies when the answer gives none, else
    DEFAULT_DURATION; `day` (from the original line) is the day of a time given without one.
    """
    read = _read_answer(text, now, duration)
    if isinstance(read, ParseError):
        return read
    when, length = read
    return resolve_when(when, now, length, locale=locale, default_day=day)


def parse_series_when(
    text: str,
    now: datetime,
    repeat: Repeat,
    *,
    locale: str | None = None,
    duration: timedelta | None = None,
    day: date | None = None,
) -> tuple[datetime, datetime, Repeat] | ParseError:
    """Read an answer to "When?" for the series a line described (`repeat`, as `parse_meet`
    finished it): the first occurrence and the `Repeat`, by the parser's rules
    (`bot.commands.series.first_occurrence`). A time without a day searches from `day` (the
    series' first day as the line gave it), or from today once that is past; a range that
    ends before the first occurrence is BAD_REPEAT."""
    read = _read_answer(text, now, duration)
    if isinstance(read, ParseError):
        return read
    when, length = read
    if when.day is None and when.offset is None:
        start = max(day or now.date(), now.date())
        when = dataclasses.replace(when, day=IsoDate(start.isoformat()))
    return first_occurrence(RepeatClause(repeat, text.strip()), when, now, length, locale)


def _read_answer(
    text: str, now: datetime, duration: timedelta | None
) -> tuple[WhenSpec, timedelta] | ParseError:
    """An answer to "When?" as a time expression, and the meeting's length."""
    require_aware(now)
    if len(text) > MAX_TEXT_LENGTH:
        return ParseError(ParseErrorKind.TOO_LONG)
    clause = split_duration(" ".join(text.split()))
    if isinstance(clause, ParseError):
        return clause
    head, own = clause
    if not head:
        return ParseError(ParseErrorKind.MISSING_TIME)
    when = scan_any(head)
    if when is None:
        return ParseError(ParseErrorKind.BAD_TIME, head)
    if own is not None and when.time is not None and when.time.end is not None:
        return ParseError(ParseErrorKind.BAD_DURATION, own[1])
    return when, own[0] if own is not None else duration or DEFAULT_DURATION


# --- time and duration ------------------------------------------------------------------------


def scan_any(text: str) -> WhenSpec | None:
    """`text` as a whole time expression, English or Chinese."""
    return scan_when(text) or scan_when_zh(text)


def split_when(text: str) -> tuple[str, WhenSpec] | None:
    """Split off the longest tail of `text` that is a time expression."""
    for start in _when_starts(text):
        if (when := scan_any(text[start:])) is not None:
            return text[:start].rstrip(), when
    return None


def _when_starts(text: str) -> list[int]:
    """Where in the last `_MAX_WHEN_CHARS` of `text` a time expression may start, in order."""
    first = max(0, len(text) - _MAX_WHEN_CHARS)
    return [match.start() for match in _WHEN_START.finditer(text, first)]


def split_duration(text: str) -> tuple[str, Duration | None] | ParseError:
    """Peel a trailing duration, `for 45m` or `45分钟`, off `text`."""
    english = _split_for(text)
    if isinstance(english, ParseError) or english[1] is not None:
        return english
    chinese = split_zh_duration(text)
    if chinese is None:
        return text, None
    head, phrase = chinese
    minutes = zh_duration_minutes(phrase)
    if minutes is None:
        return ParseError(ParseErrorKind.BAD_DURATION, phrase)
    length = checked_duration(minutes, phrase)
    return length if isinstance(length, ParseError) else (head, (length, phrase))


def _split_for(text: str) -> tuple[str, Duration | None] | ParseError:
    keywords = list(_FOR.finditer(text))
    if not keywords:
        return text, None
    last = keywords[-1]
    phrase = text[last.end() :].strip()
    length = parse_duration(phrase)
    if length is None:
        return text, None
    if isinstance(length, ParseError):
        return length
    return text[: last.start()].rstrip(), (length, phrase)


def _leading_duration(text: str) -> tuple[str, Duration | None]:
    """Accept a valid `for <duration>` written before the time instead of after it."""
    clause = _split_for(text)
    return (text, None) if isinstance(clause, ParseError) else clause


def _is_when(text: str) -> bool:
    """Whether `text` is a time expression, maybe with its duration, and nothing else."""
    clause = split_duration(text)
    return not isinstance(clause, ParseError) and scan_any(clause[0]) is not None


def _ends_with_time(text: str) -> bool:
    """Whether `text` ends in a day or a clearly written time (not a bare "Retro 2")."""
    clause = split_duration(text)
    found = split_when(text if isinstance(clause, ParseError) else clause[0])
    if found is None:
        return False
    when = found[1]
    if when.day is not None or when.offset is not None:
        return True
    return when.time is not None and not when.time.start.is_bare


def _is_rest(text: str, message: Message) -> bool:
    """Whether `text` holds nothing but a time, a duration and attendees, in any order the
    `meet` line allows: what may follow a reminder clause."""
    text = text.strip(_SUBJECT_TRIM)
    if not text:
        return True
    # What is left must be empty, so a place clause may follow any text here.
    placed = split_place(text, message, ends_with_time=lambda _: True, is_when=_is_when)
    if isinstance(placed, ParseError):  # a place clause gone wrong is still one
        return True
    text = placed[0]
    split = split_attendees(text, message, ends_with_time=_ends_with_time, is_when=_is_when)
    if isinstance(split, ParseError):  # an attendee clause gone wrong is still one
        return _ATTENDEE_START.match(text) is not None
    if not placed[1]:
        before = split_place(split[0], message, ends_with_time=lambda _: True, is_when=_is_when)
        if not isinstance(before, ParseError):
            split = (before[0], split[1])
    clause = split_duration(split[0])
    if isinstance(clause, ParseError):  # so is a bad duration
        return _FOR.match(split[0]) is not None
    head = clause[0]
    found = split_when(head)
    if found is not None:
        head = found[0]
    head = _leading_duration(head.strip(_SUBJECT_TRIM))[0]
    return not head.strip(_SUBJECT_TRIM)


def _has_attendees(text: str, message: Message) -> bool:
    """Whether `text` ends in an attendee clause (so a place in it does not end the line)."""
    split = split_attendees(text, message, ends_with_time=_ends_with_time, is_when=_is_when)
    if isinstance(split, ParseError):
        return True
    found = split[1]
    return bool(found.emails or found.mentions or found.optional or found.optional_mentions)


def _is_rest_of_repeat(text: str, message: Message) -> bool:
    """Whether `text` may follow a repeat clause: what may follow a reminder clause, with a
    reminder clause among it."""
    reminded = split_reminder(
        text,
        message,
        is_rest=lambda rest: _is_rest(rest, message),
        after_time=lambda rest: _after_time(rest, message),
    )
    # A reminder clause gone wrong is still one.
    return isinstance(reminded, ParseError) or _is_rest(reminded[0], message)


def _after_time(text: str, message: Message) -> bool:
    """Whether `text`, less its attendee clause, ends in a time: its subject is over."""
    text = text.strip(_SUBJECT_TRIM)
    if not text:
        return False
    split = split_attendees(text, message, ends_with_time=_ends_with_time, is_when=_is_when)
    rest = text if isinstance(split, ParseError) else split[0]
    return bool(rest) and _ends_with_time(rest)
