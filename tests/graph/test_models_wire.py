"""Graph's dateTimeTimeZone as Meetbot writes it into request bodies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.graph.models import DateTimeTimeZone

LA = ZoneInfo("America/Los_Angeles")
MOMENTS = [
    datetime(2026, 11, 22, 15, 0, tzinfo=LA),
    datetime(2026, 11, 1, 1, 30, fold=1, tzinfo=LA),  # the repeated hour
    datetime(2026, 3, 8, 12, 15, 59, 999999, tzinfo=LA),  # fractions are dropped
    datetime(2026, 6, 1, 8, 0, tzinfo=timezone(timedelta(hours=5, minutes=30))),
    datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC),
]
ZONES = ["Pacific Standard Time", "America/Los_Angeles", "UTC", "India Standard Time", "Nowhere"]


@pytest.mark.parametrize("moment", MOMENTS)
@pytest.mark.parametrize("zone", ZONES)
def test_json_for_is_what_the_model_dumps(moment: datetime, zone: str) -> None:
    model = DateTimeTimeZone.from_datetime(moment, zone)
    assert DateTimeTimeZone.json_for(moment, zone) == model.model_dump(by_alias=True)
