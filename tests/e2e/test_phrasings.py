"""Every phrasing of the parser's table, posted to the bot: the exact start and end that
reach Graph, in the zone name Graph expects."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from tzlocal.windows_tz import tz_win

from bot.graph.models import DateTimeTimeZone
from tests.commands.phrasings import PHRASINGS, Phrasing
from tests.conftest import Post, RunningConnector, RunningGraph
from tests.factories import USER_AAD_ID, make_message


@pytest.mark.parametrize("phrasing", PHRASINGS, ids=[f"{p.zone}:{p.text}" for p in PHRASINGS])
async def test_the_phrasing_reaches_graph_exactly(
    phrasing: Phrasing, post: Post, graph: RunningGraph, connector: RunningConnector
) -> None:
    activity = make_message(
        phrasing.text,
        service_url=connector.url,
        zone=phrasing.zone,
        local_now=phrasing.now,
        locale=phrasing.locale,
    )
    await post(activity)

    [create] = [
        r for r in graph.emulator.requests if r.method == "POST" and r.path.endswith("/events")
    ]
    assert create.path == f"/v1.0/users/{USER_AAD_ID}/events"
    start = DateTimeTimeZone.model_validate(create.json["start"])
    end = DateTimeTimeZone.model_validate(create.json["end"])
    # The user's zone by its Windows name; UTC only for a wall time that names two instants.
    expected_zone = "UTC" if _ambiguous(phrasing.start) else tz_win[phrasing.zone]
    assert start.time_zone == expected_zone
    # Compare instants in UTC: same-zone comparison ignores `fold` on the fall-back day.
    assert start.to_datetime().astimezone(UTC) == phrasing.start.astimezone(UTC)
    assert end.to_datetime().astimezone(UTC) == phrasing.end.astimezone(UTC)


def _ambiguous(value: datetime) -> bool:
    return value.replace(fold=1 - value.fold).utcoffset() != value.utcoffset()
