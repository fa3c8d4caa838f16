"""Turn one chat message into a `Command` or a `ParseError`: pure, no I/O.

Grammar (first match wins; English keywords are whole words, case-insensitive; a Chinese
keyword may be glued to what follows when the message starts with Chinese text)::

    "" | help | ? | /help | 帮助 | ？  [words]             -> HelpCommand
    meet now [subject] [<attendees>] | 立即开会 | 现在开会 [主题] [<attendees>]
                                                          -> MeetNowCommand
    meet | 会议 | 开会  <subject> <when> [<duration>] [<attendees>] [<reminder>]
                                                          -> MeetCommand, or IncompleteMeet
                                                             when the subject or time is missing
    schedule | form | 安排会议                            -> ScheduleFormCommand
    online | 联机                                         -> OnlineCommand
    offline | 脱机  [subject words]                       -> OfflineCommand
    upcoming | agenda | 日程 | 即将召开                   -> UpcomingCommand
    join | 加入  <subject words>                          -> JoinCommand
    cancel meeting | 取消会议  <subject words> [<scope>]  -> CancelMeetingCommand
    move | reschedule | push | pull  <subject words> ...
      | 把 ... 改到 | 推迟 | 延后 | 提前 ...                 -> MoveCommand
    cancel | 取消                                         -> CancelCommand
    providers | 提供商                                    -> ProvidersCommand
    reminders | my reminders | 提醒列表 | 我的提醒        -> RemindersCommand
    remind me about [all] my meetings
      | remind me of all my meetings | 提醒我[的]所有会议 -> WatchCommand(on=True)
    stop reminders | stop reminding me
      | 停止提醒 | 别再提醒[我]                           -> WatchCommand(on=False)
    sign in | signin | log in | login | 登录 | 登入       -> SignInCommand
    sign out | signout | log out | logout
      | 退出登录 | 注销 | 登出                            -> SignOutCommand
    anything else                                         -> ParseError(UNKNOWN_COMMAND)

A `meet` message's lines after the first are its agenda, as is the text after `agenda:` or
`议程：` (`bot.commands.agenda`). A `meet` line's <reminder> ("remind 5m", "no reminder",
"提前5分钟提醒", "不提醒") is read by `bot.commands.reminder`. A message that starts with
`remind` and is none of the commands above ("remind", "remind me 5m") is UNKNOWN_COMMAND with
the whole text as detail.

A command that takes no words (the phrases above included) must stand alone, save for a
sentence's end mark ("cancel!", "upcoming?"): with more after it ("cancel Design review",
"schedule something") it is UNKNOWN_COMMAND with the whole text as detail, rather than a guess
at what was meant. `help` alone ignores what follows. `join` and `cancel meeting` without words
are MISSING_SUBJECT. Mentions (`<at>Name</at>`) in subjects and queries become the plain
name; in a `meet` line's attendee clause they are collected into `mentions`. The `meet` line
itself is read by `bot.commands.meet`. The `move` family and the scope of a change to a
recurring meeting ("this one", "the whole series", 仅这一次, 整个系列) are read by
`bot.commands.move`; a 把 line with no move verb in it, and a 推迟 / 提前 line that does not
end in a duration, are UNKNOWN_COMMAND.

`sign in` and `sign out` are read whatever the bot's Graph permissions are: in application
mode the handler answers that there is nothing to sign in to. `sign` and `log` followed by
anything but in / out stay the unknown words they were ("sign up": UNKNOWN_COMMAND "sign").
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.commands.agenda import split_lines
from bot.commands.attendees import split_attendees
from bot.commands.meet import MAX_TEXT_LENGTH, parse_meet
from bot.commands.model import (
    CancelCommand,
    CancelMeetingCommand,
    Command,
    HelpCommand,
    JoinCommand,
    MeetNowCommand,
    OfflineCommand,
    OnlineCommand,
    ParseError,
    ParseErrorKind,
    ProvidersCommand,
    RemindersCommand,
    ScheduleFormCommand,
    SignInCommand,
    SignOutCommand,
    UpcomingCommand,
    WatchCommand,
)
from bot.commands.move import parse_move, parse_move_zh, parse_shift, parse_shift_zh, split_scope
from bot.commands.resolve import require_aware
from bot.commands.text import Message, grouped_by_first, starts_cjk

_SENTENCE_END = ".!?。！？"


@dataclass(frozen=True, slots=True)
class _Context:
    message: Message
    now: datetime
    locale: str | None
    agenda: str | None = None  # a `meet` message's lines after the first


Handler = Callable[[str, _Context], Command | ParseError]  # (the words after the keyword, ...)


def parse(text: str, now: datetime, *, locale: str | None = None) -> Command | ParseError:
    """Parse `text` as typed by the sender whose current time is `now` (aware, their zone).

    `locale` ("en-US", "zh-CN") decides how numeric dates such as "3/12" read.
    """
    require_aware(now)
    if len(text) > MAX_TEXT_LENGTH:
        return ParseError(ParseErrorKind.TOO_LONG)
    message = Message.of(text)
    if not message.body:
        return HelpCommand()
    context = _Context(message, now, locale)
    routed = _route(message.body)
    first_line, agenda = split_lines(text)
    if agenda is not None:  # only a `meet` takes its further lines, as its agenda
        first_message = Message.of(first_line)
        first_routed = _route(first_message.body) if first_message.body else None
        if first_routed is not None and first_routed[0] is _meet:
            context = _Context(first_message, now, locale, agenda)
            routed = first_routed
    if routed is None:
        first = message.body.split(" ", 1)[0]
        return ParseError(ParseErrorKind.UNKNOWN_COMMAND, message.restore(first))
    handler, rest = routed
    return handler(rest, context)


def _route(body: str) -> tuple[Handler, str] | None:
    words = body.split(" ")
    folded = [word.casefold() for word in words]
    folded[-1] = folded[-1].rstrip(_SENTENCE_END) or folded[-1]  # "cancel!", "upcoming?"
    for keywords, handler in _ENGLISH_BY_FIRST_WORD.get(folded[0], ()):
        if tuple(folded[: len(keywords)]) == keywords:
            return handler, " ".join(words[len(keywords) :])
    if starts_cjk(body):
        for prefix, handler in _CHINESE_BY_FIRST_CHAR.get(body[0], ()):
            if body.startswith(prefix):
                return handler, body[len(prefix) :].strip()
    return None


# --- handlers ---------------------------------------------------------------------------------


def _help(rest: str, context: _Context) -> Command | ParseError:
    return HelpCommand()


def _meet(rest: str, context: _Context) -> Command | ParseError:
    command = parse_meet(rest, context.message, context.now, context.locale)
    if context.agenda is None or isinstance(command, ParseError):
        return command
    agenda = "\n".join(part for part in (command.agenda, context.agenda) if part)
    return dataclasses.replace(command, agenda=agenda)


def _meet_now(rest: str, context: _Context) -> Command | ParseError:
    # No time follows a `meet now`: its attendee clause, if any, ends the line.
    split = split_attendees(
        rest, context.message, ends_with_time=lambda _: False, is_when=lambda _: False
    )
    if isinstance(split, ParseError):
        return split
    head, attendees = split
    subject = context.message.restore(head).strip() or None
    return MeetNowCommand(subject, attendees.emails, attendees.mentions)


def _offline(rest: str, context: _Context) -> Command | ParseError:
    return OfflineCommand(context.message.restore(rest).strip())


def _join(rest: str, context: _Context) -> Command | ParseError:
    query = context.message.restore(rest).strip()
    return JoinCommand(query) if query else ParseError(ParseErrorKind.MISSING_SUBJECT)


def _cancel_meeting(rest: str, context: _Context) -> Command | ParseError:
    words, scope = split_scope(rest)
    query = context.message.restore(words).strip()
    if not query:
        return ParseError(ParseErrorKind.MISSING_SUBJECT)
    return CancelMeetingCommand(query, scope)


def _move(rest: str, context: _Context) -> Command | ParseError:
    return parse_move(rest, context.message, context.now, context.locale)


def _push(rest: str, context: _Context) -> Command | ParseError:
    return parse_shift(rest, context.message, later=True)


def _pull(rest: str, context: _Context) -> Command | ParseError:
    return parse_shift(rest, context.message, later=False)


def _move_zh(rest: str, context: _Context) -> Command | ParseError:
    moved = parse_move_zh(rest, context.message, context.now, context.locale)
    return _unknown(rest, context) if moved is None else moved


def _push_zh(rest: str, context: _Context) -> Command | ParseError:
    moved = parse_shift_zh(rest, context.message, later=True)
    return _unknown(rest, context) if moved is None else moved


def _pull_zh(rest: str, context: _Context) -> Command | ParseError:
    moved = parse_shift_zh(rest, context.message, later=False)
    return _unknown(rest, context) if moved is None else moved


def _unknown(rest: str, context: _Context) -> Command | ParseError:
    """A keyword that starts some commands, followed by none of them: the whole text."""
    typed = context.message.restore(context.message.body)
    return ParseError(ParseErrorKind.UNKNOWN_COMMAND, typed)


def _alone(command: Command) -> Handler:
    """A handler for a command that takes no words."""

    def handler(rest: str, context: _Context) -> Command | ParseError:
        if rest.strip(" " + _SENTENCE_END):
            typed = context.message.restore(context.message.body)
            return ParseError(ParseErrorKind.UNKNOWN_COMMAND, typed)
        return command

    return handler


_ENGLISH: tuple[tuple[tuple[str, ...], Handler], ...] = (
    (("meet", "now"), _meet_now),
    (("meet",), _meet),
    (("cancel", "meeting"), _cancel_meeting),
    (("cancel",), _alone(CancelCommand())),
    (("schedule",), _alone(ScheduleFormCommand())),
    (("form",), _alone(ScheduleFormCommand())),
    (("online",), _alone(OnlineCommand())),
    (("offline",), _offline),
    (("upcoming",), _alone(UpcomingCommand())),
    (("agenda",), _alone(UpcomingCommand())),
    (("join",), _join),
    (("move",), _move),
    (("reschedule",), _move),
    (("push",), _push),
    (("pull",), _pull),
    (("providers",), _alone(ProvidersCommand())),
    (("reminders",), _alone(RemindersCommand())),
    (("my", "reminders"), _alone(RemindersCommand())),
    (("remind", "me", "about", "all", "my", "meetings"), _alone(WatchCommand(on=True))),
    (("remind", "me", "about", "my", "meetings"), _alone(WatchCommand(on=True))),
    (("remind", "me", "of", "all", "my", "meetings"), _alone(WatchCommand(on=True))),
    (("remind",), _unknown),  # after the phrases: `remind me` with anything else
    (("stop", "reminders"), _alone(WatchCommand(on=False))),
    (("stop", "reminding", "me"), _alone(WatchCommand(on=False))),
    (("sign", "in"), _alone(SignInCommand())),
    (("signin",), _alone(SignInCommand())),
    (("log", "in"), _alone(SignInCommand())),
    (("login",), _alone(SignInCommand())),
    (("sign", "out"), _alone(SignOutCommand())),
    (("signout",), _alone(SignOutCommand())),
    (("log", "out"), _alone(SignOutCommand())),
    (("logout",), _alone(SignOutCommand())),
    (("help",), _help),
    (("?",), _help),
    (("/help",), _help),
)
# Longest first, so that 取消会议 is not read as 取消 + 会议.
_CHINESE: tuple[tuple[str, Handler], ...] = tuple(
    sorted(
        (
            ("立即开会", _meet_now),
            ("现在开会", _meet_now),
            ("会议", _meet),
            ("开会", _meet),
            ("安排会议", _alone(ScheduleFormCommand())),
            ("联机", _alone(OnlineCommand())),
            ("脱机", _offline),
            ("日程", _alone(UpcomingCommand())),
            ("即将召开", _alone(UpcomingCommand())),
            ("加入", _join),
            ("取消会议", _cancel_meeting),
            ("把", _move_zh),
            ("推迟", _push_zh),
            ("延后", _push_zh),
            ("提前", _pull_zh),
            ("取消", _alone(CancelCommand())),
            ("提供商", _alone(ProvidersCommand())),
            ("提醒列表", _alone(RemindersCommand())),
            ("我的提醒", _alone(RemindersCommand())),
            ("提醒我所有会议", _alone(WatchCommand(on=True))),
            ("提醒我的所有会议", _alone(WatchCommand(on=True))),
            ("停止提醒", _alone(WatchCommand(on=False))),
            ("别再提醒我", _alone(WatchCommand(on=False))),
            ("别再提醒", _alone(WatchCommand(on=False))),
            ("登录", _alone(SignInCommand())),
            ("登入", _alone(SignInCommand())),
            ("退出登录", _alone(SignOutCommand())),
            ("注销", _alone(SignOutCommand())),
            ("登出", _alone(SignOutCommand())),
            ("帮助", _help),
            ("？", _help),  # a full-width question mark, as a Chinese keyboard types it
        ),
        key=lambda route: -len(route[0]),
    )
)


# A message need only be tried against the routes that start as it does.
_ENGLISH_BY_FIRST_WORD = grouped_by_first(_ENGLISH, key=lambda route: route[0])
_CHINESE_BY_FIRST_CHAR = grouped_by_first(_CHINESE, key=lambda route: route[0])
