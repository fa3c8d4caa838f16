"""Moving a meeting: `move`, `push` and `pull` after their keyword, and the scope of a change.

    move | reschedule  <subject words> to <when> [<scope>]
    push  <subject words> [back | later] [by] <duration> [<scope>]      (later)
    pull  <subject words> [forward | earlier] [by] <duration> [<scope>] (earlier)
    把 <subject> (改到 | 改为 | 移到 | 挪到 | 调到 | 推迟到 | 延后到 | 提前到) <when> [<scope>]
    把 <subject> (推迟 | 延后 | 提前) <duration> [<scope>]
    (推迟 | 延后 | 提前) <subject> <duration> [<scope>]   (no duration at the end: not a move)
    scope := this one | only this one | just this one | this occurrence
           | the whole series | whole series | all of them
           | 仅这一次 | 只这一次 | 仅此一次 | 这一次 | 整个系列 | 全部

A <when> that names a day and a time (or "in 2 hours") is the new start (`start`, resolved
against the sender's clock); a time alone ("to 4pm", "改到下午4点") is on the meeting's own day
(`at`), a day alone ("to Thursday") at the meeting's own time (`day`): which day or time that
is only the meeting knows, so the flow works it out. A range ("to 3-4pm") is BAD_TIME: a move
keeps the meeting's length; "to" or 改到 with nothing after it is MISSING_TIME. Every ParseError
of a move says so in its `usage` (MOVE, or SHIFT for push / pull / 推迟 / 提前), so that its
sentence shows how to write a move rather than a meet. `split_scope` reads the scope of
`cancel meeting` too.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime, timedelta

from bot.commands.duration import checked_duration, duration_minutes
from bot.commands.meet import day_only, scan_any
from bot.commands.model import MoveCommand, ParseError, ParseErrorKind, SeriesScope, Usage
from bot.commands.resolve import resolve_when, to_time
from bot.commands.spec import WhenSpec
from bot.commands.text import Message
from bot.commands.when_zh import split_zh_duration, zh_duration_minutes

# Longest first, so that "only this one" is not read as "this one" with "only" in the subject.
_SCOPES: tuple[tuple[str, SeriesScope], ...] = tuple(
    sorted(
        (
            ("this one", SeriesScope.OCCURRENCE),
            ("only this one", SeriesScope.OCCURRENCE),
            ("just this one", SeriesScope.OCCURRENCE),
            ("this one only", SeriesScope.OCCURRENCE),
            ("this occurrence", SeriesScope.OCCURRENCE),
            ("only this occurrence", SeriesScope.OCCURRENCE),
            ("the whole series", SeriesScope.SERIES),
            ("whole series", SeriesScope.SERIES),
            ("the entire series", SeriesScope.SERIES),
            ("all of them", SeriesScope.SERIES),
            ("仅这一次", SeriesScope.OCCURRENCE),
            ("只这一次", SeriesScope.OCCURRENCE),
            ("仅此一次", SeriesScope.OCCURRENCE),
            ("这一次", SeriesScope.OCCURRENCE),
            ("整个系列", SeriesScope.SERIES),
            ("全部", SeriesScope.SERIES),
        ),
        key=lambda scope: -len(scope[0]),
    )
)
_TRIM = " ,，、;；:：.。!！-—"
_TO = re.compile(r"(?<!\S)to(?!\S)", re.IGNORECASE)
_LATER_WORDS = ("back", "later", "out")
_EARLIER_WORDS = ("forward", "earlier", "up")
_ZH_TO = ("改到", "改为", "改成", "移到", "挪到", "调到", "调整到", "改期到")
_ZH_SHIFT_TO = ("推迟到", "延后到", "推后到", "提前到")
_ZH_LATER = ("推迟", "延后", "推后")
_ZH_EARLIER = ("提前",)


def split_scope(text: str) -> tuple[str, SeriesScope | None]:
    """Peel a trailing "this one" / "the whole series" (仅这一次 / 整个系列) off `text`."""
    stripped = text.rstrip(_TRIM)
    folded = stripped.casefold()
    for phrase, scope in _SCOPES:
        if not folded.endswith(phrase):
            continue
        head = stripped[: len(stripped) - len(phrase)]
        # An English phrase must start a word ("this one", not "...sthis one").
        if phrase.isascii() and head and not head[-1].isspace() and head[-1] not in _TRIM:
            continue
        return head.rstrip(_TRIM), scope
    return stripped, None


def parse_move(
    rest: str, message: Message, now: datetime, locale: str | None
) -> MoveCommand | ParseError:
    """`move <rest>` (or `reschedule <rest>`)."""
    return _explained(_parse_move(rest, message, now, locale), Usage.MOVE)


def parse_shift(rest: str, message: Message, *, later: bool) -> MoveCommand | ParseError:
    """`push <rest>` (`later`) or `pull <rest>`: the words, then the duration."""
    return _explained(_parse_shift(rest, message, later=later), Usage.SHIFT)


def parse_shift_zh(rest: str, message: Message, *, later: bool) -> MoveCommand | ParseError | None:
    """`推迟 <rest>` or `提前 <rest>`: the subject, then a Chinese duration. None when no
    duration ends the line: these are everyday words ("提前5分钟提醒" is a reminder clause),
    so without one the line is no move at all."""
    moved = _parse_shift_zh(rest, message, later=later)
    return None if moved is None else _explained(moved, Usage.SHIFT)


def _explained(moved: MoveCommand | ParseError, usage: Usage) -> MoveCommand | ParseError:
    """A move that cannot be read is answered with how to write a move, not a meet."""
    if isinstance(moved, ParseError):
        return dataclasses.replace(moved, usage=usage)
    return moved


def _parse_move(
    rest: str, message: Message, now: datetime, locale: str | None
) -> MoveCommand | ParseError:
    body, scope = split_scope(rest)
    keywords = list(_TO.finditer(body))
    if not body or (keywords and not body[: keywords[0].start()].strip()):
        return ParseError(ParseErrorKind.MISSING_SUBJECT)
    for keyword in reversed(keywords):
        head, tail = body[: keyword.start()].strip(), body[keyword.end() :].strip()
        when = scan_any(tail)
        if when is not None and head:
            return _moved_to(message.restore(head), when, scope, now, locale)
    tail = body[keywords[-1].end() :].strip() if keywords else ""
    if not tail:
        return ParseError(ParseErrorKind.MISSING_TIME)
    return ParseError(ParseErrorKind.BAD_TIME, message.restore(tail))


def _parse_shift(rest: str, message: Message, *, later: bool) -> MoveCommand | ParseError:
    body, scope = split_scope(rest)
    words = body.split(" ") if body else []
    for start in range(len(words)):
        minutes = duration_minutes(" ".join(words[start:]))
        if minutes is None:
            continue
        head = _without_direction(words[:start], later=later)
        if not head:
            return ParseError(ParseErrorKind.MISSING_SUBJECT)
        return _shifted(
            message.restore(" ".join(head)), minutes, " ".join(words[start:]), later, scope
        )
    if len(words) <= 1:
        return ParseError(
            ParseErrorKind.MISSING_SUBJECT if not words else ParseErrorKind.MISSING_TIME
        )
    return ParseError(ParseErrorKind.BAD_DURATION, message.restore(words[-1]))


def parse_move_zh(
    rest: str, message: Message, now: datetime, locale: str | None
) -> MoveCommand | ParseError | None:
    """`把 <rest>`: None when no move verb follows the subject (not a move at all)."""
    body, scope = split_scope(rest)
    for verb in (*_ZH_SHIFT_TO, *_ZH_TO):
        at = body.rfind(verb)
        if at <= 0:
            continue
        tail = body[at + len(verb) :].strip()
        if (when := scan_any(tail)) is not None:
            moved = _moved_to(message.restore(body[:at].strip()), when, scope, now, locale)
            return _explained(moved, Usage.MOVE)
        if not tail:
            return ParseError(ParseErrorKind.MISSING_TIME, usage=Usage.MOVE)
        return ParseError(ParseErrorKind.BAD_TIME, message.restore(tail), usage=Usage.MOVE)
    for verbs, later in ((_ZH_LATER, True), (_ZH_EARLIER, False)):
        for verb in verbs:
            at = body.rfind(verb)
            if at <= 0:
                continue
            subject, phrase = body[:at].strip(), body[at + len(verb) :].strip()
            shifted = _zh_shifted(message.restore(subject), phrase, later, scope)
            return _explained(shifted, Usage.SHIFT)
    return None


def _parse_shift_zh(rest: str, message: Message, *, later: bool) -> MoveCommand | ParseError | None:
    body, scope = split_scope(rest)
    split = split_zh_duration(body)
    if split is None:
        return None
    subject, phrase = split
    return _zh_shifted(message.restore(subject.strip()), phrase, later, scope)


def _zh_shifted(
    subject: str, phrase: str, later: bool, scope: SeriesScope | None
) -> MoveCommand | ParseError:
    if not subject:
        return ParseError(ParseErrorKind.MISSING_SUBJECT)
    if not phrase:
        return ParseError(ParseErrorKind.MISSING_TIME)
    minutes = zh_duration_minutes(phrase)
    if minutes is None:
        return ParseError(ParseErrorKind.BAD_DURATION, phrase)
    return _shifted(subject, minutes, phrase, later, scope)


def _shifted(
    query: str, minutes: int, text: str, later: bool, scope: SeriesScope | None
) -> MoveCommand | ParseError:
    length = checked_duration(minutes, text)  # more than nothing, at most a day
    if isinstance(length, ParseError):
        return length
    return MoveCommand(query, shift=length if later else -length, scope=scope)


def _without_direction(words: list[str], *, later: bool) -> list[str]:
    """The subject words before the duration, less a trailing "by" and "back" / "forward"."""
    head = list(words)
    if head and head[-1].casefold() == "by":
        head.pop()
    if head and head[-1].casefold() in (_LATER_WORDS if later else _EARLIER_WORDS):
        head.pop()
    return head


def _moved_to(
    query: str, when: WhenSpec, scope: SeriesScope | None, now: datetime, locale: str | None
) -> MoveCommand | ParseError:
    if not query:
        return ParseError(ParseErrorKind.MISSING_SUBJECT)
    if when.time is not None and when.time.end is not None:
        return ParseError(ParseErrorKind.BAD_TIME, when.time.text)  # the length is the meeting's
    if when.offset is None and when.time is None:
        day = day_only(when, now=now, locale=locale)
        return day if isinstance(day, ParseError) else MoveCommand(query, day=day, scope=scope)
    if when.offset is None and when.day is None:
        assert when.time is not None
        at = to_time(when.time.start)
        return at if isinstance(at, ParseError) else MoveCommand(query, at=at, scope=scope)
    # The length does not matter here: the flow keeps the meeting's own.
    times = resolve_when(when, now, timedelta(minutes=1), locale=locale)
    if isinstance(times, ParseError):
        return times
    return MoveCommand(query, start=times[0], scope=scope)
