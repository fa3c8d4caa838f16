"""A `move` / `push` that cannot be read is answered with how to write a move, end to end.

Activities in through /api/messages; assertions on the text that reached the connector and on
the Graph emulator, which must have been asked to change nothing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.i18n import catalog_for
from tests.conftest import RunningConnector, RunningGraph
from tests.e2e.test_reminders import Bot, running_bot

EN = catalog_for("en-US")
ZH = catalog_for("zh-CN")
MEET_EXAMPLE = "meet Design review tomorrow 3pm"  # what meet's sentences offer


@pytest.fixture
async def bot(
    graph: RunningGraph,
    connector: RunningConnector,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> AsyncIterator[Bot]:
    monkeypatch.chdir(tmp_path)
    async with running_bot(graph, connector) as running:
        yield running


def changes(bot: Bot) -> list[str]:
    return [f"{r.method} {r.path}" for r in bot.graph.emulator.requests if r.method != "GET"]


@pytest.mark.parametrize(
    ("text", "expected", "shown"),
    [
        ("move standup", EN.move_missing_time, "move [meeting] to [new time]"),
        ("move standup to", EN.move_missing_time, "move Design review to Thursday 4pm"),
        ("reschedule", EN.move_missing_subject, "move [meeting] to [new time]"),
        ("move to 4pm", EN.move_missing_subject, "Which meeting should I move?"),
        (
            "move standup to 25pm",
            EN.move_bad_time.format(detail="25pm"),
            "\u201c25pm\u201d as the new time",
        ),
        ("push standup", EN.shift_missing_time, "push [meeting] 30m"),
        ("pull standup", EN.shift_missing_time, "pull [meeting] 15m"),
        ("push 30m", EN.shift_missing_subject, "push [meeting] 30m"),
        (
            "push standup soon",
            EN.shift_bad_duration.format(detail="soon"),
            "\u201csoon\u201d as how far to move it",
        ),
    ],
)
async def test_an_unreadable_move_says_how_to_write_a_move(
    bot: Bot, text: str, expected: str, shown: str
) -> None:
    await bot.say(text)

    assert bot.texts() == [expected]
    assert shown in expected
    assert MEET_EXAMPLE not in expected
    assert bot.cards() == []
    assert changes(bot) == []


@pytest.mark.parametrize(
    ("text", "expected", "shown"),
    [
        ("把站会改到", ZH.move_missing_time, "把 [会议] 改到 [新时间]"),
        ("把站会改到后来", ZH.move_bad_time.format(detail="后来"), "新时间“后来”"),
        ("把站会推迟", ZH.shift_missing_time, "推迟 [会议] 30分钟"),
        ("推迟30分钟", ZH.shift_missing_subject, "要调整哪个会议"),
        ("move standup", ZH.move_missing_time, "把 [会议] 改到 [新时间]"),
    ],
)
async def test_an_unreadable_move_in_chinese(
    bot: Bot, text: str, expected: str, shown: str
) -> None:
    await bot.say(text, locale="zh-CN")

    assert bot.texts() == [expected]
    assert shown in expected
    assert "会议 设计评审" not in expected  # meet's example in Chinese
    assert changes(bot) == []


async def test_a_meet_still_answers_with_a_meet(bot: Bot) -> None:
    await bot.say("meet Design review tomorrow 25pm")
    assert bot.texts() == [EN.bad_time.format(detail="25pm")]
    assert changes(bot) == []
