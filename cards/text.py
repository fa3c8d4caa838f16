"""Make untrusted text and URLs safe to put into Adaptive Card markdown.

Teams renders TextBlock and Fact text as a markdown subset, so a subject such as
"[click](https://evil)" would become a link. Everything that comes from users or from Graph data
goes through `display_text` (clean, cap, escape) before it reaches a card; URLs that end up inside
markdown links go through `link_target`. Catalog text is authored markdown and is not escaped.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from urllib.parse import quote, urlsplit

SUBJECT_LIMIT = 255
ELLIPSIS = "\u2026"

# Everything that can open or close markup in the Teams markdown subset (and the CommonMark
# renderers behind it), plus `{` `}` so "{{DATE(...)}}" is not expanded by the card host.
_MARKDOWN_SPECIAL = frozenset("\\`*_[](){}#+-!<>~|&")
_MARKDOWN_ESCAPES = str.maketrans({char: f"\\{char}" for char in _MARKDOWN_SPECIAL})
# "1. item" starts an ordered list; the dot matters only there.
_ORDERED_LIST_START = re.compile(r"^(\d+)\.")
# Bidi embeddings, overrides and isolates: invisible, and they can reorder what the reader sees.
_BIDI_CONTROLS = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Zero-width characters that show nothing and join nothing, so they only hide things
# ("pay\u200broll" reads as "payroll" and matches neither): zero-width space, word joiner,
# byte order mark, Mongolian vowel separator, invisible operators.
_ZERO_WIDTH = frozenset("\u200b\u2060\ufeff\u180e\u2061\u2062\u2063\u2064")
# Zero-width non-joiner and joiner do a job between two letters of a script that joins
# (Persian "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645") and inside emoji sequences
# ("\U0001f469\u200d\U0001f4bb"), always between two non-ASCII characters; anywhere else they
# only hide things, like the others.
_JOINERS = frozenset("\u200c\u200d")
# Characters left as they are in a markdown link destination; `(` `)` `<` `>` `[` `]`, spaces and
# the like are percent-encoded so the destination cannot end early.
_URL_SAFE = "-._~:/?#@!$&'*+,;=%"
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")  # Unicode category Cc, all of it


def clean(text: str) -> str:
    """One line of visible text: line breaks and tabs become spaces, other control characters,
    bidi controls and zero-width characters are dropped (a zero-width joiner or non-joiner is
    kept between two non-ASCII characters), runs of whitespace collapse to one space.

    Cards show untrusted text through it, and subjects go through it before they reach Graph
    (and so the invitations Graph sends): `bot.commands`."""
    if text.isprintable():
        # Nothing to drop or replace: printable text holds no control, surrogate, bidi control
        # or zero-width characters (categories C*), and no whitespace but " " (categories Z*).
        return " ".join(text.split())
    kept: list[str] = []
    for index, char in enumerate(text):
        if char.isspace():
            kept.append(" ")
        elif not _hidden(text, index):
            kept.append(char)
    return " ".join("".join(kept).split())


def _hidden(text: str, index: int) -> bool:
    """Whether `clean` drops `text[index]`: a control or surrogate, a bidi control, a
    zero-width character, or a (non-)joiner with nothing to join."""
    char = text[index]
    if unicodedata.category(char) in ("Cc", "Cs") or char in _BIDI_CONTROLS or char in _ZERO_WIDTH:
        return True
    if char in _JOINERS:
        inside = 0 < index < len(text) - 1
        return not (inside and _joinable(text[index - 1]) and _joinable(text[index + 1]))
    return False


def _joinable(char: str) -> bool:
    """A neighbour a zero-width (non-)joiner may do its job beside: visible and not ASCII."""
    return not char.isascii() and char.isprintable() and not char.isspace()


def truncate(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, ending in an ellipsis when cut."""
    if limit < 1:
        raise ValueError("limit must be positive")
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + ELLIPSIS


def escape_markdown(text: str) -> str:
    """Backslash-escape every character that could start markdown formatting or a link."""
    escaped = text.translate(_MARKDOWN_ESCAPES)
    if escaped[:1].isdecimal():  # what `\d` matches
        return _ORDERED_LIST_START.sub(r"\1\\.", escaped)
    return escaped


def display_text(text: str, *, limit: int | None = None) -> str:
    """Untrusted text ready for a TextBlock or Fact: cleaned, capped at `limit` visible
    characters (before escaping, so an escape is never cut in half), then escaped."""
    cleaned = clean(text)
    if limit is not None:
        cleaned = truncate(cleaned, limit)
    return escape_markdown(cleaned)


def display_list(items: Iterable[str], separator: str = ", ") -> str:
    """Untrusted strings shown on one line; empty ones are left out."""
    return separator.join(shown for item in items if (shown := display_text(item)))


def link_target(url: str | None, *, schemes: tuple[str, ...] = ("https",)) -> str | None:
    """`url` made safe as a markdown link destination or Action.OpenUrl target, or None when it
    is missing, not absolute, or not one of `schemes` (no `javascript:`, no relative paths)."""
    if url is None:
        return None
    candidate = url.strip()
    if not candidate or (not candidate.isprintable() and _CONTROL.search(candidate)):
        return None  # (printable text holds no control characters: no need to search it)
    try:
        parts = urlsplit(candidate)
    except ValueError:
        return None
    if parts.scheme.lower() not in schemes or not parts.hostname:
        return None
    return quote(candidate, safe=_URL_SAFE)


def markdown_link(label: str, target: str) -> str:
    """A markdown link; `label` must already be escaped and `target` come from `link_target`
    (or be a `tel:` URI built from digits)."""
    return f"[{label}]({target})"


_CJK = re.compile(r"(?<=[\u3000-\u9fff\uff00-\uffef])(?=[\u3000-\u9fff\uff00-\uffef])")
_WORD_JOINER = "\u2060"


def fact_title(label: str) -> str:
    """A FactSet title that stays on one line: renderers lay facts out as a table, and a long
    value squeezes the title column until "Meeting ID" breaks at its space, or a Chinese title
    between any two characters. No-break spaces and word joiners forbid those breaks."""
    return _CJK.sub(_WORD_JOINER, label.replace(" ", "\u00a0"))
