"""Chinese time expressions, durations and attendee keywords."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.commands import MeetCommand, ParseError, ParseErrorKind, parse
from bot.commands.when_zh import scan_when_zh, zh_duration_minutes, zh_number

LA = ZoneInfo("America/Los_Angeles")
NOW = datetime(2026, 11, 18, 9, 0, tzinfo=LA)  # a Wednesday


def meet(text: str) -> MeetCommand:
    result = parse(text, NOW, locale="zh-CN")
    assert isinstance(result, MeetCommand), result
    return result


def wall(result: MeetCommand) -> tuple[str, str]:
    return (
        result.start.strftime("%Y-%m-%d %H:%M"),
        result.end.strftime("%Y-%m-%d %H:%M"),
    )


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("15", 15),
        ("五", 5),
        ("两", 2),
        ("十", 10),
        ("十五", 15),
        ("二十", 20),
        ("二十三", 23),
        ("零五", 5),
        ("零5", 5),
    ],
)
def test_zh_number(text: str, value: int) -> None:
    assert zh_number(text) == value


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("45分钟", 45),
        ("三十分钟", 30),
        ("90分钟", 90),
        ("120分钟", 120),
        ("1小时", 60),
        ("一小时", 60),
        ("两个小时", 120),
        ("1个半小时", 90),
        ("一个半小时", 90),
        ("半小时", 30),
        ("半个小时", 30),
        ("1.5小时", 90),
        ("一.5小时", 90),  # a Chinese numeral with a decimal part (it used to raise)
        ("十二.25小时", 735),
        ("1小时30分钟", 90),
        ("1小时30分", 90),
        ("一刻钟", 15),
        ("2个钟头", 120),
    ],
)
def test_zh_durations(text: str, minutes: int) -> None:
    assert zh_duration_minutes(text) == minutes


@pytest.mark.parametrize("text", ["3点", "小时", "明天", "1.33小时", "一.33小时", "45"])
def test_zh_non_durations(text: str) -> None:
    assert zh_duration_minutes(text) is None


@pytest.mark.parametrize(
    "text", ["", "评审", "下午", "3", "明天明天", "明天下午3点钟头", "周八上午9点", "下午3点 明天"]
)
def test_scan_rejects_other_text(text: str) -> None:
    assert scan_when_zh(text) is None


@pytest.mark.parametrize(
    ("when", "start"),
    [
        ("明天上午10点", "2026-11-19 10:00"),
        ("明天上午10点半", "2026-11-19 10:30"),
        ("明天早上8点", "2026-11-19 08:00"),
        ("明天凌晨1点", "2026-11-19 01:00"),
        ("明天下午3点", "2026-11-19 15:00"),
        ("明天下午三点", "2026-11-19 15:00"),
        ("明天下午3点15分", "2026-11-19 15:15"),
        ("明天下午3点15", "2026-11-19 15:15"),
        ("明天下午3点零5分", "2026-11-19 15:05"),
        ("明天下午3点一刻", "2026-11-19 15:15"),
        ("明天下午3:30", "2026-11-19 15:30"),
        ("明天下午3：30", "2026-11-19 15:30"),
        ("明天下午15点", "2026-11-19 15:00"),
        ("明天晚上8点", "2026-11-19 20:00"),
        ("明天中午", "2026-11-19 12:00"),
        ("明天中午12点", "2026-11-19 12:00"),
        ("明天中午12点半", "2026-11-19 12:30"),
        ("明天中午1点", "2026-11-19 13:00"),
        ("明天15点", "2026-11-19 15:00"),
        ("明天十五点", "2026-11-19 15:00"),
        ("明天0点", "2026-11-19 00:00"),
        ("明天15:30", "2026-11-19 15:30"),
        ("明天 3pm", "2026-11-19 15:00"),
        ("今天下午4点", "2026-11-18 16:00"),
        ("今晚8点", "2026-11-18 20:00"),
        ("明晚8点", "2026-11-19 20:00"),
        ("明早9点", "2026-11-19 09:00"),
        ("后天上午9点", "2026-11-20 09:00"),
        ("大后天上午9点", "2026-11-21 09:00"),
        ("周五上午9点", "2026-11-20 09:00"),
        ("星期五上午9点", "2026-11-20 09:00"),
        ("礼拜五上午9点", "2026-11-20 09:00"),
        ("下周三上午9点", "2026-11-25 09:00"),  # today's weekday: "next" says which
        ("周日上午9点", "2026-11-22 09:00"),
        ("星期天上午9点", "2026-11-22 09:00"),
        ("下周一上午9点", "2026-11-23 09:00"),
        ("下周五上午9点", "2026-11-27 09:00"),
        ("下个星期五上午9点", "2026-11-27 09:00"),
        ("12月3日上午9点", "2026-12-03 09:00"),
        ("12月3号上午9点", "2026-12-03 09:00"),
        ("十二月三日上午9点", "2026-12-03 09:00"),
        ("1月5日上午9点", "2027-01-05 09:00"),  # the next such date
        ("11月1日上午9点", "2027-11-01 09:00"),
        ("2027年1月5日上午9点", "2027-01-05 09:00"),
        ("2026-12-03 下午3点", "2026-12-03 15:00"),
        ("3/12 上午9点", "2027-03-12 09:00"),  # zh-CN writes month/day
        ("2小时后", "2026-11-18 11:00"),
        ("30分钟后", "2026-11-18 09:30"),
        ("半小时后", "2026-11-18 09:30"),
        ("1个半小时后", "2026-11-18 10:30"),
        ("两小时以后", "2026-11-18 11:00"),
        ("10分钟之后", "2026-11-18 09:10"),
    ],
)
def test_times(when: str, start: str) -> None:
    assert wall(meet(f"会议 评审 {when}"))[0] == start


@pytest.mark.parametrize(
    ("when", "start", "end"),
    [
        ("明天下午2-3点", "2026-11-19 14:00", "2026-11-19 15:00"),
        ("明天下午2点到3点", "2026-11-19 14:00", "2026-11-19 15:00"),
        ("明天下午2点至3点", "2026-11-19 14:00", "2026-11-19 15:00"),
        ("明天下午2点-4点半", "2026-11-19 14:00", "2026-11-19 16:30"),
        ("明天上午11点到下午1点", "2026-11-19 11:00", "2026-11-19 13:00"),
        ("明天上午11点到1点", "2026-11-19 11:00", "2026-11-19 13:00"),  # borrows, moves on
        ("明天上午9点到12点", "2026-11-19 09:00", "2026-11-19 12:00"),
        ("明天14点到15点", "2026-11-19 14:00", "2026-11-19 15:00"),
        ("明天14:00-15:30", "2026-11-19 14:00", "2026-11-19 15:30"),
        ("明天下午3点 45分钟", "2026-11-19 15:00", "2026-11-19 15:45"),
        ("明天下午3点1小时", "2026-11-19 15:00", "2026-11-19 16:00"),
        ("明天下午3点 开1小时", "2026-11-19 15:00", "2026-11-19 16:00"),
        ("明天下午3点开1个半小时", "2026-11-19 15:00", "2026-11-19 16:30"),
        ("明天下午3点 持续两个小时", "2026-11-19 15:00", "2026-11-19 17:00"),
        ("明天下午3点 时长半小时", "2026-11-19 15:00", "2026-11-19 15:30"),
        ("明天晚上11点 1小时", "2026-11-19 23:00", "2026-11-20 00:00"),
        ("2小时后 持续1小时", "2026-11-18 11:00", "2026-11-18 12:00"),
    ],
)
def test_ranges_and_durations(when: str, start: str, end: str) -> None:
    assert wall(meet(f"会议 评审 {when}")) == (start, end)


@pytest.mark.parametrize(
    ("text", "kind", "detail"),
    [
        # no 上午/下午 on a 1-12 点 hour: asked, never guessed
        ("会议 评审 明天3点", ParseErrorKind.AMBIGUOUS_TIME, "3点"),
        ("会议 评审 明天三点", ParseErrorKind.AMBIGUOUS_TIME, "三点"),
        ("会议 评审 明天3点半", ParseErrorKind.AMBIGUOUS_TIME, "3点半"),
        ("会议 评审 明天12点", ParseErrorKind.AMBIGUOUS_TIME, "12点"),
        ("会议 评审 明天2-3点", ParseErrorKind.AMBIGUOUS_TIME, "2"),
        ("会议 评审 明天晚上12点", ParseErrorKind.AMBIGUOUS_TIME, "12点"),
        ("会议 评审 明天晚上2点", ParseErrorKind.AMBIGUOUS_TIME, "2点"),
        ("会议 评审 明天25点", ParseErrorKind.BAD_TIME, "25点"),
        ("会议 评审 明天上午15点", ParseErrorKind.BAD_TIME, "15点"),
        ("会议 评审 明天下午3点60分", ParseErrorKind.BAD_TIME, "3点60分"),
        ("会议 评审 明天下午3点到2点", ParseErrorKind.BAD_TIME, "3点到2点"),
        ("会议 评审 13月1日上午9点", ParseErrorKind.BAD_TIME, "13月1日"),
        ("会议 评审 2月30日上午9点", ParseErrorKind.BAD_TIME, "2月30日"),
        ("会议 评审 今天上午8点", ParseErrorKind.TIME_IN_PAST, "今天上午8点"),
        ("会议 评审 明天下午3点 25小时", ParseErrorKind.BAD_DURATION, "25小时"),
        ("会议 评审 明天下午2-3点 1小时", ParseErrorKind.BAD_DURATION, "1小时"),
        ("会议 评审 明天下午3点和张三", ParseErrorKind.BAD_ATTENDEE, "张三"),
        ("会议 评审 明天下午3点 和 a@b.com、张三", ParseErrorKind.BAD_ATTENDEE, "张三"),
    ],
)
def test_errors(text: str, kind: ParseErrorKind, detail: str) -> None:
    assert parse(text, NOW, locale="zh-CN") == ParseError(kind, detail)


@pytest.mark.parametrize(
    ("text", "subject", "attendees"),
    [
        ("会议 评审 明天下午3点 和 a@contoso.com", "评审", ("a@contoso.com",)),
        ("会议 评审 明天下午3点和a@contoso.com", "评审", ("a@contoso.com",)),
        (
            "会议 评审 明天下午3点 邀请a@contoso.com，b@contoso.com",
            "评审",
            ("a@contoso.com", "b@contoso.com"),
        ),
        (
            "会议 评审 明天下午3点 邀请 a@contoso.com 和 b@contoso.com",
            "评审",
            ("a@contoso.com", "b@contoso.com"),
        ),
        ("会议 评审 明天下午3点 with a@contoso.com", "评审", ("a@contoso.com",)),
        ("会议 设计和开发评审 明天下午3点", "设计和开发评审", ()),
        ("会议 研发和测试同步 明天下午3点 和 a@contoso.com", "研发和测试同步", ("a@contoso.com",)),
        ("会议 公开课 明天下午3点 1小时", "公开课", ()),
        ("会议：设计评审，明天下午3点", "设计评审", ()),
        ("会议 Q3规划 明天下午3点", "Q3规划", ()),
        ("meet 设计评审 明天下午3点", "设计评审", ()),
        ("会议 Sync tomorrow 3pm", "Sync", ()),
    ],
)
def test_subjects_and_attendees(text: str, subject: str, attendees: tuple[str, ...]) -> None:
    result = meet(text)
    assert (result.subject, result.attendees) == (subject, attendees)
