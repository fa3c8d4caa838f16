"""Dates, times and ranges in the catalog's words, in the viewer's zone.

No `strftime`: its month and day names follow the process locale, not the user's.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.i18n import Catalog


def format_date(value: datetime, catalog: Catalog) -> str:
    """ "Sun, Nov 22" / "11月22日 周日" (the date as `value` holds it; convert first)."""
    return catalog.date_format.format(
        weekday=catalog.weekday_names[value.weekday()],
        month=catalog.month_names[value.month - 1],
        day=str(value.day),
        year=str(value.year),
    )


def format_time(value: datetime, catalog: Catalog) -> str:
    """ "3:00 PM" / "下午3:00"."""
    return catalog.time_format.format(
        hour12=str(value.hour % 12 or 12),
        hour24=f"{value.hour:02d}",
        minute=f"{value.minute:02d}",
        period=catalog.day_periods[0 if value.hour < 12 else 1],
    )


def format_range(start: datetime, end: datetime, zone: ZoneInfo, catalog: Catalog) -> str:
    """A range without the zone name, for lists that name the zone once."""
    return catalog.time_range_short.format(**_range_parts(start, end, zone, catalog))


def format_when(start: datetime, end: datetime, zone: ZoneInfo, catalog: Catalog) -> str:
    """A range with the zone name: "Sun, Nov 22, 3:00 PM – 3:45 PM (America/Los_Angeles)"."""
    # An IANA key (ZoneInfo only accepts real ones), so it needs no markdown escaping.
    return catalog.time_range.format(**_range_parts(start, end, zone, catalog), zone=zone.key)


def _range_parts(
    start: datetime, end: datetime, zone: ZoneInfo, catalog: Catalog
) -> dict[str, str]:
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("a time range needs timezone-aware start and end")
    start = start.astimezone(zone)
    end = end.astimezone(zone)
    end_text = format_time(end, catalog)
    if end.date() != start.date():
        end_text = catalog.date_time_format.format(date=format_date(end, catalog), time=end_text)
    return {
        "date": format_date(start, catalog),
        "start": format_time(start, catalog),
        "end": end_text,
    }
