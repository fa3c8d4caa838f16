"""Complete `meet` lines with the exact start and end they must produce, in three zones.

Shared by the parser's table test (tests/commands/test_commands_phrasings.py) and the end-to-end
test that posts each line to the bot and checks what reaches Graph. Every entry is a full
`meet <subject> <when>...` line that yields a MeetCommand at its `now`; no mentions, so no
roster lookup is involved.

Most lines are written once (`_COMMON`) with wall-clock expectations and run in every zone
from the same local clock, Wednesday 2026-11-18 09:00, away from any DST change. `_DST` holds
lines around the 2026 US and EU changes, with offsets written out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

LA = "America/Los_Angeles"
BERLIN = "Europe/Berlin"
SHANGHAI = "Asia/Shanghai"
ZONES = (LA, BERLIN, SHANGHAI)
WEDNESDAY_9AM = "2026-11-18T09:00"


@dataclass(frozen=True, slots=True)
class Phrasing:
    text: str
    locale: str
    zone: str
    now: datetime  # the sender's aware clock
    start: datetime  # aware, in `zone`
    end: datetime
    subject: str


# (text, locale, subject, start, end): wall-clock times in whichever zone the line runs in.
_COMMON: list[tuple[str, str, str, str, str]] = [
    # English
    ("meet Design review tomorrow 3pm", "en-US", "Design review", "11-19T15:00", "11-19T15:30"),
    (
        "meet Design review tomorrow 3pm for 45m with adele@contoso.com",
        "en-US",
        "Design review",
        "11-19T15:00",
        "11-19T15:45",
    ),
    ("meet Sync next Monday 10:30", "en-US", "Sync", "11-23T10:30", "11-23T11:00"),
    ("meet Sync next Monday 10:30 for 1 hour", "en-GB", "Sync", "11-23T10:30", "11-23T11:30"),
    ("meet Sync in 2 hours", "en-US", "Sync", "11-18T11:00", "11-18T11:30"),
    ("meet Sync in 30 minutes", "en-GB", "Sync", "11-18T09:30", "11-18T10:00"),
    ("meet Sync in 90 min", "en-US", "Sync", "11-18T10:30", "11-18T11:00"),
    ("meet Sync in an hour", "en-US", "Sync", "11-18T10:00", "11-18T10:30"),
    ("meet Ops check in 2 hours for 45m", "en-US", "Ops check", "11-18T11:00", "11-18T11:45"),
    ("meet Sync in 1h for 30 min", "en-US", "Sync", "11-18T10:00", "11-18T10:30"),
    ("meet Retro Friday 2-3pm", "en-US", "Retro", "11-20T14:00", "11-20T15:00"),
    ("meet Planning 3pm for 45 minutes", "en-US", "Planning", "11-18T15:00", "11-18T15:45"),
    ("meet Lunch tomorrow noon", "en-GB", "Lunch", "11-19T12:00", "11-19T12:30"),
    (
        "meet Release watch tomorrow midnight",
        "en-US",
        "Release watch",
        "11-19T00:00",
        "11-19T00:30",
    ),
    ("meet Team dinner tonight 8pm", "en-US", "Team dinner", "11-18T20:00", "11-18T20:30"),
    ("meet Team dinner tonight 8", "en-GB", "Team dinner", "11-18T20:00", "11-18T20:30"),
    ("meet Demo Dec 3 3pm", "en-US", "Demo", "12-03T15:00", "12-03T15:30"),
    ("meet Demo December 3rd at 10am for 1h", "en-US", "Demo", "12-03T10:00", "12-03T11:00"),
    ("meet Demo 3 Dec 2pm", "en-GB", "Demo", "12-03T14:00", "12-03T14:30"),
    ("meet Demo 4th December 11am", "en-GB", "Demo", "12-04T11:00", "12-04T11:30"),
    ("meet Demo Dec 3rd 3-4pm", "en-US", "Demo", "12-03T15:00", "12-03T16:00"),
    ("meet Demo 3/12 9am", "en-US", "Demo", "2027-03-12T09:00", "2027-03-12T09:30"),
    ("meet Demo 3/12 9am", "en-GB", "Demo", "12-03T09:00", "12-03T09:30"),
    ("meet Demo 3/12 9am", "de-DE", "Demo", "12-03T09:00", "12-03T09:30"),
    ("meet Demo 12/13 10am", "en-US", "Demo", "12-13T10:00", "12-13T10:30"),
    ("meet Demo 13/12 10am", "en-GB", "Demo", "12-13T10:00", "12-13T10:30"),
    ("meet Review 12/3/2026 4pm", "en-US", "Review", "12-03T16:00", "12-03T16:30"),
    ("meet Review 3/12/2026 4pm", "en-GB", "Review", "12-03T16:00", "12-03T16:30"),
    ("meet Review December 3, 2026 4pm", "en-US", "Review", "12-03T16:00", "12-03T16:30"),
    ("meet Review 2026/12/03 10am", "en-GB", "Review", "12-03T10:00", "12-03T10:30"),
    ("meet Review on 2026-12-03 at 9am", "en-US", "Review", "12-03T09:00", "12-03T09:30"),
    ("meet Kickoff Jan 5 10am", "en-US", "Kickoff", "2027-01-05T10:00", "2027-01-05T10:30"),
    ("meet Budget Nov 1 10am", "en-US", "Budget", "2027-11-01T10:00", "2027-11-01T10:30"),
    (
        "meet Holiday party on Dec 24 at noon for 90 minutes",
        "en-US",
        "Holiday party",
        "12-24T12:00",
        "12-24T13:30",
    ),
    ("meet Standup tomorrow 9:15am for 15m", "en-US", "Standup", "11-19T09:15", "11-19T09:30"),
    ("meet Sync tomorrow 14:00-15:30", "en-GB", "Sync", "11-19T14:00", "11-19T15:30"),
    ("meet Sync tomorrow 11-1pm", "en-US", "Sync", "11-19T11:00", "11-19T13:00"),
    ("meet Sync tomorrow 2pm - 3:30pm", "en-US", "Sync", "11-19T14:00", "11-19T15:30"),
    ("meet Sync Friday noon-1pm", "en-US", "Sync", "11-20T12:00", "11-20T13:00"),
    ("meet Sync thu 4pm", "en-US", "Sync", "11-19T16:00", "11-19T16:30"),
    ("meet Sync sat 10am", "en-US", "Sync", "11-21T10:00", "11-21T10:30"),
    ("meet Sync next fri 9am", "en-US", "Sync", "11-27T09:00", "11-27T09:30"),
    ("meet Sync next wed 9am", "en-US", "Sync", "11-25T09:00", "11-25T09:30"),
    ("meet Sync at 3pm on tue", "en-US", "Sync", "11-24T15:00", "11-24T15:30"),
    ("meet Sync today 5pm for 2 hours", "en-US", "Sync", "11-18T17:00", "11-18T19:00"),
    (
        "meet Late review today 11pm for 90 mins",
        "en-US",
        "Late review",
        "11-18T23:00",
        "11-19T00:30",
    ),
    ("meet Sync Monday 9:00 for 1.5h", "en-GB", "Sync", "11-23T09:00", "11-23T10:30"),
    ("meet Sync tomorrow 3 p.m.", "en-US", "Sync", "11-19T15:00", "11-19T15:30"),
    ("meet Sync tomorrow 3pm for half an hour", "en-US", "Sync", "11-19T15:00", "11-19T15:30"),
    ("meet Sync tomorrow 3pm for 1h30", "en-US", "Sync", "11-19T15:00", "11-19T16:30"),
    ("meet 1:1 with Bob tomorrow at 3pm", "en-US", "1:1 with Bob", "11-19T15:00", "11-19T15:30"),
    (
        "meet Lunch with team tomorrow noon with adele@contoso.com, bob@contoso.com",
        "en-US",
        "Lunch with team",
        "11-19T12:00",
        "11-19T12:30",
    ),
    (
        "meet Plan for launch tomorrow 3pm for an hour",
        "en-US",
        "Plan for launch",
        "11-19T15:00",
        "11-19T16:00",
    ),
    ("meet Prep for 45m tomorrow 3pm", "en-US", "Prep", "11-19T15:00", "11-19T15:45"),
    (
        "meet Sync mon 10am with adele@contoso.com and bob@contoso.com",
        "en-US",
        "Sync",
        "11-23T10:00",
        "11-23T10:30",
    ),
    (
        "meet Sync with adele@contoso.com tomorrow 3pm for 1h",
        "en-US",
        "Sync",
        "11-19T15:00",
        "11-19T16:00",
    ),
    # a reminder clause leaves the subject and the times alone
    ("meet Sync tomorrow 3pm remind 5m", "en-US", "Sync", "11-19T15:00", "11-19T15:30"),
    (
        "meet Sync tomorrow 3pm for 45m remind me 10 minutes before with adele@contoso.com",
        "en-US",
        "Sync",
        "11-19T15:00",
        "11-19T15:45",
    ),
    ("meet Sync no reminder tomorrow 3pm", "en-GB", "Sync", "11-19T15:00", "11-19T15:30"),
    (
        "meet Reminder service design tomorrow 3pm",
        "en-US",
        "Reminder service design",
        "11-19T15:00",
        "11-19T15:30",
    ),
    # Chinese
    ("会议设计评审明天下午3点", "zh-CN", "设计评审", "11-19T15:00", "11-19T15:30"),
    ("会议 设计评审 明天下午3点", "zh-CN", "设计评审", "11-19T15:00", "11-19T15:30"),
    (
        "会议 设计评审 明天下午3点 45分钟 和 adele@contoso.com",
        "zh-CN",
        "设计评审",
        "11-19T15:00",
        "11-19T15:45",
    ),
    ("开会 周会 下周一上午10点半", "zh-CN", "周会", "11-23T10:30", "11-23T11:00"),
    ("会议 评审 周五下午2-3点", "zh-CN", "评审", "11-20T14:00", "11-20T15:00"),
    ("会议 评审 后天下午2点到3点", "zh-CN", "评审", "11-20T14:00", "11-20T15:00"),
    ("会议 评审 上午11点到下午1点", "zh-CN", "评审", "11-18T11:00", "11-18T13:00"),
    ("会议 团建 明天晚上8点", "zh-CN", "团建", "11-19T20:00", "11-19T20:30"),
    ("会议 团建 今晚8点 1小时", "zh-CN", "团建", "11-18T20:00", "11-18T21:00"),
    ("会议 午餐 明天中午", "zh-CN", "午餐", "11-19T12:00", "11-19T12:30"),
    ("会议 午餐会 明天中午12点 1小时", "zh-CN", "午餐会", "11-19T12:00", "11-19T13:00"),
    ("会议 评审 12月3日下午3点 45分钟", "zh-CN", "评审", "12-03T15:00", "12-03T15:45"),
    ("会议 评审 12月3号上午9点 开1个半小时", "zh-CN", "评审", "12-03T09:00", "12-03T10:30"),
    ("会议 同步 2小时后", "zh-CN", "同步", "11-18T11:00", "11-18T11:30"),
    ("会议 同步 30分钟后 持续半小时", "zh-CN", "同步", "11-18T09:30", "11-18T10:00"),
    ("会议 评审 明天15点", "zh-CN", "评审", "11-19T15:00", "11-19T15:30"),
    ("会议 评审 星期四 下午3点15分", "zh-CN", "评审", "11-19T15:15", "11-19T15:45"),
    ("会议 评审 下周三上午9点 持续45分钟", "zh-CN", "评审", "11-25T09:00", "11-25T09:45"),
    ("会议复盘明天下午两点半", "zh-CN", "复盘", "11-19T14:30", "11-19T15:00"),
    ("会议 评审 明天下午3:30 和 adele@contoso.com", "zh-CN", "评审", "11-19T15:30", "11-19T16:00"),
    (
        "开会 预算评审 今天下午4点 邀请 adele@contoso.com、bob@contoso.com",
        "zh-CN",
        "预算评审",
        "11-18T16:00",
        "11-18T16:30",
    ),
    ("会议 Sprint计划 明天上午10点 2小时", "zh-CN", "Sprint计划", "11-19T10:00", "11-19T12:00"),
    ("会议 评审 明天下午3点 提前5分钟提醒", "zh-CN", "评审", "11-19T15:00", "11-19T15:30"),
    ("会议评审明天下午3点 1小时 不提醒", "zh-CN", "评审", "11-19T15:00", "11-19T16:00"),
]

# (zone, now, text, locale, subject, start, end), all with explicit UTC offsets.
_DST: list[tuple[str, str, str, str, str, str, str]] = [
    # US spring forward: 2026-03-08 02:00 PST -> 03:00 PDT
    (
        LA,
        "2026-03-07T12:00-08:00",
        "meet Sync tomorrow 1:30am for 1h",
        "en-US",
        "Sync",
        "2026-03-08T01:30-08:00",
        "2026-03-08T03:30-07:00",
    ),
    (
        LA,
        "2026-03-07T12:00-08:00",
        "meet Early sync tomorrow 2:30am",  # a time in the gap moves forward by the gap
        "en-US",
        "Early sync",
        "2026-03-08T03:30-07:00",
        "2026-03-08T04:00-07:00",
    ),
    (
        LA,
        "2026-03-08T00:30-08:00",
        "meet Sync in 2 hours",  # elapsed time: 00:30 PST + 2h is 03:30 PDT
        "en-US",
        "Sync",
        "2026-03-08T03:30-07:00",
        "2026-03-08T04:00-07:00",
    ),
    (
        LA,
        "2026-03-07T12:00-08:00",
        "会议 同步 明天凌晨1点半 1小时",
        "zh-CN",
        "同步",
        "2026-03-08T01:30-08:00",
        "2026-03-08T03:30-07:00",
    ),
    # US fall back: 2026-11-01 02:00 PDT -> 01:00 PST; an ambiguous time is the first one
    (
        LA,
        "2026-10-31T12:00-07:00",
        "meet Sync tomorrow 1:30am",
        "en-US",
        "Sync",
        "2026-11-01T01:30-07:00",
        "2026-11-01T01:00-08:00",
    ),
    (
        LA,
        "2026-10-31T12:00-07:00",
        "meet Sync tomorrow 12:30am-2am",
        "en-US",
        "Sync",
        "2026-11-01T00:30-07:00",
        "2026-11-01T02:00-08:00",
    ),
    # EU spring forward: 2026-03-29 02:00 CET -> 03:00 CEST
    (
        BERLIN,
        "2026-03-28T12:00+01:00",
        "meet Sync tomorrow 2:30am",
        "en-GB",
        "Sync",
        "2026-03-29T03:30+02:00",
        "2026-03-29T04:00+02:00",
    ),
    (
        BERLIN,
        "2026-03-28T12:00+01:00",
        "会议 同步 明天凌晨1点半 1小时",
        "zh-CN",
        "同步",
        "2026-03-29T01:30+01:00",
        "2026-03-29T03:30+02:00",
    ),
    # EU fall back: 2026-10-25 03:00 CEST -> 02:00 CET
    (
        BERLIN,
        "2026-10-24T12:00+02:00",
        "meet Sync tomorrow 2:30am for 1h",
        "de-DE",
        "Sync",
        "2026-10-25T02:30+02:00",
        "2026-10-25T02:30+01:00",
    ),
    (
        BERLIN,
        "2026-10-25T00:30+02:00",
        "会议 同步 2小时后",
        "zh-CN",
        "同步",
        "2026-10-25T02:30+02:00",
        "2026-10-25T02:00+01:00",
    ),
    # The US change days are ordinary days in Shanghai
    (
        SHANGHAI,
        "2026-03-07T12:00+08:00",
        "meet Sync tomorrow 2:30am",
        "en-US",
        "Sync",
        "2026-03-08T02:30+08:00",
        "2026-03-08T03:00+08:00",
    ),
    (
        SHANGHAI,
        "2026-03-07T12:00+08:00",
        "会议 同步 明天凌晨2点半",
        "zh-CN",
        "同步",
        "2026-03-08T02:30+08:00",
        "2026-03-08T03:00+08:00",
    ),
    (
        SHANGHAI,
        "2026-10-31T12:00+08:00",
        "meet Sync tomorrow 1:30am for 1h",
        "en-US",
        "Sync",
        "2026-11-01T01:30+08:00",
        "2026-11-01T02:30+08:00",
    ),
]


def _wall(zone: str, text: str) -> datetime:
    """A wall-clock time in `zone`: "11-19T15:00" is in 2026, else the year is written."""
    full = text if text.startswith("20") else f"2026-{text}"
    return datetime.fromisoformat(full).replace(tzinfo=ZoneInfo(zone))


def _exact(zone: str, text: str) -> datetime:
    """An instant with its offset written out, seen in `zone` (so the fold is right)."""
    return datetime.fromisoformat(text).astimezone(ZoneInfo(zone))


PHRASINGS: list[Phrasing] = [
    *(
        Phrasing(
            text,
            locale,
            zone,
            _wall(zone, WEDNESDAY_9AM),
            _wall(zone, start),
            _wall(zone, end),
            subject,
        )
        for zone in ZONES
        for text, locale, subject, start, end in _COMMON
    ),
    *(
        Phrasing(
            text,
            locale,
            zone,
            _exact(zone, now),
            _exact(zone, start),
            _exact(zone, end),
            subject,
        )
        for zone, now, text, locale, subject, start, end in _DST
    ),
]
