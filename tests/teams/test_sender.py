"""Reading the sender and their clock from a Teams activity."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from botbuilder.schema import Activity

from bot.teams.sender import organizer_id, sender_clock
from tests.factories import USER_AAD_ID, make_message

SERVER_NOW = datetime(2026, 11, 21, 17, 0, tzinfo=UTC)


def activity(**kwargs: object) -> Activity:
    return Activity().deserialize(make_message(service_url="http://127.0.0.1:1", **kwargs))


def test_the_senders_zone_and_clock_are_used() -> None:
    local = datetime(2026, 11, 21, 8, 59, tzinfo=ZoneInfo("America/Los_Angeles"))
    clock = sender_clock(activity(local_now=local), SERVER_NOW)
    assert clock.zone.key == "America/Los_Angeles" and not clock.zone_is_fallback
    assert clock.now == local and clock.now.utcoffset() == local.utcoffset()


def test_no_zone_falls_back_to_utc_and_says_so() -> None:
    clock = sender_clock(activity(zone=None), SERVER_NOW)
    assert clock.zone.key == "UTC" and clock.zone_is_fallback
    assert clock.now == SERVER_NOW


def test_no_zone_falls_back_to_the_configured_default() -> None:
    shanghai = ZoneInfo("Asia/Shanghai")
    clock = sender_clock(activity(zone=None), SERVER_NOW, shanghai)
    assert clock.zone == shanghai and clock.zone_is_fallback
    assert clock.now == SERVER_NOW and clock.now.utcoffset() == shanghai.utcoffset(SERVER_NOW)

    named = sender_clock(activity(zone="Europe/Berlin"), SERVER_NOW, shanghai)
    assert named.zone.key == "Europe/Berlin" and not named.zone_is_fallback


def test_an_unknown_zone_name_falls_back_to_utc() -> None:
    raw = activity()
    raw.local_timezone = "Mars/Olympus_Mons"
    clock = sender_clock(raw, SERVER_NOW)
    assert clock.zone_is_fallback and clock.zone.key == "UTC"


def test_the_organizer_is_the_entra_object_id() -> None:
    assert organizer_id(activity(), local_mode=False) == USER_AAD_ID


def test_without_an_entra_id_only_local_mode_uses_the_channel_id() -> None:
    anonymous = activity(aad_object_id=None)
    assert organizer_id(anonymous, local_mode=False) is None
    assert organizer_id(anonymous, local_mode=True) == "29:user-teams-id"
