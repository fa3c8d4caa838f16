"""The place clause of a `meet` line: where the meeting is, after its time.

    clause := at <place> {; <place>}        -> places, in order ("at Conf Room 3; Home Office")
            | in room <email>               -> room: a room mailbox ("in room baker@contoso.com")
            | in [room] <name>              -> room: a room name, looked up in the tenant's
                                               room list when the meeting is booked
            | 地点[：] <place> {；<place>} | 在 <place>   -> places
            | 会议室[：] <email or name>                   -> room

"at" and "in" also start times ("at 3pm", "in 2 hours"), and "at" sits in subjects ("Look at
the numbers"), so a clause counts only where its words are no time expression and what
comes before it already ends in the meeting's time: the place follows the time. Whatever
follows the place up to the end of the text is the place; a place with an attendee clause
after it is found once that clause is taken out (`bot.commands.meet` asks twice).

BAD_PLACE, with the clause as typed, is a keyword with nothing after it ("at ;") and
`in room` with something that is not one address ("in room baker@").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.commands.model import ParseError, ParseErrorKind
from bot.commands.text import CJK_CHARS, Message

_KEYWORD = re.compile(
    rf"(?:(?<!\S)(?P<room_of>in\s+room)(?!\S)|(?<!\S)(?P<at>at)(?!\S)|(?<!\S)(?P<in>in)(?!\S)"
    rf"|(?P<zh_room>会议室\s*[:：]?)|(?P<zh_place>地点\s*[:：]?)|(?<=[\d{CJK_CHARS}])(?P<zai>在))",
    re.IGNORECASE,
)
_SEPARATOR = re.compile(r"\s*[;；]\s*")
_TRIM = " ,，。.!！"
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_EMAIL = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@(?:[A-Za-z0-9-]+\.)+[A-Za-z]{{2,}}")
_MAX_PLACE_CHARS = 200


@dataclass(frozen=True, slots=True)
class Place:
    """The place clause: display names in order, or a room (an address or a name)."""

    places: tuple[str, ...] = ()
    room: str | None = None

    def __bool__(self) -> bool:
        return bool(self.places) or self.room is not None


def split_place(
    body: str,
    message: Message,
    *,
    ends_with_time: Callable[[str], bool],
    is_when: Callable[[str], bool],
    may_end: Callable[[str], bool] = lambda rest: True,
) -> tuple[str, Place] | ParseError:
    """Take the place clause off the end of `body` (a part of `message.body`).

    `ends_with_time(head)`: the text before a keyword ends in the meeting's time;
    `is_when(rest)`: the words after it are a time ("at 3pm"); `may_end(rest)`: they may end
    the line (no attendee clause left in them). Returns `body` and an empty Place when there
    is no clause.
    """
    keywords = list(_KEYWORD.finditer(body, max(0, len(body) - _MAX_PLACE_CHARS)))
    for keyword in reversed(keywords):
        rest = body[keyword.end() :].strip(_TRIM)
        head = body[: keyword.start()].rstrip()
        if not ends_with_time(head):
            continue
        if not rest:
            if keyword["in"]:
                continue  # "in" alone ends many a line that is no place
            return ParseError(ParseErrorKind.BAD_PLACE, message.restore(keyword[0]).strip())
        if is_when(rest) or not may_end(rest):
            continue
        place = _place(keyword, message.restore(rest))
        return place if isinstance(place, ParseError) else (head, place)
    return body, Place()


def _place(keyword: re.Match[str], text: str) -> Place | ParseError:
    if keyword["room_of"] or keyword["zh_room"]:
        if "@" in text and _EMAIL.fullmatch(text) is None:
            return ParseError(ParseErrorKind.BAD_PLACE, text)
        return Place(room=text)
    if keyword["in"]:
        return Place(room=text)
    names = tuple(name for name in _SEPARATOR.split(text) if name.strip(_TRIM))
    if not names:
        return ParseError(ParseErrorKind.BAD_PLACE, text)
    return Place(places=names)


def is_room_address(room: str) -> bool:
    """Whether a room is given by its mailbox address rather than by name."""
    return _EMAIL.fullmatch(room) is not None
