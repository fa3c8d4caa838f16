"""The values the chat command parser produces.

Plain immutable data: `bot.commands.parse` builds them, dialogs consume them. A `ParseError`
carries a machine-readable kind and the offending fragment only; the sentence shown to the user
is looked up in the message catalog by `ParseErrorKind`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum, auto
from typing import TypeAlias

from cards.text import clean


@dataclass(frozen=True, slots=True)
class ReminderRequest:
    """What the sender said about the reminder: `before` None means `no reminder`."""

    before: timedelta | None


class RepeatType(StrEnum):
    """Graph's `recurrencePattern.type` for the repeats Meetbot books."""

    DAILY = "daily"
    WEEKLY = "weekly"
    ABSOLUTE_MONTHLY = "absoluteMonthly"  # "monthly on the 15th": `day_of_month`
    RELATIVE_MONTHLY = "relativeMonthly"  # "the first Monday of every month": `index` + a day


class WeekIndex(StrEnum):
    """Graph's `weekIndex`: which of the month's weekdays a relative-monthly pattern names."""

    FIRST = "first"
    SECOND = "second"
    THIRD = "third"
    FOURTH = "fourth"
    LAST = "last"


@dataclass(frozen=True, slots=True)
class Repeat:
    """How a meeting repeats, as said: Graph's pattern and range without the first date or the
    zone, which come from the meeting (`bot.graph.recurrence` writes the JSON).

    `days_of_week` holds Graph's lower-case day names ("monday"), in week order; "every
    weekday" is weekly on monday..friday, as Outlook books it. `until` (the
    range's `endDate`, inclusive) and `count` (`numberOfOccurrences`) are exclusive of each
    other; neither is a series with no end.
    """

    type: RepeatType
    interval: int = 1
    days_of_week: tuple[str, ...] = ()
    day_of_month: int | None = None
    index: WeekIndex | None = None
    until: date | None = None
    count: int | None = None


class SeriesScope(StrEnum):
    """Which part of a recurring meeting a change means: "this one" or "the whole series"."""

    OCCURRENCE = "occurrence"
    SERIES = "series"


@dataclass(frozen=True, slots=True)
class MeetCommand:
    """Schedule a meeting: `meet <subject> <when> [for <duration>] [with <attendees>] [remind]`."""

    subject: str
    start: datetime  # aware, same tzinfo as the `now` handed to the parser
    end: datetime
    attendees: tuple[str, ...]  # email addresses, de-duplicated case-insensitively, order kept
    mentions: tuple[str, ...] = ()  # `<at>Name</at>` display texts in the with-clause, in order
    reminder: ReminderRequest | None = None  # None: nothing said, the bot's default applies
    # "optional @Megan" / "optional megan@contoso.com": attendees of type optional, same rules
    optional: tuple[str, ...] = ()
    optional_mentions: tuple[str, ...] = ()
    repeat: Repeat | None = None  # None: a single meeting
    places: tuple[str, ...] = ()  # "at Harry's Bar", "at A; B; C": display names, in order
    room: str | None = None  # "in room baker@contoso.com" or "in Conf Room 3": address or name
    agenda: str | None = None  # "agenda: ..." or the lines after the first, as typed

    def __post_init__(self) -> None:
        # The subject goes to Graph, and in the invitations to every attendee. The parser's
        # text is clean already; a subject from the schedule form or a dialog's answer is
        # cleaned here, the same way (no control, bidi or zero-width characters).
        object.__setattr__(self, "subject", clean(self.subject))


@dataclass(frozen=True, slots=True)
class IncompleteMeet:
    """A `meet` line that lacks its subject or its time: the dialog asks for what is missing.

    Everything the line did say is kept so the user never has to type it twice.
    """

    subject: str | None
    start: datetime | None
    end: datetime | None
    duration: timedelta | None  # from "for 45m" when no time was given yet
    attendees: tuple[str, ...] = ()
    mentions: tuple[str, ...] = ()
    day: date | None = None  # a day named without a time ("meet Sync tomorrow"); start is None
    reminder: ReminderRequest | None = None  # None: nothing said, the bot's default applies
    optional: tuple[str, ...] = ()
    optional_mentions: tuple[str, ...] = ()
    repeat: Repeat | None = None
    places: tuple[str, ...] = ()
    room: str | None = None
    agenda: str | None = None


@dataclass(frozen=True, slots=True)
class MeetNowCommand:
    """Start a meeting right away: `meet now [subject] [with <attendees>]`."""

    subject: str | None
    attendees: tuple[str, ...] = ()  # email addresses, as a `meet` line's
    mentions: tuple[str, ...] = ()  # `<at>Name</at>` display texts: participants by their id


@dataclass(frozen=True, slots=True)
class HelpCommand:
    """Show the help text: `help`, `?`, `/help` or an empty message."""


@dataclass(frozen=True, slots=True)
class ScheduleFormCommand:
    """Show the schedule form card: `schedule` (or `form`)."""


@dataclass(frozen=True, slots=True)
class OnlineCommand:
    """List the sender's upcoming events that are not online yet: `online`."""


@dataclass(frozen=True, slots=True)
class OfflineCommand:
    """Ask to take a meeting offline (`offline [subject]`): answered with why Graph can't."""

    query: str


@dataclass(frozen=True, slots=True)
class UpcomingCommand:
    """The next meetings, today and the next 7 days: `upcoming` or `agenda`."""


@dataclass(frozen=True, slots=True)
class JoinCommand:
    """The join card of the upcoming meeting whose subject matches: `join <subject words>`."""

    query: str


@dataclass(frozen=True, slots=True)
class CancelMeetingCommand:
    """Cancel an event the sender organizes, after a confirm: `cancel meeting <subject words>`."""

    query: str
    scope: SeriesScope | None = None  # of a recurring meeting; None: not said (asked back)


@dataclass(frozen=True, slots=True)
class MoveCommand:
    """Reschedule a meeting the sender organizes: `move <subject words> to <when>` (`start`),
    or `push <subject words> <duration>` (`shift`, later; negative is earlier). Exactly one
    of `start`, `at`, `day` and `shift` is set; the length of the meeting is kept."""

    query: str
    start: datetime | None = None
    shift: timedelta | None = None
    scope: SeriesScope | None = None  # of a recurring meeting; None: not said (asked back)
    # "move standup to 4pm": a time without a day is on the meeting's own day, and "to
    # Thursday" keeps the meeting's time of day; only the meeting knows which, so these stay
    # unresolved here.
    at: time | None = None
    day: date | None = None


@dataclass(frozen=True, slots=True)
class ProvidersCommand:
    """The calendar's allowed and default online-meeting providers: `providers`."""


@dataclass(frozen=True, slots=True)
class CancelCommand:
    """Leave whatever dialog is running: `cancel` (alone)."""


@dataclass(frozen=True, slots=True)
class RemindersCommand:
    """List the sender's pending reminders: `reminders` or `my reminders` (alone)."""


@dataclass(frozen=True, slots=True)
class WatchCommand:
    """Remind the sender of every meeting in their calendar (`on`), or stop doing so.

    `remind me about all my meetings` turns it on, `stop reminders` off.
    """

    on: bool


@dataclass(frozen=True, slots=True)
class SignInCommand:
    """Sign in to Meetbot with one's own account (delegated mode): `sign in`, `login`, `登录`."""


@dataclass(frozen=True, slots=True)
class SignOutCommand:
    """Forget the sender's token (delegated mode): `sign out`, `logout`, `退出登录`."""


class ParseErrorKind(StrEnum):
    """Why a message could not be turned into a command."""

    UNKNOWN_COMMAND = auto()
    MISSING_SUBJECT = auto()
    MISSING_TIME = auto()
    BAD_TIME = auto()
    BAD_DURATION = auto()
    BAD_ATTENDEE = auto()
    TIME_IN_PAST = auto()
    AMBIGUOUS_TIME = auto()
    AMBIGUOUS_DAY = auto()
    TOO_LONG = auto()
    BAD_REMINDER = auto()
    BAD_REPEAT = auto()  # "every 0 weeks", "monthly on the 32nd", an end before the start
    BAD_PLACE = auto()  # "at" with nothing after it, a room address that is not one


class Usage(StrEnum):
    """Which command's way of writing a parse error's sentence shows the user."""

    MEET = auto()  # meet, and anything else whose sentences show a meet
    MOVE = auto()  # move / reschedule / 把 … 改到: "move Design review to Thursday 4pm"
    SHIFT = auto()  # push / pull / 推迟 / 提前: "push Standup 30m"


@dataclass(frozen=True, slots=True)
class ParseError:
    """A message the parser understood the shape of but could not accept."""

    kind: ParseErrorKind
    detail: str = ""  # the offending fragment as typed ("adele@", "25pm"), never a sentence
    # How to explain it, not what went wrong: two errors of one kind and detail are the same
    # error whichever command's example the sentence then offers.
    usage: Usage = field(default=Usage.MEET, compare=False)


Command: TypeAlias = (
    MeetCommand
    | IncompleteMeet
    | MeetNowCommand
    | HelpCommand
    | ScheduleFormCommand
    | OnlineCommand
    | OfflineCommand
    | UpcomingCommand
    | JoinCommand
    | CancelMeetingCommand
    | MoveCommand
    | ProvidersCommand
    | CancelCommand
    | RemindersCommand
    | WatchCommand
    | SignInCommand
    | SignOutCommand
)

# The commands that act on the sender's calendar: in delegated mode they need the sender's
# own token, so they wait for a sign-in.
CALENDAR_COMMANDS = (
    MeetCommand,
    IncompleteMeet,
    MeetNowCommand,
    UpcomingCommand,
    OnlineCommand,
    JoinCommand,
    CancelMeetingCommand,
    MoveCommand,
    ProvidersCommand,
    WatchCommand,
)
