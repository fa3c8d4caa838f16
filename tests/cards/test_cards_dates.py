"""Dates, times and ranges in each catalog's words."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.i18n import Catalog
from cards.dates import format_date, format_range, format_time, format_when

TOKYO = ZoneInfo("Asia/Tokyo")
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    ("clock", "en", "zh"),
    [
        ((0, 0), "12:00 AM", "上午12:00"),
        ((9, 5), "9:05 AM", "上午9:05"),
        ((12, 0), "12:00 PM", "下午12:00"),
        ((15, 0), "3:00 PM", "下午3:00"),
        ((23, 59), "11:59 PM", "下午11:59"),
    ],
)
def test_times(
    catalog: Catalog, zh_catalog: Catalog, clock: tuple[int, int], en: str, zh: str
) -> None:
    value = datetime(2020, 11, 22, *clock, tzinfo=UTC)

    assert format_time(value, catalog) == en
    assert format_time(value, zh_catalog) == zh


def test_dates(catalog: Catalog, zh_catalog: Catalog) -> None:
    value = datetime(2020, 11, 22, tzinfo=UTC)

    assert format_date(value, catalog) == "Sun, Nov 22"
    assert format_date(value, zh_catalog) == "11月22日 周日"
    assert format_date(datetime(2021, 1, 4, tzinfo=UTC), zh_catalog) == "1月4日 周一"


def test_ranges_convert_to_the_zone(catalog: Catalog, zh_catalog: Catalog) -> None:
    start = datetime(2020, 7, 1, 12, 0, tzinfo=UTC)
    end = datetime(2020, 7, 1, 22, 30, tzinfo=UTC)

    assert format_range(start, end, TOKYO, catalog) == "Wed, Jul 1, 9:00 PM – Thu, Jul 2, 7:30 AM"
    assert format_range(start, end, TOKYO, zh_catalog) == (
        "7月1日 周三 下午9:00 – 7月2日 周四 上午7:30"
    )
    assert format_when(start, start.replace(hour=13), SHANGHAI, zh_catalog) == (
        "7月1日 周三 下午8:00 – 下午9:00（Asia/Shanghai）"
    )


def test_ranges_need_aware_times(catalog: Catalog) -> None:
    with pytest.raises(ValueError, match="aware"):
        format_range(datetime(2020, 1, 1), datetime(2020, 1, 1, 1), TOKYO, catalog)
