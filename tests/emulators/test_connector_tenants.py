"""The connector emulator's per-app limit is per tenant, as Teams' is, and it counts each
tenant's sends: accepted, refused 429, recognised as duplicates."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from bot.serve import serve
from emulators.connector import ConnectorEmulator, TenantCounts

MESSAGE: dict[str, Any] = {"type": "message", "text": "hi"}


def send_url(conversation_id: str) -> str:
    return f"/v3/conversations/{conversation_id}/activities"


def in_conversation(tenant: str) -> dict[str, Any]:
    return MESSAGE | {"conversation": {"id": "ignored", "tenantId": tenant}}


def in_channel_data(tenant: str) -> dict[str, Any]:
    return MESSAGE | {"channelData": {"tenant": {"id": tenant}}}


class Limited:
    def __init__(self, emulator: ConnectorEmulator, http: httpx.AsyncClient) -> None:
        self.emulator = emulator
        self.http = http

    async def post(self, conversation_id: str, body: dict[str, Any]) -> int:
        return (await self.http.post(send_url(conversation_id), json=body)).status_code


@pytest.fixture
async def limited() -> AsyncIterator[Limited]:
    """An emulator allowing 3 sends a second per app (and tenant), on a clock that stands."""
    emulator = ConnectorEmulator(rate_limits=True, clock=lambda: 1000.0, app_limits=((3, 1.0),))
    served = await serve(emulator.app)
    try:
        async with httpx.AsyncClient(base_url=served.url) as http:
            yield Limited(emulator, http)
    finally:
        await served.close()


async def test_each_tenant_has_its_own_per_app_budget(limited: Limited) -> None:
    first = [await limited.post(f"a:{n}", in_conversation("t1")) for n in range(4)]
    second = [await limited.post(f"b:{n}", in_channel_data("t2")) for n in range(4)]
    # botbuilder's ConversationAccount writes the tenant as `tenantID`.
    botbuilder = await limited.post("a:9", MESSAGE | {"conversation": {"tenantID": "t1"}})
    untold = [await limited.post(f"c:{n}", MESSAGE) for n in range(4)]

    assert first == [201, 201, 201, 429]
    assert second == [201, 201, 201, 429]
    assert botbuilder == 429  # t1's budget is spent
    assert untold == [201, 201, 201, 429]  # sends of no known tenant share a budget of their own
    assert limited.emulator.tenant_counts("t1") == TenantCounts(accepted=3, throttled=2)
    assert limited.emulator.tenant_counts("t2") == TenantCounts(accepted=3, throttled=1)


async def test_a_conversation_keeps_the_tenant_a_send_named(limited: Limited) -> None:
    named = [await limited.post("a:1", in_conversation("t1")) for _ in range(2)]
    unnamed = [await limited.post("a:1", MESSAGE) for _ in range(2)]
    elsewhere = await limited.post("b:1", in_conversation("t2"))

    assert named == [201, 201] and unnamed == [201, 429] and elsewhere == 201
    assert limited.emulator.tenant_counts("t1") == TenantCounts(accepted=3, throttled=1)


async def test_the_tenant_of_a_conversation_can_be_told(limited: Limited) -> None:
    told = await limited.http.put(
        "/_emulator/tenants", json={"conversations": {"a:1": "t1", "a:2": "t1", "b:1": "t2"}}
    )
    limited.emulator.set_tenant("a:3", "t1")
    t1 = [await limited.post(f"a:{n}", MESSAGE) for n in (1, 2, 3, 1)]
    t2 = await limited.post("b:1", MESSAGE)
    refused = await limited.http.put("/_emulator/tenants", json={"conversations": {"a:4": 7}})
    not_a_map = await limited.http.put("/_emulator/tenants", json={"conversations": ["a:4"]})

    assert told.status_code == 200 and told.json() == {"conversations": 3}
    assert t1 == [201, 201, 201, 429] and t2 == 201
    assert refused.status_code == 400 and not_a_map.status_code == 400


async def test_a_created_conversation_is_in_the_tenant_it_was_created_in(limited: Limited) -> None:
    created = await limited.http.post(
        "/v3/conversations", json={"tenantId": "t1", "members": [{"id": "29:u"}]}
    )
    cid = created.json()["id"]
    sends = [await limited.post(cid, MESSAGE) for _ in range(4)]

    assert sends == [201, 201, 201, 429]
    assert limited.emulator.tenant_counts("t1") == TenantCounts(accepted=3, throttled=1)


async def test_stats_count_each_tenants_sends_429s_and_duplicates(limited: Limited) -> None:
    keyed = in_conversation("t1") | {"id": "k"}
    for _ in range(3):
        await limited.post("a:1", keyed)  # one accepted, two resends recognised
    for n in range(4):
        await limited.post(f"b:{n}", in_channel_data("t2"))
    await limited.post("c:1", MESSAGE)  # no tenant: counted overall only
    stats = (await limited.http.get("/_emulator/stats")).json()
    await limited.http.post("/_emulator/reset")
    cleared = (await limited.http.get("/_emulator/stats")).json()

    assert stats == {
        "calls": 5,
        "activities": 5,
        "throttled": 1,
        "duplicates": 2,
        "tenants": {
            "t1": {"accepted": 1, "throttled": 0, "duplicates": 2},
            "t2": {"accepted": 3, "throttled": 1, "duplicates": 0},
        },
    }
    assert cleared == {"calls": 0, "activities": 0, "throttled": 0, "duplicates": 0}
    assert limited.emulator.stats() == cleared


async def test_a_429_for_the_tenant_says_so(limited: Limited) -> None:
    for n in range(3):
        await limited.post(f"a:{n}", in_conversation("t1"))
    refused = await limited.http.post(send_url("a:3"), json=in_conversation("t1"))

    assert refused.status_code == 429 and refused.headers["Retry-After"] == "1"
    assert refused.json()["error"]["message"] == "Too many requests for this app in this tenant."
