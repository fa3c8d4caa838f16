"""The reminder clause of a `meet` line: how long before the start to remind, or not at all.

    clause   := (remind [me] | reminder) <duration> [before]     ("remind me 10 minutes before")
              | no reminder | without [a] reminder | don't remind me | do not remind me
              | 提前 <时长> 提醒 | 提醒提前 <时长>                  ("提前半小时提醒")
              | 不提醒 | 不要提醒 | 无需提醒 | 不用提醒

<duration> is what `for <duration>` accepts (`bot.commands.duration`), <时长> a Chinese
duration (`bot.commands.when_zh`); a reminder is from 0 minutes (at the start) to 24 hours
before. The clause may stand anywhere after the subject, but only where nothing follows it save
the time, the duration and the attendees: "meet Remind 5m early tomorrow 3pm" and "meet No
reminder emails tomorrow 3pm" keep their words in the subject, and a keyword without a duration
("meet Remind Bob about taxes tomorrow 3pm", "meet Reminder service design ...") is no clause.

BAD_REMINDER, with the clause as typed, is for a keyword whose duration is out of range or
unreadable where a clause would stand ("remind 25h", "remind 5 tomorrow 3pm", "提前25小时提醒"),
and for any reminder keyword after the time ("meet Sync tomorrow 3pm remind soon").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta

from bot.commands.duration import duration_minutes
from bot.commands.model import ParseError, ParseErrorKind, ReminderRequest
from bot.commands.text import Message, grouped_by_first
from bot.commands.when_zh import DURATION_PATTERN, zh_duration_minutes

MAX_REMINDER = timedelta(hours=24)

_KEYWORDS: tuple[tuple[str, ...], ...] = (("remind", "me"), ("remind",), ("reminder",))
_NEGATIONS: tuple[tuple[str, ...], ...] = (
    ("no", "reminder"),
    ("no", "reminders"),
    ("without", "reminder"),
    ("without", "reminders"),
    ("without", "a", "reminder"),
    ("don't", "remind", "me"),
    ("dont", "remind", "me"),
    ("do", "not", "remind", "me"),
)
_NEGATORS = frozenset({"no", "without", "don't", "dont", "not"})
# Each phrase above has a word that starts with `_STEM`, and each Chinese pattern below needs
# `_ZH_STEM`: most lines have neither, and their words need not be searched for a clause.
_STEM = "remind"
_ZH_STEM = "提醒"
# Units a number after `remind` may carry and still be read as a (mistyped) reminder.
_UNITS = frozenset(
    {
        *("m", "min", "mins", "minute", "minutes", "h", "hr", "hrs", "hour", "hours"),
        *("s", "sec", "secs", "second", "seconds", "d", "day", "days", "w", "week", "weeks"),
    }
)
_MAX_DURATION_WORDS = 5  # "an hour and a half", "1 hour and 30 minutes"
_CLAUSE_WORDS = frozenset({"with", "for"})  # what may follow a clause after the time
_NUMBER = re.compile(r"[-+]?\d\S*")
_TRAILING = ",.;:!?，。；：！？"

_ZH_NEGATION = re.compile(r"(?:不要|不用|无需|无须|不)提醒我?")
_ZH_BEFORE = re.compile(rf"提前\s*(?P<duration>{DURATION_PATTERN})\s*提醒我?", re.VERBOSE)
_ZH_AFTER = re.compile(rf"提醒我?\s*提前\s*(?P<duration>{DURATION_PATTERN})", re.VERBOSE)
_ZH_ATTEMPT = re.compile(r"提前(?P<duration>[^\s提]{1,10}?)提醒我?")

IsRest = Callable[[str], bool]


# Only the phrases that start with a word need to be tried at it.
_KEYWORDS_BY_FIRST_WORD = grouped_by_first(_KEYWORDS, key=lambda phrase: phrase)
_NEGATIONS_BY_FIRST_WORD = grouped_by_first(_NEGATIONS, key=lambda phrase: phrase)


@dataclass(frozen=True, slots=True)
class _Found:
    start: int  # where the clause is in the body
    end: int
    result: ReminderRequest | ParseError


def split_reminder(
    body: str, message: Message, *, is_rest: IsRest, after_time: IsRest
) -> tuple[str, ReminderRequest | None] | ParseError:
    """Take the reminder clause out of `body` (a part of `message.body`).

    `is_rest(text)`: whether `text` holds only what may follow a clause (time, duration,
    attendees); `after_time(text)`: whether `text` ends in the time, so the subject is over.
    """
    found = [
        clause
        for clause in (
            next(_english(body, is_rest, after_time), None),
            next(_chinese(body, is_rest, after_time), None),
        )
        if clause is not None
    ]
    if not found:
        return body, None
    first = min(found, key=lambda clause: clause.start)
    if isinstance(first.result, ParseError):
        return ParseError(first.result.kind, message.restore(first.result.detail))
    head = body[: first.start].rstrip(" ,，、;；:：")
    tail = body[first.end :].strip(" ,，、;；:：")
    return " ".join(part for part in (head, tail) if part), first.result


def reminder_of(minutes: int) -> ReminderRequest | None:
    """A reminder `minutes` before the start, or None when that is out of range."""
    before = timedelta(minutes=minutes)
    return ReminderRequest(before) if timedelta(0) <= before <= MAX_REMINDER else None


# --- English ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Words:
    """The body's words, their offsets, and each folded without a trailing punctuation mark."""

    body: str
    starts: tuple[int, ...]
    folded: tuple[str, ...]

    @classmethod
    def of(cls, body: str) -> _Words:
        starts: list[int] = []
        folded: list[str] = []
        for match in re.finditer(r"\S+", body):
            starts.append(match.start())
            word = match[0].casefold().replace("\u2019", "'")
            folded.append(word.rstrip(_TRAILING) or word)
        return cls(body, tuple(starts), tuple(folded))

    def at(self, index: int, phrase: tuple[str, ...]) -> bool:
        return self.folded[index : index + len(phrase)] == phrase

    def start(self, index: int) -> int:
        """Where word `index` starts; the body's end for the index past the last word."""
        return self.starts[index] if index < len(self.starts) else len(self.body)

    def end(self, index: int) -> int:
        """Where word `index - 1` ends (with its punctuation): the end of words [..., index)."""
        if index == 0:
            return 0
        following = self.start(index)
        return len(self.body[:following].rstrip())

    def rest(self, index: int) -> str:
        return self.body[self.start(index) :]

    def text(self, first: int, stop: int) -> str:
        return self.body[self.start(first) : self.end(stop)]


def _english(body: str, is_rest: IsRest, after_time: IsRest) -> Iterator[_Found]:
    """The English clauses and bad clauses in `body`, in order."""
    if _STEM not in body.casefold():
        return
    words = _Words.of(body)
    for index in range(len(words.folded)):
        found = _negation(words, index, is_rest)
        if found is None and (index == 0 or words.folded[index - 1] not in _NEGATORS):
            found = _positive(words, index, is_rest, after_time)
        if found is not None:
            yield found


def _negation(words: _Words, index: int, is_rest: IsRest) -> _Found | None:
    for phrase in _NEGATIONS_BY_FIRST_WORD.get(words.folded[index], ()):
        stop = index + len(phrase)
        if words.at(index, phrase) and is_rest(words.rest(stop)):
            return _Found(words.start(index), words.end(stop), ReminderRequest(None))
    return None


def _positive(words: _Words, index: int, is_rest: IsRest, after_time: IsRest) -> _Found | None:
    keywords = _KEYWORDS_BY_FIRST_WORD.get(words.folded[index], ())
    keyword = next((k for k in keywords if words.at(index, k)), None)
    if keyword is None:
        return None
    first = index + len(keyword)  # the first word after the keyword
    read = _duration(words, first)
    if read is not None:
        minutes, stop = read
        reminder = reminder_of(minutes)
        if is_rest(words.rest(stop)):
            return _found(words, index, stop, reminder)
    else:
        attempt = _attempt(words, first)
        if attempt is not None and is_rest(words.rest(attempt)):
            return _found(words, index, attempt, None)
    if not after_time(words.body[: words.start(index)]):
        return None
    # After the time the subject is over: whatever follows the keyword was meant as a reminder.
    # It runs to the end of the line or to a clause that may follow it (attendees, duration).
    count = len(words.folded)
    stop = next(
        (
            s
            for s in range(first, count)
            if words.folded[s] in _CLAUSE_WORDS and is_rest(words.rest(s))
        ),
        count,
    )
    return _found(words, index, stop, None)


def _found(words: _Words, index: int, stop: int, reminder: ReminderRequest | None) -> _Found:
    start, end = words.start(index), words.end(stop)
    if reminder is None:
        return _Found(start, end, ParseError(ParseErrorKind.BAD_REMINDER, words.text(index, stop)))
    return _Found(start, end, reminder)


def _duration(words: _Words, first: int) -> tuple[int, int] | None:
    """The minutes of the longest duration at word `first`, and the index past it (and `before`)."""
    longest = min(_MAX_DURATION_WORDS, len(words.folded) - first)
    for count in range(longest, 0, -1):
        minutes = duration_minutes(" ".join(words.folded[first : first + count]))
        if minutes is not None:
            stop = first + count
            return minutes, stop + 1 if words.at(stop, ("before",)) else stop
    return None


def _attempt(words: _Words, first: int) -> int | None:
    """The index past a number meant as a duration ("25h", "5", "2 days before"), if one is."""
    if first >= len(words.folded) or not _NUMBER.fullmatch(words.folded[first]):
        return None
    stop = first + 1
    if stop < len(words.folded) and words.folded[stop] in _UNITS:
        stop += 1
    return stop + 1 if words.at(stop, ("before",)) else stop


# --- Chinese ----------------------------------------------------------------------------------


def _chinese(body: str, is_rest: IsRest, after_time: IsRest) -> Iterator[_Found]:
    """The Chinese clauses and bad clauses in `body`, in order."""
    if _ZH_STEM not in body:
        return
    candidates: list[tuple[int, int, ReminderRequest | ParseError]] = []
    for match in _ZH_NEGATION.finditer(body):
        candidates.append((match.start(), match.end(), ReminderRequest(None)))
    for pattern in (_ZH_BEFORE, _ZH_AFTER, _ZH_ATTEMPT):
        for match in pattern.finditer(body):
            minutes = zh_duration_minutes(match["duration"])
            reminder = None if minutes is None else reminder_of(minutes)
            bad = ParseError(ParseErrorKind.BAD_REMINDER, match[0])
            candidates.append((match.start(), match.end(), reminder or bad))
    for start, end, result in sorted(candidates, key=lambda candidate: candidate[0]):
        if is_rest(body[end:]) or (isinstance(result, ParseError) and after_time(body[:start])):
            yield _Found(start, end, result)
