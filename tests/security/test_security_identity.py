"""Who the sender is, from which tenant, on what clock: read from the activity, trusting only
what Teams puts there."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from botbuilder.schema import Activity

from bot.teams.sender import organizer_id, sender_clock, tenant_ids
from tests.factories import TENANT_ID, USER_AAD_ID, make_message

SERVER_NOW = datetime(2026, 11, 21, 17, 0, tzinfo=UTC)
OTHER = "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"


def activity(**changes: Any) -> Activity:
    raw = make_message(service_url="http://127.0.0.1:1")
    for key, value in changes.items():
        raw[key] = value
    return Activity().deserialize(raw)


def test_the_organizer_is_the_senders_entra_id_and_nothing_else() -> None:
    forged = activity(
        conversation={"id": "a:1", "aadObjectId": OTHER, "tenantId": TENANT_ID},
        recipient={"id": "28:bot", "aadObjectId": OTHER},
        channelData={"tenant": {"id": TENANT_ID}, "onBehalfOf": [{"mri": OTHER}]},
        value={"for": OTHER, "userId": OTHER},
    )
    forged.from_property.properties = {"aadObjectId": OTHER}
    assert organizer_id(forged, local_mode=False) == USER_AAD_ID


def test_without_an_entra_id_there_is_no_organizer_outside_local_mode() -> None:
    guest = activity(**{"from": {"id": "29:guest", "name": "Guest"}})
    assert organizer_id(guest, local_mode=False) is None
    assert organizer_id(guest, local_mode=True) == "29:guest"  # simulated meetings only


@pytest.mark.parametrize(
    ("channel_data", "conversation", "expected"),
    [
        ({"tenant": {"id": TENANT_ID.upper()}}, {"id": "a:1"}, {TENANT_ID}),
        ({}, {"id": "a:1", "tenantId": TENANT_ID}, {TENANT_ID}),  # Teams' own spelling
        ({}, {"id": "a:1", "tenantID": TENANT_ID}, {TENANT_ID}),  # botbuilder's
        ({"tenant": {"id": TENANT_ID}}, {"id": "a:1", "tenantId": OTHER}, {TENANT_ID, OTHER}),
        ({"tenant": "x"}, {"id": "a:1"}, set()),
        ({"tenant": {"id": 5}}, {"id": "a:1"}, set()),
        ("not an object", {"id": "a:1", "tenantId": " "}, set()),
        (None, {"id": "a:1"}, set()),
    ],
    ids=["channel-data", "conversation", "conversation-botbuilder", "both-disagree",
         "tenant-string", "tenant-id-number", "channel-data-string", "none"],
)  # fmt: skip
def test_tenants_are_read_from_both_places_teams_names_them(
    channel_data: Any, conversation: dict[str, str], expected: set[str]
) -> None:
    named = tenant_ids(activity(channelData=channel_data, conversation=conversation))
    assert named == frozenset(expected)


@pytest.mark.parametrize(
    "stamp",
    ["9999-12-30T00:00:00+14:00", "0001-01-02T00:00:00-11:00", "9500-01-01T00:00:00Z"],
)
def test_a_clock_at_the_edge_of_time_is_not_the_senders(stamp: str) -> None:
    clock = sender_clock(activity(localTimestamp=stamp), SERVER_NOW)
    assert clock.now == SERVER_NOW and clock.zone.key == "America/Los_Angeles"
