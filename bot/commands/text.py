"""Message text as the parser sees it: whitespace collapsed, each Teams mention one character.

A mention `<at>Adele Vance</at>` holds spaces, so before anything splits on whitespace each one
becomes a single private-use character that stands for its display name. `Message.restore`
turns placeholders back into names wherever text is kept (subjects, queries), and
`Message.mention` tells an attendee item that is a mention.

The text and every name are cleaned first, as cards clean what they show (`cards.text.clean`):
control characters, bidi overrides and zero-width characters never reach a subject, so never
Graph or the invitations it sends.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from cards.text import clean

_T = TypeVar("_T")

_MENTION = re.compile(r"<at>(?P<name>[^<>]*)</at>", re.IGNORECASE)
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")
_FIRST_PLACEHOLDER = 0xE000
# CJK ideographs, CJK punctuation and full-width forms: text that is written without spaces.
# CJK_CHARS is the inside of a character class, for patterns that need it.
CJK_CHARS = "\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_CJK = re.compile(f"[{CJK_CHARS}]")


@dataclass(frozen=True, slots=True)
class Message:
    """`body`: the text with single spaces and mentions as placeholders; `names`: who they are."""

    body: str
    names: tuple[str, ...]

    @classmethod
    def of(cls, text: str) -> Message:
        names: list[str] = []

        def placeholder(match: re.Match[str]) -> str:
            names.append(clean(html.unescape(match["name"])))
            return chr(_FIRST_PLACEHOLDER + len(names) - 1)

        # Placeholders are private-use characters; any the sender typed are dropped first.
        body = _MENTION.sub(placeholder, _PRIVATE_USE.sub("", clean(text)))
        return cls(" ".join(body.split()), tuple(names))

    def restore(self, text: str) -> str:
        """`text` (a part of `body`) with each placeholder back as its display name."""
        return _PRIVATE_USE.sub(lambda match: self._name(match[0]), text)

    def mention(self, item: str) -> str | None:
        """The display name if `item` is exactly one mention, else None."""
        return self._name(item) if _PRIVATE_USE.fullmatch(item) else None

    def _name(self, placeholder: str) -> str:
        return self.names[ord(placeholder) - _FIRST_PLACEHOLDER]


def is_cjk(char: str) -> bool:
    """Whether `char` belongs to text written without spaces between words."""
    return _CJK.match(char) is not None


def starts_cjk(text: str) -> bool:
    return bool(text) and is_cjk(text[0])


def grouped_by_first(
    items: Iterable[_T], key: Callable[[_T], Sequence[str]]
) -> dict[str, list[_T]]:
    """`items` grouped by the first word (or character) of their `key`, each group in the
    order of `items`: a line need only be tried against the phrases that start as it does."""
    groups: dict[str, list[_T]] = {}
    for item in items:
        groups.setdefault(key(item)[0], []).append(item)
    return groups
