"""The Bot Connector emulator answers botbuilder's own ConnectorClient like the real service."""

from __future__ import annotations

import httpx
from botbuilder.schema import Activity, ActivityTypes
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import MicrosoftAppCredentials

from tests.conftest import RunningConnector

CHANNEL_THREAD = "19:abc@thread.tacv2;messageid=1700000000001"


def client(connector: RunningConnector) -> ConnectorClient:
    return ConnectorClient(MicrosoftAppCredentials("", ""), base_url=connector.url)


async def test_replies_and_updates_are_recorded_per_conversation(
    connector: RunningConnector,
) -> None:
    connector_client = client(connector)
    reply = Activity(type=ActivityTypes.message, text="hello", reply_to_id="1700000000001")
    sent = await connector_client.conversations.reply_to_activity(
        CHANNEL_THREAD, "1700000000001", reply
    )
    await connector_client.conversations.update_activity(
        CHANNEL_THREAD, sent.id, Activity(type=ActivityTypes.message, text="edited")
    )
    calls = connector.emulator.activities(CHANNEL_THREAD)
    assert [(c.kind, c.activity_id, c.body["text"]) for c in calls] == [
        ("reply", "1700000000001", "hello"),
        ("update", sent.id, "edited"),
    ]
    assert connector.emulator.activities("another") == []


async def test_members_are_served_by_id_or_entra_id(connector: RunningConnector) -> None:
    adele = {
        "id": "29:adele",
        "aadObjectId": "aad-adele",
        "name": "Adele Vance",
        "email": "AdeleV@contoso.com",
        "userPrincipalName": "adelev@contoso.com",
    }
    connector.emulator.add_member(CHANNEL_THREAD, adele)
    connector_client = client(connector)
    by_id = await connector_client.conversations.get_conversation_member(CHANNEL_THREAD, "29:adele")
    by_aad = await connector_client.conversations.get_conversation_member(
        CHANNEL_THREAD, "aad-adele"
    )
    assert by_id.name == by_aad.name == "Adele Vance"
    members = await connector_client.conversations.get_conversation_members(CHANNEL_THREAD)
    assert [m.id for m in members] == ["29:adele"]


async def test_an_unknown_member_is_404(connector: RunningConnector) -> None:
    async with httpx.AsyncClient(base_url=connector.url) as http:
        response = await http.get("/v3/conversations/a%3A1/members/29%3Anobody")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "MemberNotFoundInConversation"
