"""Table-driven tests for the chat command parser, bot.commands.parse."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.commands import (
    MAX_TEXT_LENGTH,
    HelpCommand,
    MeetCommand,
    MeetNowCommand,
    ParseError,
    ParseErrorKind,
    is_email,
    parse,
)

LA = "America/Los_Angeles"
BERLIN = "Europe/Berlin"
SHANGHAI = "Asia/Shanghai"

LA_SATURDAY = (LA, "2026-11-21T09:00")  # the acceptance example's clock
BERLIN_MONDAY = (BERLIN, "2026-06-15T10:00")
SHANGHAI_NEW_YEARS_EVE = (SHANGHAI, "2026-12-31T20:00")  # a Thursday
LA_BEFORE_SPRING_FORWARD = (LA, "2026-03-07T12:00")  # 2026-03-08 02:00 -> 03:00
LA_BEFORE_FALL_BACK = (LA, "2026-10-31T12:00")  # 2026-11-01 02:00 -> 01:00
BERLIN_BEFORE_SPRING_FORWARD = (BERLIN, "2026-03-28T12:00")  # 2026-03-29 02:00 -> 03:00
BERLIN_BEFORE_US_SPRING_FORWARD = (BERLIN, "2026-03-07T12:00")
SHANGHAI_BEFORE_US_SPRING_FORWARD = (SHANGHAI, "2026-03-07T12:00")
SHANGHAI_BEFORE_US_FALL_BACK = (SHANGHAI, "2026-10-31T12:00")


def at(clock: tuple[str, str], fold: int = 0) -> datetime:
    """The sender's `now`: a wall-clock time in an IANA zone."""
    zone, wall = clock
    return datetime.fromisoformat(wall).replace(tzinfo=ZoneInfo(zone), fold=fold)


def meet(text: str, clock: tuple[str, str] = LA_SATURDAY) -> MeetCommand:
    result = parse(text, at(clock))
    assert isinstance(result, MeetCommand), result
    return result


def test_acceptance_example() -> None:
    now = datetime(2026, 11, 21, 9, 0, tzinfo=ZoneInfo(LA))
    assert now.isoformat() == "2026-11-21T09:00:00-08:00"
    result = parse("meet Design review tomorrow 3pm for 45m with adele@contoso.com", now)
    assert result == MeetCommand(
        subject="Design review",
        start=datetime(2026, 11, 22, 15, 0, tzinfo=ZoneInfo(LA)),
        end=datetime(2026, 11, 22, 15, 45, tzinfo=ZoneInfo(LA)),
        attendees=("adele@contoso.com",),
    )


# Expected times are ISO strings with offsets: aware datetimes sharing a tzinfo compare by wall
# clock alone, which would not tell 01:30 PDT from 01:30 PST.
TIMES: dict[tuple[str, str], list[tuple[str, str, str]]] = {
    # Los Angeles, Saturday 2026-11-21 09:00
    LA_SATURDAY: [
        ("meet Sync today 3pm", "2026-11-21T15:00-08:00", "2026-11-21T15:30-08:00"),
        ("meet Sync 3pm", "2026-11-21T15:00-08:00", "2026-11-21T15:30-08:00"),
        ("meet Sync 9am", "2026-11-21T09:00-08:00", "2026-11-21T09:30-08:00"),
        ("meet Sync 12pm", "2026-11-21T12:00-08:00", "2026-11-21T12:30-08:00"),
        ("meet Sync tomorrow 3pm", "2026-11-22T15:00-08:00", "2026-11-22T15:30-08:00"),
        ("meet Sync 3pm tomorrow", "2026-11-22T15:00-08:00", "2026-11-22T15:30-08:00"),
        ("meet Sync 3 pm tmrw", "2026-11-22T15:00-08:00", "2026-11-22T15:30-08:00"),
        ("meet Sync tomorrow 3 p.m.", "2026-11-22T15:00-08:00", "2026-11-22T15:30-08:00"),
        ("meet Sync tomorrow at 3:30pm", "2026-11-22T15:30-08:00", "2026-11-22T16:00-08:00"),
        ("meet Sync at 3.30pm tomorrow", "2026-11-22T15:30-08:00", "2026-11-22T16:00-08:00"),
        ("meet Sync TOMORROW 15:00", "2026-11-22T15:00-08:00", "2026-11-22T15:30-08:00"),
        ("meet Sync tomorrow 9AM", "2026-11-22T09:00-08:00", "2026-11-22T09:30-08:00"),
        ("meet Sync tomorrow noon", "2026-11-22T12:00-08:00", "2026-11-22T12:30-08:00"),
        ("meet Sync tomorrow midnight", "2026-11-22T00:00-08:00", "2026-11-22T00:30-08:00"),
        ("meet Sync mon 10am", "2026-11-23T10:00-08:00", "2026-11-23T10:30-08:00"),
        ("meet Sync Monday 10am", "2026-11-23T10:00-08:00", "2026-11-23T10:30-08:00"),
        ("meet Sync on fri at 10am", "2026-11-27T10:00-08:00", "2026-11-27T10:30-08:00"),
        ("meet Sync next sat 10am", "2026-11-28T10:00-08:00", "2026-11-28T10:30-08:00"),
        ("meet Sync next mon 10am", "2026-11-23T10:00-08:00", "2026-11-23T10:30-08:00"),
        ("meet Sync next sat 10am", "2026-11-28T10:00-08:00", "2026-11-28T10:30-08:00"),
        ("meet Sync on 2026-12-03 at 9am", "2026-12-03T09:00-08:00", "2026-12-03T09:30-08:00"),
        ("meet Sync 3-4pm tomorrow", "2026-11-22T15:00-08:00", "2026-11-22T16:00-08:00"),
        ("meet Sync tomorrow 2pm-3:30pm", "2026-11-22T14:00-08:00", "2026-11-22T15:30-08:00"),
        ("meet Sync tomorrow 2pm - 3:30pm", "2026-11-22T14:00-08:00", "2026-11-22T15:30-08:00"),
        ("meet Sync tomorrow 14:00-15:00", "2026-11-22T14:00-08:00", "2026-11-22T15:00-08:00"),
        ("meet Sync tomorrow 11-1pm", "2026-11-22T11:00-08:00", "2026-11-22T13:00-08:00"),
        ("meet Sync tomorrow 9:00-5pm", "2026-11-22T09:00-08:00", "2026-11-22T17:00-08:00"),
        ("meet Sync tomorrow 10pm-11", "2026-11-22T22:00-08:00", "2026-11-22T23:00-08:00"),
        ("meet Sync tomorrow noon-1pm", "2026-11-22T12:00-08:00", "2026-11-22T13:00-08:00"),
        ("meet Sync tomorrow 11pm-midnight", "2026-11-22T23:00-08:00", "2026-11-23T00:00-08:00"),
        ("meet Sync tomorrow 3pm for 1h30", "2026-11-22T15:00-08:00", "2026-11-22T16:30-08:00"),
        (
            "meet Sync tomorrow 3pm for half an hour",
            "2026-11-22T15:00-08:00",
            "2026-11-22T15:30-08:00",
        ),
        ("meet Sync tomorrow 3pm for 2 hours", "2026-11-22T15:00-08:00", "2026-11-22T17:00-08:00"),
        ("meet Sync tomorrow 11pm for 90 mins", "2026-11-22T23:00-08:00", "2026-11-23T00:30-08:00"),
        ("meet  Sync \t tomorrow   3pm  ", "2026-11-22T15:00-08:00", "2026-11-22T15:30-08:00"),
        ("MEET Sync tomorrow, 3pm", "2026-11-22T15:00-08:00", "2026-11-22T15:30-08:00"),
        (
            "meet Sync on next friday at 2 pm - 3:30 pm",
            "2026-11-27T14:00-08:00",
            "2026-11-27T15:30-08:00",
        ),
    ],
    # Berlin, Monday 2026-06-15 10:00 (CEST)
    BERLIN_MONDAY: [
        ("meet Sync 17:30", "2026-06-15T17:30+02:00", "2026-06-15T18:00+02:00"),
        ("meet Sync tomorrow 9am", "2026-06-16T09:00+02:00", "2026-06-16T09:30+02:00"),
        ("meet Sync fri 3pm for 2 hours", "2026-06-19T15:00+02:00", "2026-06-19T17:00+02:00"),
        ("meet Sync next fri 9am", "2026-06-26T09:00+02:00", "2026-06-26T09:30+02:00"),
        ("meet Sync next mon 9:00", "2026-06-22T09:00+02:00", "2026-06-22T09:30+02:00"),
        ("meet Sync next mon 9:00", "2026-06-22T09:00+02:00", "2026-06-22T09:30+02:00"),
        ("meet Sync 2026-10-25 1:30am", "2026-10-25T01:30+02:00", "2026-10-25T02:00+02:00"),
        ("meet Sync 2026-10-25 2:30am", "2026-10-25T02:30+02:00", "2026-10-25T02:00+01:00"),
        ("meet Sync 2026-10-25 3am", "2026-10-25T03:00+01:00", "2026-10-25T03:30+01:00"),
    ],
    # Shanghai, Thursday 2026-12-31 20:00 (no DST)
    SHANGHAI_NEW_YEARS_EVE: [
        ("meet Sync 21:00-22:00", "2026-12-31T21:00+08:00", "2026-12-31T22:00+08:00"),
        ("meet Sync today 11:30pm for 1h", "2026-12-31T23:30+08:00", "2027-01-01T00:30+08:00"),
        ("meet Sync tomorrow 9am", "2027-01-01T09:00+08:00", "2027-01-01T09:30+08:00"),
        ("meet Sync fri 9am", "2027-01-01T09:00+08:00", "2027-01-01T09:30+08:00"),
        ("meet Sync next thu 9am", "2027-01-07T09:00+08:00", "2027-01-07T09:30+08:00"),
        ("meet Sync next mon 9am", "2027-01-04T09:00+08:00", "2027-01-04T09:30+08:00"),
        ("meet Sync midnight tomorrow", "2027-01-01T00:00+08:00", "2027-01-01T00:30+08:00"),
    ],
    # US spring forward, Los Angeles: 02:00-03:00 on 2026-03-08 does not exist
    LA_BEFORE_SPRING_FORWARD: [
        ("meet Sync tomorrow 2:30am", "2026-03-08T03:30-07:00", "2026-03-08T04:00-07:00"),
        ("meet Sync tomorrow 1:30am for 1h", "2026-03-08T01:30-08:00", "2026-03-08T03:30-07:00"),
        ("meet Sync tomorrow 1:45am", "2026-03-08T01:45-08:00", "2026-03-08T03:15-07:00"),
        ("meet Sync tomorrow 1am-3am", "2026-03-08T01:00-08:00", "2026-03-08T03:00-07:00"),
        ("meet Sync sun 9am", "2026-03-08T09:00-07:00", "2026-03-08T09:30-07:00"),
    ],
    # US fall back, Los Angeles: 01:00-02:00 on 2026-11-01 happens twice; fold=0 is the first
    LA_BEFORE_FALL_BACK: [
        ("meet Sync tomorrow 1:30am", "2026-11-01T01:30-07:00", "2026-11-01T01:00-08:00"),
        ("meet Sync tomorrow 1am for 2h", "2026-11-01T01:00-07:00", "2026-11-01T02:00-08:00"),
        ("meet Sync tomorrow 12:30am-2am", "2026-11-01T00:30-07:00", "2026-11-01T02:00-08:00"),
        ("meet Sync tomorrow 9am", "2026-11-01T09:00-08:00", "2026-11-01T09:30-08:00"),
    ],
    # Europe's own spring forward, and the US change days elsewhere
    BERLIN_BEFORE_SPRING_FORWARD: [
        ("meet Sync tomorrow 2:30am", "2026-03-29T03:30+02:00", "2026-03-29T04:00+02:00"),
        ("meet Sync tomorrow 1:30am for 1h", "2026-03-29T01:30+01:00", "2026-03-29T03:30+02:00"),
    ],
    BERLIN_BEFORE_US_SPRING_FORWARD: [
        ("meet Sync tomorrow 2:30am", "2026-03-08T02:30+01:00", "2026-03-08T03:00+01:00"),
    ],
    SHANGHAI_BEFORE_US_SPRING_FORWARD: [
        ("meet Sync tomorrow 2:30am", "2026-03-08T02:30+08:00", "2026-03-08T03:00+08:00"),
    ],
    SHANGHAI_BEFORE_US_FALL_BACK: [
        ("meet Sync tomorrow 1:30am for 1h", "2026-11-01T01:30+08:00", "2026-11-01T02:30+08:00"),
    ],
}


@pytest.mark.parametrize(
    ("clock", "text", "start", "end"),
    [(clock, *row) for clock, rows in TIMES.items() for row in rows],
)
def test_meet_times(clock: tuple[str, str], text: str, start: str, end: str) -> None:
    result = meet(text, clock)
    assert (
        result.start.isoformat(timespec="minutes"),
        result.end.isoformat(timespec="minutes"),
    ) == (
        start,
        end,
    )


def test_times_keep_the_senders_tzinfo() -> None:
    now = at(LA_BEFORE_FALL_BACK)
    result = parse("meet Sync tomorrow 1:30am", now)
    assert isinstance(result, MeetCommand)
    assert result.start.tzinfo is now.tzinfo
    assert result.end.tzinfo is now.tzinfo


def test_a_start_exactly_now_is_accepted() -> None:
    now = at((LA, "2026-11-21T15:00"))
    result = parse("meet Sync 3pm", now)
    assert isinstance(result, MeetCommand)
    assert result.start == now


def test_a_start_a_second_ago_is_in_the_past() -> None:
    now = at((LA, "2026-11-21T15:00:01"))
    assert parse("meet Sync 3pm", now) == ParseError(ParseErrorKind.TIME_IN_PAST, "3pm")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # now is 01:15 PST, the second 01:15; fold=0 puts 01:30 at the first pass, already gone
        ("meet Sync today 1:30am", ParseError(ParseErrorKind.TIME_IN_PAST, "today 1:30am")),
        ("meet Sync 1:45am", ParseError(ParseErrorKind.TIME_IN_PAST, "1:45am")),
    ],
)
def test_past_is_judged_in_absolute_time_on_fall_back(text: str, expected: ParseError) -> None:
    assert parse(text, at((LA, "2026-11-01T01:15"), fold=1)) == expected


def test_later_on_fall_back_day_is_ahead() -> None:
    result = parse("meet Sync today 2am", at((LA, "2026-11-01T01:15"), fold=1))
    assert isinstance(result, MeetCommand)
    assert result.start.isoformat() == "2026-11-01T02:00:00-08:00"


@pytest.mark.parametrize(
    ("text", "subject"),
    [
        ("meet Lunch with team tomorrow noon", "Lunch with team"),
        ("meet Lunch with team tomorrow noon with adele@contoso.com", "Lunch with team"),
        ("meet Plan for launch tomorrow 3pm", "Plan for launch"),
        ("meet Plan for 2027 tomorrow 3pm", "Plan for 2027"),
        ("meet Friday sync fri 3pm", "Friday sync"),
        ("meet Next steps next fri 3pm", "Next steps"),
        ("meet Sprint 3 tomorrow 3pm", "Sprint 3"),
        ("meet Retro 2 with team tomorrow 3pm", "Retro 2 with team"),
        ("meet 1:1 with Bob tomorrow at 3pm", "1:1 with Bob"),
        ("meet Review at 3pm on tue", "Review"),
        ("meet iOS Release SYNC tomorrow 3pm", "iOS Release SYNC"),
        ("meet Prep for 45m tomorrow 3pm", "Prep"),
        ("meet Café über alles tomorrow 3pm", "Café über alles"),
    ],
)
def test_subject(text: str, subject: str) -> None:
    assert meet(text).subject == subject


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("meet Sync tomorrow 3pm", 30),  # DEFAULT_DURATION
        ("meet Sync tomorrow 3pm for 45m", 45),
        ("meet Sync tomorrow 3pm FOR 45 min", 45),
        ("meet Sync tomorrow 3pm for 45 minutes with adele@contoso.com", 45),
        ("meet Sync tomorrow 3pm for 1 hr", 60),
        ("meet Sync tomorrow 3pm for an hour", 60),
        ("meet Sync tomorrow 3pm for 1.5h", 90),
        ("meet Prep for 45m tomorrow 3pm", 45),
        ("meet Plan for launch tomorrow 3pm", 30),
    ],
)
def test_duration(text: str, minutes: int) -> None:
    result = meet(text)
    assert (result.end - result.start).total_seconds() == minutes * 60


@pytest.mark.parametrize(
    ("clause", "attendees"),
    [
        ("", ()),
        ("with adele@contoso.com", ("adele@contoso.com",)),
        ("WITH adele@contoso.com", ("adele@contoso.com",)),
        ("with adele@contoso.com bob@contoso.com", ("adele@contoso.com", "bob@contoso.com")),
        ("with adele@contoso.com, bob@contoso.com", ("adele@contoso.com", "bob@contoso.com")),
        ("with adele@contoso.com;bob@contoso.com", ("adele@contoso.com", "bob@contoso.com")),
        ("with adele@contoso.com and bob@contoso.com", ("adele@contoso.com", "bob@contoso.com")),
        (
            "with adele@contoso.com, bob@contoso.com, and carol@fabrikam.co.uk",
            ("adele@contoso.com", "bob@contoso.com", "carol@fabrikam.co.uk"),
        ),
        ("with <mailto:adele@contoso.com>", ("adele@contoso.com",)),
        ("with <adele@contoso.com>", ("adele@contoso.com",)),
        ("with mailto:adele@contoso.com", ("adele@contoso.com",)),
        ("with [adele@contoso.com](mailto:adele@contoso.com)", ("adele@contoso.com",)),
        ("with [Adele Vance](mailto:adele@contoso.com)", ("adele@contoso.com",)),
        (
            "with [bob@contoso.com](mailto:bob@contoso.com), <mailto:carol@contoso.com>",
            ("bob@contoso.com", "carol@contoso.com"),
        ),
        (
            "with adele@contoso.com Bob@Contoso.com ADELE@CONTOSO.COM bob@contoso.com",
            ("adele@contoso.com", "Bob@Contoso.com"),
        ),
        ("with adele@contoso.com.", ("adele@contoso.com",)),
        ("with first.last+tag@mail.contoso-eu.com", ("first.last+tag@mail.contoso-eu.com",)),
    ],
)
def test_attendees(clause: str, attendees: tuple[str, ...]) -> None:
    assert meet(f"meet Sync tomorrow 3pm {clause}").attendees == attendees


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("adele@contoso.com", True),
        ("first.last+tag@mail.contoso-eu.com", True),
        ("adele@contoso", False),
        ("adele@contoso.com.", False),  # a form field holds the address alone
        ("mailto:adele@contoso.com", False),
        ("Adele", False),
        ("", False),
    ],
)
def test_is_email(text: str, expected: bool) -> None:
    assert is_email(text) is expected


@pytest.mark.parametrize(
    ("text", "kind", "detail"),
    [
        ("meet Sync tomorrow 3", ParseErrorKind.AMBIGUOUS_TIME, "3"),
        ("meet Sync 3", ParseErrorKind.AMBIGUOUS_TIME, "3"),
        ("meet Sync at 10 tomorrow", ParseErrorKind.AMBIGUOUS_TIME, "10"),
        ("meet Sync tomorrow 3-4", ParseErrorKind.AMBIGUOUS_TIME, "3"),
        ("meet Sync tomorrow 25pm", ParseErrorKind.BAD_TIME, "25pm"),
        ("meet Sync tomorrow 13pm", ParseErrorKind.BAD_TIME, "13pm"),
        ("meet Sync tomorrow 24:30", ParseErrorKind.BAD_TIME, "24:30"),
        ("meet Sync tomorrow 3:75pm", ParseErrorKind.BAD_TIME, "3:75pm"),
        ("meet Sync tomorrow 3pm-2pm", ParseErrorKind.BAD_TIME, "3pm-2pm"),
        ("meet Sync tomorrow 10pm-2", ParseErrorKind.BAD_TIME, "10pm-2"),
        ("meet Sync 2026-02-30 3pm", ParseErrorKind.BAD_TIME, "2026-02-30"),
        ("meet Sync today 8am", ParseErrorKind.TIME_IN_PAST, "today 8am"),
        ("meet Sync 8:59am", ParseErrorKind.TIME_IN_PAST, "8:59am"),
        ("meet Sync midnight", ParseErrorKind.TIME_IN_PAST, "midnight"),
        ("meet Sync 2026-11-20 at 3pm", ParseErrorKind.TIME_IN_PAST, "2026-11-20 at 3pm"),
        ("meet Sync tomorrow 3pm for 0m", ParseErrorKind.BAD_DURATION, "0m"),
        ("meet Sync tomorrow 3pm for 25h", ParseErrorKind.BAD_DURATION, "25h"),
        ("meet Sync tomorrow 3pm for 45", ParseErrorKind.BAD_DURATION, "45"),
        ("meet Sync tomorrow 3pm for 2 days", ParseErrorKind.BAD_DURATION, "2 days"),
        ("meet Sync tomorrow 3pm for", ParseErrorKind.BAD_DURATION, ""),
        ("meet Sync tomorrow 3-4pm for 1h", ParseErrorKind.BAD_DURATION, "1h"),
        ("meet Sync tomorrow 3pm with adele@", ParseErrorKind.BAD_ATTENDEE, "adele@"),
        ("meet Sync tomorrow 3pm with adele@contoso", ParseErrorKind.BAD_ATTENDEE, "adele@contoso"),
        ("meet Sync tomorrow 3pm with a@b.com, bob", ParseErrorKind.BAD_ATTENDEE, "bob"),
        ("meet Sync tomorrow 3pm with @contoso.com", ParseErrorKind.BAD_ATTENDEE, "@contoso.com"),
        ("meet Sync tomorrow 3pm with a@@b.com", ParseErrorKind.BAD_ATTENDEE, "a@@b.com"),
        ("meet Sync tomorrow 3pm with Adele", ParseErrorKind.BAD_ATTENDEE, "Adele"),
        ("meet Sync tomorrow with Adele", ParseErrorKind.BAD_ATTENDEE, "Adele"),
        ("meet Sync tomorrow 3pm for 1h with Adele", ParseErrorKind.BAD_ATTENDEE, "Adele"),
        ("meet Sync tomorrow 3pm with", ParseErrorKind.BAD_ATTENDEE, ""),
        ("hello", ParseErrorKind.UNKNOWN_COMMAND, "hello"),
        ("meeting tomorrow 3pm", ParseErrorKind.UNKNOWN_COMMAND, "meeting"),
        ("Schedule: meet Sync tomorrow 3pm", ParseErrorKind.UNKNOWN_COMMAND, "Schedule:"),
        ("helpme", ParseErrorKind.UNKNOWN_COMMAND, "helpme"),
    ],
)
def test_errors(text: str, kind: ParseErrorKind, detail: str) -> None:
    assert parse(text, at(LA_SATURDAY)) == ParseError(kind, detail)


@pytest.mark.parametrize("text", ["", "   ", "\n", "help", "HELP", "Help me", "?", "/help"])
def test_help(text: str) -> None:
    assert parse(text, at(LA_SATURDAY)) == HelpCommand()


@pytest.mark.parametrize(
    ("text", "subject"),
    [
        ("meet now", None),
        ("meet NOW", None),
        ("Meet now  ", None),
        ("meet now Quick sync", "Quick sync"),
        ("meet now  Budget \t chat", "Budget chat"),
        ("meet now tomorrow 3pm", "tomorrow 3pm"),  # "now" wins: first match
    ],
)
def test_meet_now(text: str, subject: str | None) -> None:
    assert parse(text, at(LA_SATURDAY)) == MeetNowCommand(subject)


def test_text_at_the_length_limit_is_parsed() -> None:
    text = "meet " + "x" * (MAX_TEXT_LENGTH - len("meet  tomorrow 3pm")) + " tomorrow 3pm"
    assert len(text) == MAX_TEXT_LENGTH
    assert isinstance(parse(text, at(LA_SATURDAY)), MeetCommand)


def test_text_over_the_length_limit_is_refused() -> None:
    text = "meet " + "x" * (MAX_TEXT_LENGTH - len("meet  tomorrow 3pm") + 1) + " tomorrow 3pm"
    assert parse(text, at(LA_SATURDAY)) == ParseError(ParseErrorKind.TOO_LONG)


def test_naive_now_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="aware"):
        parse("meet Sync tomorrow 3pm", datetime(2026, 11, 21, 9, 0))
