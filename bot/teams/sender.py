"""Who sent an activity and what their clock says.

Teams activities carry the sender's IANA zone in `localTimezone` and their wall clock in
`localTimestamp`; times typed in chat are resolved against those, never the server's zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from botbuilder.schema import Activity


@dataclass(frozen=True, slots=True)
class SenderClock:
    zone: ZoneInfo
    zone_is_fallback: bool  # no usable zone came with the activity: UTC, and the card says so
    now: datetime  # aware, in `zone`


def sender_clock(activity: Activity, server_now: datetime) -> SenderClock:
    zone, fallback = _zone(getattr(activity, "local_timezone", None))
    now = server_now
    stamp = getattr(activity, "local_timestamp", None)
    if isinstance(stamp, datetime) and stamp.tzinfo is not None:
        now = stamp  # the sender's own clock
    return SenderClock(zone=zone, zone_is_fallback=fallback, now=now.astimezone(zone))


def _zone(name: object) -> tuple[ZoneInfo, bool]:
    if isinstance(name, str) and name.strip():
        try:
            return ZoneInfo(name.strip()), False
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return ZoneInfo("UTC"), True


def organizer_id(activity: Activity, *, local_mode: bool) -> str | None:
    """The calendar to act on: always the authenticated sender's Entra object id.

    Clients outside Teams (the Bot Framework Emulator) send no `aadObjectId`; only in local
    mode, where meetings are simulated, does the channel user id stand in for it.
    """
    sender = activity.from_property
    if sender is None:
        return None
    aad = getattr(sender, "aad_object_id", None)
    if aad:
        return str(aad)
    return str(sender.id) if local_mode and sender.id else None


def utc_now() -> datetime:
    return datetime.now(UTC)
