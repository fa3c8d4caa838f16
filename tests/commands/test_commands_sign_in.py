"""`sign in` and `sign out` (issue 25): their phrasings, and nothing else changes meaning.

The words stand alone, like `reminders`; with anything after them the message is an unknown
command. The property tests hold the parser against itself without the sign-in routes: any
message whose meaning differs between the two was an unknown command before.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.commands import (
    Command,
    MeetCommand,
    ParseError,
    ParseErrorKind,
    SignInCommand,
    SignOutCommand,
    parse,
)
from bot.commands.parse import Handler
from bot.commands.text import Message
from bot.i18n import catalog_for
from tests.commands.phrasings import PHRASINGS, Phrasing

_parse_module = importlib.import_module("bot.commands.parse")
NOW = datetime(2026, 11, 18, 9, 0, tzinfo=ZoneInfo("America/Los_Angeles"))  # a Wednesday
FIXED = settings(derandomize=True, deadline=None, max_examples=500)

SIGN_IN = ("sign in", "signin", "log in", "login")
SIGN_OUT = ("sign out", "signout", "log out", "logout")
SIGN_IN_ZH = ("登录", "登入")
SIGN_OUT_ZH = ("退出登录", "注销", "登出")


def _signs_in_or_out(route: tuple[object, Handler]) -> bool:
    """Whether a route's handler makes a SignIn or SignOut command (asked with no words)."""
    context = _parse_module._Context(Message.of(""), NOW, None)
    return isinstance(route[1]("", context), SignInCommand | SignOutCommand)


@contextmanager
def _without_sign_in() -> Iterator[None]:
    """The parser as it was before issue 25: the route tables without the sign-in routes."""
    english = {
        first: [route for route in routes if not _signs_in_or_out(route)]
        for first, routes in _parse_module._ENGLISH_BY_FIRST_WORD.items()
    }
    chinese = {
        first: [route for route in routes if not _signs_in_or_out(route)]
        for first, routes in _parse_module._CHINESE_BY_FIRST_CHAR.items()
    }
    with (
        mock.patch.object(_parse_module, "_ENGLISH_BY_FIRST_WORD", english),
        mock.patch.object(_parse_module, "_CHINESE_BY_FIRST_CHAR", chinese),
    ):
        yield


def _before(text: str, now: datetime = NOW, locale: str | None = None) -> Command | ParseError:
    with _without_sign_in():
        return parse(text, now, locale=locale)


# --- the phrasings ----------------------------------------------------------------------------


def _variants(phrase: str) -> list[str]:
    return [
        phrase,
        phrase.upper(),
        phrase.title(),
        f"  {phrase}\t ",
        f"{phrase}!",
        f"{phrase}.",
        f"{phrase}?",
        phrase.replace(" ", "   "),
    ]


@pytest.mark.parametrize("text", [text for phrase in SIGN_IN for text in _variants(phrase)])
def test_english_sign_in(text: str) -> None:
    assert parse(text, NOW) == SignInCommand()


@pytest.mark.parametrize("text", [text for phrase in SIGN_OUT for text in _variants(phrase)])
def test_english_sign_out(text: str) -> None:
    assert parse(text, NOW) == SignOutCommand()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        *((phrase, SignInCommand()) for phrase in SIGN_IN_ZH),
        *((phrase, SignOutCommand()) for phrase in SIGN_OUT_ZH),
        ("登录。", SignInCommand()),
        (" 登入！ ", SignInCommand()),
        ("退出登录？", SignOutCommand()),
        ("注销 ", SignOutCommand()),
    ],
)
@pytest.mark.parametrize("locale", ["zh-CN", "en-US", None])
def test_chinese_sign_in_and_out(text: str, expected: Command, locale: str | None) -> None:
    assert parse(text, NOW, locale=locale) == expected


def test_a_mention_after_the_phrase_is_more_words() -> None:
    # The handler strips the bot's own <at> first; any other mention is words after it.
    assert parse("sign in <at>Adele Vance</at>", NOW) == ParseError(
        ParseErrorKind.UNKNOWN_COMMAND, "sign in Adele Vance"
    )


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        # the phrases stand alone: more after them would be a guess
        ("sign in please", "sign in please"),
        ("Sign in as adele@contoso.com", "Sign in as adele@contoso.com"),
        ("login now", "login now"),
        ("log out of Meetbot", "log out of Meetbot"),
        ("signout everywhere", "signout everywhere"),
        ("sign in\nplease", "sign in please"),
        ("登录一下", "登录一下"),
        ("退出登录吧", "退出登录吧"),
        ("注销帐户", "注销帐户"),
        # `sign` and `log` with anything else are the unknown words they always were
        ("sign", "sign"),
        ("sign up", "sign"),
        ("Sign-in", "Sign-in"),
        ("log", "log"),
        ("logs", "logs"),
        ("log into Meetbot", "log"),
        ("logins", "logins"),
        ("please sign in", "please"),
        ("退出", "退出"),
        ("登", "登"),
    ],
)
def test_sign_in_words_with_more_are_unknown(text: str, detail: str) -> None:
    assert parse(text, NOW) == ParseError(ParseErrorKind.UNKNOWN_COMMAND, detail)


@pytest.mark.parametrize(
    ("text", "subject"),
    [
        ("meet Sign in desk training tomorrow 3pm", "Sign in desk training"),
        ("meet Login page review tomorrow 3pm", "Login page review"),
        ("meet Log out flow tomorrow 3pm", "Log out flow"),
        ("meet sign out tomorrow 3pm", "sign out"),
        ("meet signin tomorrow 3pm", "signin"),
        ("会议 登录页面评审 明天下午3点", "登录页面评审"),
        ("会议注销流程明天下午3点", "注销流程"),
        ("开会登录页面评审明天下午3点", "登录页面评审"),
        ("会议登出流程明天下午3点", "登出流程"),
    ],
)
def test_a_meeting_about_signing_in_is_still_a_meeting(text: str, subject: str) -> None:
    result = parse(text, NOW)
    assert isinstance(result, MeetCommand), result
    assert result.subject == subject
    assert result == _before(text)


# --- nothing that meant something changes meaning --------------------------------------------


@pytest.mark.parametrize("phrasing", PHRASINGS, ids=[f"{p.zone}:{p.text}" for p in PHRASINGS])
def test_every_meet_phrasing_parses_as_before(phrasing: Phrasing) -> None:
    text, now, locale = phrasing.text, phrasing.now, phrasing.locale
    assert parse(text, now, locale=locale) == _before(text, now, locale)


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_every_help_example_parses_as_before(locale: str) -> None:
    for command, _ in catalog_for(locale).help_examples:
        assert parse(command, NOW, locale=locale) == _before(command, NOW, locale), command


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_the_sign_in_help_examples_are_the_commands(locale: str) -> None:
    signed_in, signed_out = catalog_for(locale).help_sign_in_examples
    assert parse(signed_in[0], NOW, locale=locale) == SignInCommand()
    assert parse(signed_out[0], NOW, locale=locale) == SignOutCommand()


def test_the_old_parser_did_not_know_the_phrases() -> None:
    # The reference the property tests compare with is really the parser without them.
    for phrase in (*SIGN_IN, *SIGN_OUT, *SIGN_IN_ZH, *SIGN_OUT_ZH):
        before = _before(phrase)
        assert isinstance(before, ParseError), phrase
        assert before.kind is ParseErrorKind.UNKNOWN_COMMAND
    assert isinstance(parse("sign in", NOW), SignInCommand)  # and the patch is undone


_WORDS = [
    *("sign", "Sign", "SIGN", "in", "In", "out", "log", "Log", "login", "logout", "signin"),
    *("signout", "meet", "now", "Desk", "training", "tomorrow", "3pm", "for", "45m", "with"),
    *("adele@contoso.com", "cancel", "meeting", "join", "move", "to", "push", "30m", "help"),
    *("reminders", "my", "stop", "remind", "me", "agenda:", "!", "?", ".", "\n", "<at>Adele</at>"),
    *("会议", "开会", "登录", "登入", "退出", "登出", "注销", "退出登录", "明天下午3点", "取消"),
    *("页面", "。", "？"),
]
# Most messages hold a sign-in phrase, alone or right after a command's keyword.
_FIRST = ["meet", "MEET", "meet now", "cancel", "join", "会议", "开会", "取消", "help", "my"]
_PHRASES = [*SIGN_IN, *SIGN_OUT, *SIGN_IN_ZH, *SIGN_OUT_ZH, "Sign In", "LOGOUT"]
messages = st.builds(
    lambda head, phrase, rest: [*head, phrase, *rest],
    st.lists(st.sampled_from(_FIRST), max_size=1),
    st.sampled_from(_PHRASES),
    st.lists(st.sampled_from(_WORDS), max_size=6),
) | st.lists(st.sampled_from(_WORDS), min_size=1, max_size=8)


@settings(FIXED)
@given(
    words=messages,
    separator=st.sampled_from([" ", "", "  "]),
    locale=st.sampled_from([None, "en-US", "zh-CN"]),
)
def test_a_message_that_changed_meaning_was_an_unknown_command(
    words: list[str], separator: str, locale: str | None
) -> None:
    text = separator.join(words)
    now, before = parse(text, NOW, locale=locale), _before(text, NOW, locale)
    if now == before:
        return
    assert isinstance(before, ParseError) and before.kind is ParseErrorKind.UNKNOWN_COMMAND
    if isinstance(now, ParseError):
        assert now.kind is ParseErrorKind.UNKNOWN_COMMAND
        return
    assert isinstance(now, SignInCommand | SignOutCommand), (text, now)


@settings(FIXED)
@given(
    words=messages,
    separator=st.sampled_from([" ", ""]),
)
def test_only_a_phrase_alone_signs_in_or_out(words: list[str], separator: str) -> None:
    text = separator.join(words)
    result = parse(text, NOW)
    if not isinstance(result, SignInCommand | SignOutCommand):
        return
    said = " ".join(text.split()).rstrip(".!?。！？ ").casefold()
    signs_in = isinstance(result, SignInCommand)
    phrases = SIGN_IN + SIGN_IN_ZH if signs_in else SIGN_OUT + SIGN_OUT_ZH
    assert said in phrases, text


def test_the_sign_in_routes_are_the_phrases_and_no_more() -> None:
    english = [
        keys for keys, handler in _parse_module._ENGLISH if _signs_in_or_out((keys, handler))
    ]
    chinese = [key for key, handler in _parse_module._CHINESE if _signs_in_or_out((key, handler))]
    assert sorted(" ".join(keys) for keys in english) == sorted(SIGN_IN + SIGN_OUT)
    assert sorted(chinese) == sorted(SIGN_IN_ZH + SIGN_OUT_ZH)
