"""Escaping and URL checks for text that goes into card markdown."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cards.text import (
    SUBJECT_LIMIT,
    clean,
    display_list,
    display_text,
    escape_markdown,
    fact_title,
    link_target,
    truncate,
)

# What CommonMark (and the markdown-it renderer behind Teams' cards) treats as markup here.
_MARKUP = set("\\`*_[](){}#+-!<>~|&")


def unescape(text: str) -> str:
    """CommonMark's reading of backslash escapes: `\\x` is a literal x for ASCII punctuation."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text)


def unescaped_markup(text: str) -> list[str]:
    """Markup characters not preceded by an escaping backslash."""
    found: list[str] = []
    index = 0
    while index < len(text):
        if text[index] == "\\" and index + 1 < len(text):
            index += 2
            continue
        if text[index] in _MARKUP:
            found.append(text[index])
        index += 1
    return found


def test_link_syntax_is_escaped() -> None:
    shown = display_text("[click](https://evil)")

    assert shown == r"\[click\]\(https://evil\)"
    assert unescaped_markup(shown) == []
    assert unescape(shown) == "[click](https://evil)"


@pytest.mark.parametrize(
    "text",
    [
        "**bold** and _italic_ and `code`",
        "# heading",
        "- list item",
        "+ list item",
        "> quote",
        "![img](https://evil/x.png)",
        "<https://evil>",
        "{{DATE(2017-02-14T06:08:39Z, SHORT)}}",
        "back\\slash \\[ not a link ]",
        "~~strike~~ a|b &amp;",
    ],
)
def test_markup_is_escaped_and_reads_back_unchanged(text: str) -> None:
    shown = escape_markdown(text)

    assert unescaped_markup(shown) == []
    assert unescape(shown) == text


def test_ordered_list_marker_is_escaped_only_at_the_start() -> None:
    assert escape_markdown("1. Budget") == r"1\. Budget"
    assert escape_markdown("Q1. Budget v2.0") == "Q1. Budget v2.0"


def test_control_characters_are_removed() -> None:
    assert clean("Plan\x00ning\x1b[31m\u202egnp.exe") == "Planning[31mgnp.exe"
    assert clean("  line one\r\nline\ttwo \u2028 three  ") == "line one line two three"


def test_zero_width_characters_are_removed_but_joiners_keep_their_jobs() -> None:
    assert clean("pay\u200broll\u2060 \ufeffreview\u180e") == "payroll review"
    assert clean("ad\u200dmin\u200c panel\u200d") == "admin panel"  # hiding, not joining
    persian = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"  # "I want": a ZWNJ inside
    coder = "\U0001f469\u200d\U0001f4bb"  # one emoji: woman, ZWJ, laptop
    assert clean(f"{persian} {coder} sync") == f"{persian} {coder} sync"


def test_subject_cap() -> None:
    assert truncate("x" * SUBJECT_LIMIT, SUBJECT_LIMIT) == "x" * SUBJECT_LIMIT
    cut = truncate("x" * (SUBJECT_LIMIT + 1), SUBJECT_LIMIT)
    assert len(cut) == SUBJECT_LIMIT
    assert cut.endswith("\u2026")


def test_cap_applies_before_escaping() -> None:
    shown = display_text("*" * 300, limit=SUBJECT_LIMIT)

    assert shown == "\\*" * 254 + "\u2026"
    assert unescaped_markup(shown) == []


def test_display_list_skips_blank_items() -> None:
    assert display_list(["a_b", " \x00 ", "c"]) == r"a\_b, c"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://dialin.teams.microsoft.com/x?id=1", "https://dialin.teams.microsoft.com/x?id=1"),
        (" https://a.example/p?id=(redacted) ", "https://a.example/p?id=%28redacted%29"),
        ("https://a.example/a b<c>", "https://a.example/a%20b%3Cc%3E"),
        ("https://a.example/%7b%22x%22%7d", "https://a.example/%7b%22x%22%7d"),
        ("javascript:alert(1)", None),
        ("http://a.example/", None),
        ("/relative/path", None),
        ("(redacted)", None),
        ("https://a.example/\nx", None),
        ("", None),
        (None, None),
    ],
)
def test_link_target(url: str | None, expected: str | None) -> None:
    assert link_target(url) == expected


def test_link_target_can_allow_http() -> None:
    assert link_target("http://127.0.0.1:8443/join", schemes=("https", "http")) == (
        "http://127.0.0.1:8443/join"
    )


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("Toll", "Toll"),
        ("Conference ID", "Conference\u00a0ID"),
        ("时间", "时\u2060间"),
        ("已邀请", "已\u2060邀\u2060请"),
        ("会议 ID", "会议\u00a0ID".replace("会议", "会\u2060议")),
    ],
)
def test_fact_titles_cannot_break_inside(label: str, expected: str) -> None:
    assert fact_title(label) == expected


# -- fast paths: the same answers as the character-by-character rules -------------------------

# Whitespace, controls, bidi controls, a surrogate, digits and markup among ordinary text.
_TRICKY = "\u200c\u200d\u200b\u2060\u180e\u00e9"  # zero-width characters, a letter to join
_TRICKY += " \t\n\r\x0b\x0c\x1c\x85\xa0\u1680\u2007\u2028\u2029\u3000\x00\x1b\x7f\x9f\u200e"
_TRICKY += "\u202e\u2066\u2069\u200b\ufeff\ud800\U000e0001\u0663\uff11.1#*_[](){}\\`!<>~|&+-"
# Lists joined, not `st.text(alphabet)`: with that alphabet, text() here never drew a character
# past U+00FF (none of the bidi or zero-width ones), so the rules were never tested on them.
_TEXTS = st.lists(st.sampled_from(_TRICKY) | st.characters(), max_size=40).map("".join)


def _clean_by_character(text: str) -> str:
    kept = []
    for index, char in enumerate(text):
        before, after = text[index - 1 : index], text[index + 1 : index + 2]
        hidden = unicodedata.category(char) in ("Cc", "Cs") or char in _BIDI | _INVISIBLE
        lonely = not (_visible_non_ascii(before) and _visible_non_ascii(after))
        if char.isspace():
            kept.append(" ")
        elif not hidden and not (char in "\u200c\u200d" and lonely):
            kept.append(char)
    return " ".join("".join(kept).split())


def _visible_non_ascii(char: str) -> bool:
    return bool(char) and not char.isascii() and char.isprintable() and not char.isspace()


_BIDI = set("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_INVISIBLE = set("\u200b\u2060\ufeff\u180e\u2061\u2062\u2063\u2064")


@settings(max_examples=500)
@given(_TEXTS)
def test_clean_is_the_character_by_character_rule(text: str) -> None:
    assert clean(text) == _clean_by_character(text)


@settings(max_examples=500)
@given(_TEXTS)
def test_escape_is_the_character_by_character_rule(text: str) -> None:
    escaped = "".join(f"\\{char}" if char in _MARKUP else char for char in text)

    assert escape_markdown(text) == re.sub(r"^(\d+)\.", r"\1\\.", escaped)


@settings(max_examples=300)
@given(st.text(st.sampled_from(_TRICKY) | st.sampled_from("ab:/"), max_size=12))
def test_link_target_refuses_every_control_character(tail: str) -> None:
    url = f"https://example.com/{tail}"
    has_control = re.search("[\x00-\x1f\x7f-\x9f]", url.strip()) is not None

    if has_control:
        assert link_target(url) is None
    elif "\ud800" not in url:  # (a lone surrogate cannot be percent-encoded)
        assert link_target(url) is not None
