"""Graph's two ways of writing time: `dateTimeTimeZone` for events, ISO instants elsewhere.

Events name their zone in Windows form ("Pacific Standard Time") or IANA form; tzlocal's table
maps the first to the second and zoneinfo does the arithmetic. Output uses Graph's seven
fractional digits.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tzlocal.windows_tz import win_tz

from emulators.graph.errors import bad_request, property_validation, zone_not_supported

# Exchange matches Windows zone names without regard to case.
_WINDOWS = {name.lower(): iana for name, iana in win_tz.items()}
_PREFER_ZONE = re.compile(r'outlook\.timezone\s*=\s*"?([^",;]+)"?', re.IGNORECASE)


@dataclass(frozen=True)
class Zone:
    """A zone as the client named it, and the tzinfo that name stands for."""

    name: str
    tz: tzinfo


@functools.lru_cache(maxsize=512)
def zone_named(name: str) -> Zone | None:
    # Cached: every event create and every `Prefer` header names a zone, and looking one up
    # (a lower-cased table lookup, then ZoneInfo) is pure. Bounded: names come from clients.
    if not name:
        return None
    try:
        return Zone(name, ZoneInfo(_WINDOWS.get(name.lower(), name)))
    except (ZoneInfoNotFoundError, ValueError):
        return None


UTC_ZONE = Zone("UTC", UTC)


@functools.lru_cache(maxsize=512)
def preferred_zone(prefer: str | None) -> Zone | None:
    """The zone a `Prefer: outlook.timezone="..."` header asks for, if it names a real one."""
    match = _PREFER_ZONE.search(prefer or "")
    return zone_named(match.group(1).strip()) if match else None


def parse_date_time_zone(value: Any, field: str) -> tuple[datetime, str]:
    """The UTC instant and the zone name of a `dateTimeTimeZone` object sent as `field`."""
    if not isinstance(value, dict):
        raise property_validation(f"'{field}' must be a dateTimeTimeZone object.")
    zone_name = value.get("timeZone")
    zone = zone_named(zone_name) if isinstance(zone_name, str) else None
    if zone is None:
        raise zone_not_supported(zone_name if isinstance(zone_name, str) else "")
    local = _parse_iso(value.get("dateTime"), f"{field}.dateTime")
    if local.tzinfo is None:
        local = local.replace(tzinfo=zone.tz)
    return local.astimezone(UTC), zone.name


def parse_instant(value: Any, field: str) -> datetime:
    """An ISO instant such as onlineMeetings' startDateTime; no offset means UTC."""
    parsed = _parse_iso(value, field)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _parse_iso(value: Any, field: str) -> datetime:
    if not isinstance(value, str):
        raise bad_request(f"'{field}' is required and must be a string.")
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise bad_request(
            f"The value '{value}' of '{field}' is not a valid date and time."
        ) from None


def local_date_time(instant: datetime, zone: Zone) -> dict[str, str]:
    """A `dateTimeTimeZone` for `instant` shown in `zone`, formatted the way Graph does."""
    return {"dateTime": local_text(instant, zone), "timeZone": zone.name}


def local_text(instant: datetime, zone: Zone) -> str:
    """The `dateTime` of `local_date_time(instant, zone)`."""
    return _wall_time(instant.astimezone(zone.tz))


def instant_text(instant: datetime) -> str:
    """An instant like Graph's `createdDateTime`: UTC, seven fractional digits, `Z`."""
    return _wall_time(instant.astimezone(UTC)) + "Z"


def _wall_time(moment: datetime) -> str:
    """`moment`'s wall time as YYYY-MM-DDTHH:MM:SS.fffffff (seven fractional digits)."""
    if moment.year < 1000:
        # strftime writes these years without leading zeros (isoformat pads them); keep that.
        return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond:06d}0"
    # isoformat is several times faster than strftime; its first 26 characters are the same.
    return moment.isoformat(timespec="microseconds")[:26] + "0"
