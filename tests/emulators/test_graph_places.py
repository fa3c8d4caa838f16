"""The Graph emulator's rooms list (`GET /v1.0/places/microsoft.graph.room`) and its admin
switch, over a real TLS socket."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator

import httpx
import pytest

from bot.serve import serve
from emulators.graph import GraphEmulator
from emulators.graph.places import ROOMS, ROOMS_PATH
from emulators.tls import make_loopback_identity

TENANT = "6c7e1f0a-5b3d-4e2f-9a8b-0c1d2e3f4a5b"


@pytest.fixture
async def setup() -> AsyncIterator[tuple[GraphEmulator, httpx.AsyncClient, str]]:
    identity = make_loopback_identity()
    emulator = GraphEmulator()
    served = await serve(emulator.app, ssl_context=identity.server_context())
    verify = ssl.create_default_context(cadata=identity.cert_pem.decode())
    async with httpx.AsyncClient(base_url=served.url, verify=verify) as client:
        form = {
            "grant_type": "client_credentials",
            "client_id": "meetbot-local",
            "client_secret": "meetbot-local-secret",
            "scope": "https://graph.microsoft.com/.default",
        }
        token = (await client.post(f"/{TENANT}/oauth2/v2.0/token", data=form)).json()
        yield emulator, client, str(token["access_token"])
    await served.close()


async def test_the_rooms_are_listed_as_graph_lists_places(
    setup: tuple[GraphEmulator, httpx.AsyncClient, str],
) -> None:
    emulator, client, token = setup
    response = await client.get(ROOMS_PATH, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.headers["request-id"]
    body = response.json()
    assert body["@odata.context"].endswith("$metadata#places/microsoft.graph.room")
    assert [(r["displayName"], r["emailAddress"]) for r in body["value"]] == [
        (room.display_name, room.email_address) for room in ROOMS
    ]
    assert "Conf Room 3" in [r["displayName"] for r in body["value"]]
    assert [r.path for r in emulator.requests] == [f"/{TENANT}/oauth2/v2.0/token", ROOMS_PATH]


async def test_without_a_token_or_with_the_switch_off_it_is_refused(
    setup: tuple[GraphEmulator, httpx.AsyncClient, str],
) -> None:
    emulator, client, token = setup
    assert (await client.get(ROOMS_PATH)).status_code == 401
    switched = await client.put("/_emulator/places", json={"readable": False})
    assert switched.json() == {"readable": False}
    refused = await client.get(ROOMS_PATH, headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "ErrorAccessDenied"
    assert (await client.put("/_emulator/places", json={"readable": "no"})).status_code == 400
    emulator.reset()  # a reset grants it again
    again = await client.get(ROOMS_PATH, headers={"Authorization": f"Bearer {token}"})
    assert again.status_code == 200
