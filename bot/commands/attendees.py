"""The attendee clause that ends a `meet` line: emails and Teams mentions after a keyword.

    clause := (with | 和 | 邀请) item {(, | ; | ， | ； | 、 | and | 和) item}
    item   := [optional | 可选] address
    address:= email | <at>Name</at> | [label](mailto:email) | <mailto:email> | mailto:email

"with" counts as a whole word only; 和 and 邀请 may be glued to the text around
them ("3点和a@b.com"). The clause is the earliest keyword after which every item is an
attendee, so 和 can both start the list and join its items. Failing that, a keyword whose
attendees are followed by nothing but the time also counts ("with <at>Adele</at> tomorrow 3pm").
When no keyword qualifies, the last one is an attendee clause gone wrong (BAD_ATTENDEE) only
if its items hold an email or a mention, or it comes after a time ("Sync tomorrow 3pm with
Adele"); otherwise it is part of the subject ("Lunch with team tomorrow noon", "设计和开发评审").

"optional" (可选, which may be glued to the address) makes the item after it and every one
after that optional attendees: "with @Adele and optional @Megan, @Bob" invites Adele as
required, Megan and Bob as optional. Someone named both ways is required.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from bot.commands.model import ParseError, ParseErrorKind
from bot.commands.text import Message

_KEYWORD = re.compile(r"(?<!\S)with(?!\S)|邀请|和", re.IGNORECASE)
_SEPARATOR = re.compile(r"[\s,;，；、]+|和")
_JOINERS = frozenset({"and"})
_OPTIONAL = frozenset({"optional", "可选"})
_MAX_TIME_CHARS = 120  # a time expression with its duration, after the attendees
# A word's first character: after a space, or next to non-ASCII text (Chinese has no spaces).
_WORD_START = re.compile(r"(?:(?<=\s)|(?<=[^\x00-\x7f])|(?=[^\x00-\x7f]))\S")
_MARKDOWN_MAILTO = re.compile(r"\[[^\]]*\]\(mailto:(?P<address>[^)\s]+)\)", re.IGNORECASE)
_ANGLE_MAILTO = re.compile(r"<(?:mailto:)?(?P<address>[^>\s]+)>", re.IGNORECASE)
_BARE_MAILTO = re.compile(r"mailto:(?P<address>\S+)", re.IGNORECASE)
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_EMAIL = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@(?:{_LABEL}\.)+[A-Za-z]{{2,}}")


@dataclass(frozen=True, slots=True)
class Attendees:
    """Email addresses and mention names, each de-duplicated case-insensitively, order kept;
    the optional ones apart."""

    emails: tuple[str, ...] = ()
    mentions: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    optional_mentions: tuple[str, ...] = ()


def split_attendees(
    body: str,
    message: Message,
    *,
    ends_with_time: Callable[[str], bool],
    is_when: Callable[[str], bool],
) -> tuple[str, Attendees] | ParseError:
    """Take the attendee clause out of `body` (a part of `message.body`).

    Returns the rest of the line, time and duration included, and the attendees.
    """
    keywords = list(_KEYWORD.finditer(body))
    if not keywords:
        return body, Attendees()
    found = _clause(body, keywords, len(body), message)
    if found is not None:
        return body[: found[0].start()].rstrip(), found[1]
    # Cuts are tried lazily, and only after the first keyword: none before it can end a clause.
    for cut in _time_starts(body, is_when, keywords[0].end()):
        found = _clause(body, [k for k in keywords if k.end() <= cut], cut, message)
        if found is not None:
            return f"{body[: found[0].start()].rstrip()} {body[cut:].strip()}", found[1]
    return _not_a_clause(body, keywords[-1], message, ends_with_time)


def _clause(
    body: str, keywords: list[re.Match[str]], end: int, message: Message
) -> tuple[re.Match[str], Attendees] | None:
    """The earliest of `keywords` after which all up to `end` is attendees, and those."""
    found = None
    # Once one keyword fails, every earlier one has that bad item too: walk back from the end.
    for keyword in reversed(keywords):
        items = _items(body[keyword.end() : end])
        if not items:
            continue  # a dangling 和
        attendees = _attendees(items, message)
        if attendees is None:
            break
        found = keyword, attendees
    return found


def _time_starts(body: str, is_when: Callable[[str], bool], first: int) -> Iterator[int]:
    """Where, from `first` on, a time expression that runs to the end of `body` starts, longest
    first."""
    start = max(1, len(body) - _MAX_TIME_CHARS, first)
    for match in _WORD_START.finditer(body, start):
        if is_when(body[match.start() :].strip()):
            yield match.start()


def _not_a_clause(
    body: str, last: re.Match[str], message: Message, ends_with_time: Callable[[str], bool]
) -> tuple[str, Attendees] | ParseError:
    """The last keyword starts no attendee clause: a mistake in one, or part of the subject."""
    head, items = body[: last.start()].rstrip(), _items(body[last.end() :])
    if not items:
        return ParseError(ParseErrorKind.BAD_ATTENDEE)
    bad = [item for item in items if _attendee(item, message) is None]
    meant = any("@" in item or message.mention(item) is not None for item in items)
    if meant or ends_with_time(head):
        return ParseError(ParseErrorKind.BAD_ATTENDEE, message.restore(bad[0]) if bad else "")
    return body, Attendees()


def _items(text: str) -> list[str]:
    # Teams auto-links typed addresses as markdown; labels may hold spaces, so unwrap first.
    text = _MARKDOWN_MAILTO.sub(lambda m: m["address"], text)
    text = _ANGLE_MAILTO.sub(lambda m: m["address"], text)
    items = _SEPARATOR.split(text)
    return [item for item in items if item and item.casefold() not in _JOINERS]


def _attendees(items: list[str], message: Message) -> Attendees | None:
    """All of `items` as attendees, or None if there are none or one is not an attendee."""
    required: tuple[list[str], list[str]] = ([], [])  # emails, mentions
    optional: tuple[list[str], list[str]] = ([], [])
    into, any_item = required, False
    for word in items:
        item = _after_optional(word)
        if item != word:
            into = optional
            if not item:
                continue  # "optional" alone: the next item is the first optional one
        any_item = True
        name = message.mention(item.rstrip("."))
        if name is not None:
            into[1].append(name)
            continue
        address = _email(item)
        if address is None:
            return None
        into[0].append(address)
    if not any_item:
        return None
    emails, mentions = _unique(required[0]), _unique(n for n in required[1] if n)
    return Attendees(
        emails,
        mentions,
        _unique(_not_in(optional[0], emails)),
        _unique(_not_in((n for n in optional[1] if n), mentions)),
    )


def _after_optional(item: str) -> str:
    """`item` without a leading "optional" ("" if it was only that)."""
    if item.casefold() in _OPTIONAL:
        return ""
    return item.removeprefix("可选")


def _not_in(values: Iterable[str], taken: tuple[str, ...]) -> Iterator[str]:
    folded = {value.casefold() for value in taken}
    return (value for value in values if value.casefold() not in folded)


def _attendee(item: str, message: Message) -> str | None:
    item = _after_optional(item) or item
    name = message.mention(item.rstrip("."))
    return name if name is not None else _email(item)


def is_email(text: str) -> bool:
    """Whether `text` is exactly one email address (as the schedule form's fields hold)."""
    return _EMAIL.fullmatch(text) is not None


def _email(item: str) -> str | None:
    bare = _BARE_MAILTO.fullmatch(item)
    address = (bare["address"] if bare else item).rstrip(".")  # a sentence's full stop
    return address if _EMAIL.fullmatch(address) else None


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for value in values:
        seen.setdefault(value.casefold(), value)
    return tuple(seen.values())
