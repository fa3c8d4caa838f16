"""The phrasing table (tests/commands/phrasings.py), parsed: exact start, end and subject."""

from __future__ import annotations

import re
from datetime import UTC

import pytest

from bot.commands import MeetCommand, parse
from tests.commands.phrasings import BERLIN, LA, PHRASINGS, SHANGHAI, Phrasing

_CJK = re.compile("[\u4e00-\u9fff]")


def _is_chinese(phrasing: Phrasing) -> bool:
    return _CJK.search(phrasing.text.split()[0]) is not None


@pytest.mark.parametrize("phrasing", PHRASINGS, ids=[f"{p.zone}:{p.text}" for p in PHRASINGS])
def test_phrasing(phrasing: Phrasing) -> None:
    result = parse(phrasing.text, phrasing.now, locale=phrasing.locale)
    assert isinstance(result, MeetCommand), result
    # ISO strings with offsets: aware datetimes sharing a tzinfo compare by wall clock alone.
    assert (result.subject, result.start.isoformat(), result.end.isoformat()) == (
        phrasing.subject,
        phrasing.start.isoformat(),
        phrasing.end.isoformat(),
    )
    assert result.start.tzinfo is phrasing.now.tzinfo


def test_the_table_covers_both_languages_in_three_zones() -> None:
    english = {p.text for p in PHRASINGS if not _is_chinese(p)}
    chinese = {p.text for p in PHRASINGS if _is_chinese(p)}
    assert len(english) >= 45
    assert len(chinese) >= 12
    for zone in (LA, BERLIN, SHANGHAI):
        in_zone = {p.text for p in PHRASINGS if p.zone == zone}
        assert len(english & in_zone) >= 45, zone
        assert len(chinese & in_zone) >= 12, zone


def test_the_table_crosses_dst_changes() -> None:
    # A phrasing whose start and end have different UTC offsets spans a change.
    spanning = {p.zone for p in PHRASINGS if p.start.utcoffset() != p.end.utcoffset()}
    assert {LA, BERLIN} <= spanning


def test_every_entry_is_a_meet_line_in_the_future() -> None:
    for phrasing in PHRASINGS:
        assert phrasing.text.startswith(("meet ", "会议", "开会")), phrasing.text
        now, start, end = (t.astimezone(UTC) for t in (phrasing.now, phrasing.start, phrasing.end))
        assert now <= start < end, phrasing.text  # in UTC: same-zone comparison ignores fold
