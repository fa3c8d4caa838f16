"""Who sent an activity, from which organization, and what their clock says.

Teams activities carry the sender's IANA zone in `localTimezone` and their wall clock in
`localTimestamp`; times typed in chat are resolved against those, never the server's zone.
A client that names no zone (the Bot Framework Emulator, a bare activity) gets the configured
default (`DEFAULT_TIMEZONE`, UTC unless set), and its cards say which zone that was.
`turn_sender` puts the two together for the flows (`dialogs.turn.TurnSender`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from botbuilder.schema import Activity

from bot.i18n import catalog_for
from dialogs.meet import Requester
from dialogs.turn import TurnSender

UTC_ZONE = ZoneInfo("UTC")


@dataclass(frozen=True, slots=True)
class SenderClock:
    zone: ZoneInfo
    zone_is_fallback: bool  # no usable zone came: the default stands in, and the card says so
    now: datetime  # aware, in `zone`


def sender_clock(
    activity: Activity, server_now: datetime, default_zone: ZoneInfo = UTC_ZONE
) -> SenderClock:
    zone, fallback = _zone(getattr(activity, "local_timezone", None), default_zone)
    now = server_now
    stamp = getattr(activity, "local_timestamp", None)
    if isinstance(stamp, datetime) and stamp.tzinfo is not None and _plausible(stamp):
        now = stamp  # the sender's own clock
    return SenderClock(zone=zone, zone_is_fallback=fallback, now=now.astimezone(zone))


# A clock outside these years is broken, not the sender's; the bounds leave every date
# computation downstream (next year's "Dec 3", a day's reminders) far from datetime's limits.
_EARLIEST = datetime(1000, 1, 1, tzinfo=UTC)
_LATEST = datetime(9000, 1, 1, tzinfo=UTC)


def _plausible(stamp: datetime) -> bool:
    try:
        return _EARLIEST <= stamp.astimezone(UTC) <= _LATEST
    except (OverflowError, ValueError):  # year 1 or 9999 with an offset that leaves the range
        return False


def _zone(name: object, default: ZoneInfo) -> tuple[ZoneInfo, bool]:
    if isinstance(name, str) and name.strip():
        try:
            return ZoneInfo(name.strip()), False
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return default, True


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


def tenant_ids(activity: Activity) -> frozenset[str]:
    """The Entra tenant(s) the activity names, lower-case: Teams' `channelData.tenant.id` and
    `conversation.tenantId`. Real Teams traffic names one tenant in both places (or only one of
    them); a caller that checks an allow-list must accept only if every one named is allowed."""
    found: set[str] = set()
    channel_data = activity.channel_data
    tenant = channel_data.get("tenant") if isinstance(channel_data, dict) else None
    if isinstance(tenant, dict) and isinstance(tenant.get("id"), str):
        found.add(tenant["id"])
    conversation = activity.conversation
    # botbuilder's model maps `tenantID`; Teams sends `tenantId`, which msrest keeps aside.
    extra = getattr(conversation, "additional_properties", None) or {}
    for named in (getattr(conversation, "tenant_id", None), extra.get("tenantId")):
        if isinstance(named, str):
            found.add(named)
    return frozenset(t.strip().lower() for t in found if t.strip())


def turn_sender(
    activity: Activity, server_now: datetime, default_zone: ZoneInfo, local_mode: bool
) -> TurnSender:
    """The sender's clock and, when Meetbot may act on their calendar, who they are."""
    clock = sender_clock(activity, server_now, default_zone)
    user_id = organizer_id(activity, local_mode=local_mode)
    if user_id is None:
        return TurnSender(now=clock.now, requester=None)
    requester = Requester(
        user_id=user_id,
        conversation_id=activity.conversation.id,
        activity_id=activity.id or "",
        zone=clock.zone,
        zone_is_fallback=clock.zone_is_fallback,
        catalog=catalog_for(activity.locale),
    )
    return TurnSender(now=clock.now, requester=requester)


def utc_now() -> datetime:
    return datetime.now(UTC)
