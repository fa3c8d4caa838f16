"""The connector emulator playing the Teams client: it answers the bot's OAuth cards with the
invokes Teams sends, against the token service stand-in and a small bot that redeems them."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt
import pytest
from aiohttp import web
from botbuilder.core import CardFactory, MessageFactory
from botbuilder.schema import ActionTypes, CardAction, OAuthCard
from botframework.connector.token_api.models import TokenExchangeResource

from bot.serve import Served, serve
from emulators.channel_identity import CHANNEL_ISSUER, ChannelIdentity
from emulators.connector import ConnectorEmulator
from emulators.teams_client import ClientSettings, settings_from_json
from emulators.token_service import TokenService
from tests.factories import BOT_ID, TENANT_ID

CONNECTION = "graph"
ADA = {
    "id": "29:ada-teams-id",
    "name": "Ada",
    "aadObjectId": "5f0c1a2b-0000-4e5f-8a9b-00000000ada0",
}
BEN = {
    "id": "29:ben-teams-id",
    "name": "Ben",
    "aadObjectId": "5f0c1a2b-0000-4e5f-8a9b-00000000be00",
}
GROUP = "19:group-chat@thread.v2"


@dataclass
class SignInBot:
    """A bot's sign-in endpoint in a few lines: it redeems what the client sends at the token
    service, as botbuilder's OAuthPrompt does, and answers 200, or 412 when the exchange fails."""

    token_service_url: str
    received: list[dict[str, Any]] = field(default_factory=list)
    authorizations: list[str | None] = field(default_factory=list)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/api/messages", self._messages)
        return app

    async def _messages(self, request: web.Request) -> web.Response:
        activity = await request.json()
        self.received.append(activity)
        self.authorizations.append(request.headers.get("Authorization"))
        value = activity["value"]
        query = {"userId": activity["from"]["id"], "channelId": activity["channelId"]}
        async with httpx.AsyncClient(base_url=self.token_service_url) as http:
            if activity["name"] == "signin/tokenExchange":
                query["connectionName"] = value["connectionName"]
                answer = await http.post(
                    "/api/usertoken/exchange", params=query, json={"token": value["token"]}
                )
                status = 200 if answer.status_code == 200 else 412
                return web.json_response({"id": value["id"]}, status=status)
            query |= {"connectionName": CONNECTION, "code": value["state"]}
            answer = await http.get("/api/usertoken/GetToken", params=query)
            return web.json_response({}, status=200 if answer.status_code == 200 else 404)


@dataclass
class Stage:
    tokens: TokenService
    tokens_url: str
    connector: ConnectorEmulator
    connector_url: str
    bot: SignInBot
    bot_url: str

    async def send_card(self, user: dict[str, str], conversation_id: str = GROUP) -> str:
        """Post an OAuth card for `user` to the connector as botbuilder's OAuthPrompt writes
        it; returns the card's tokenExchangeResource id."""
        state = base64.b64encode(
            json.dumps(
                {
                    "msAppId": "local-bot",
                    "connectionName": CONNECTION,
                    "conversation": {"user": user},
                }
            ).encode()
        ).decode()
        async with httpx.AsyncClient(base_url=self.tokens_url) as http:
            resource = (
                await http.get("/api/botsignin/GetSignInResource", params={"state": state})
            ).json()
        exchange = TokenExchangeResource(
            **{
                "id": resource["tokenExchangeResource"]["id"],
                "uri": resource["tokenExchangeResource"]["uri"],
                "provider_id": resource["tokenExchangeResource"]["providerId"],
            }
        )
        card = CardFactory.oauth_card(
            OAuthCard(
                text="Sign in to Meetbot",
                connection_name=CONNECTION,
                buttons=[
                    CardAction(
                        type=ActionTypes.signin, title="Sign in", value=resource["signInLink"]
                    )
                ],
                token_exchange_resource=exchange.as_dict(),
            )
        )
        activity = MessageFactory.attachment(card)
        body = activity.serialize() | {
            "from": {"id": BOT_ID, "name": "Meetbot"},
            "recipient": {"id": user["id"], "name": user["name"]},  # no aadObjectId: the roster
            "conversation": {"id": conversation_id, "tenantId": TENANT_ID, "isGroup": True},
        }
        async with httpx.AsyncClient(base_url=self.connector_url) as http:
            sent = await http.post(f"/v3/conversations/{conversation_id}/activities", json=body)
        assert sent.status_code == 201
        return str(resource["tokenExchangeResource"]["id"])

    def configure(self, **options: Any) -> None:
        self.connector.teams_client.configure(
            ClientSettings(
                bot_url=f"{self.bot_url}/api/messages", token_service=self.tokens, **options
            )
        )


@pytest.fixture
async def stage() -> AsyncIterator[Stage]:
    tokens = TokenService()
    connector = ConnectorEmulator()
    served: list[Served] = []
    try:
        served.append(await serve(tokens.app))
        served.append(await serve(connector.app))
        bot = SignInBot(served[0].url)
        served.append(await serve(bot.app()))
        for member in (ADA, BEN):
            connector.add_member(GROUP, member)
        yield Stage(tokens, served[0].url, connector, served[1].url, bot, served[2].url)
    finally:
        for running in reversed(served):
            await running.close()


async def test_sso_sends_one_exchange_per_open_client_with_the_cards_id(stage: Stage) -> None:
    stage.configure(answer="sso", clients=3)
    exchange_id = await stage.send_card(ADA)
    await stage.connector.teams_client.idle()

    invokes = stage.connector.teams_client.invokes
    assert [(i.name, i.status, i.user_id) for i in invokes] == [
        ("signin/tokenExchange", 200, ADA["id"])
    ] * 3
    assert {i.value["id"] for i in invokes} == {exchange_id}
    assert len({i.value["token"] for i in invokes}) == 1
    [activity, *_] = stage.bot.received
    assert activity["type"] == "invoke" and activity["channelId"] == "msteams"
    assert activity["serviceUrl"] == stage.connector_url
    assert activity["from"] == ADA  # its aadObjectId from the roster
    assert activity["recipient"] == {"id": BOT_ID, "name": "Meetbot"}
    assert activity["conversation"]["id"] == GROUP
    assert activity["channelData"] == {"tenant": {"id": TENANT_ID}}
    assert activity["value"]["connectionName"] == CONNECTION
    assert len({a["id"] for a in stage.bot.received}) == 3  # three activities, one exchange id
    sso = jwt.decode(activity["value"]["token"], options={"verify_signature": False})
    assert sso["oid"] == ADA["aadObjectId"] and sso["aud"] == stage.tokens.resource_uri
    held = [t.aad_object_id for t in stage.tokens.issued]
    assert held == [ADA["aadObjectId"]] * 3


async def test_magic_code_opens_the_link_and_sends_verify_state(stage: Stage) -> None:
    stage.configure(answer="magic-code")
    await stage.send_card(BEN)
    await stage.connector.teams_client.idle()

    [invoke] = stage.connector.teams_client.invokes
    assert invoke.name == "signin/verifyState" and invoke.status == 200
    assert invoke.user_id == BEN["id"]
    code = invoke.value["state"]
    assert len(code) == 6 and code.isdigit()
    assert stage.tokens.stored(BEN["id"], CONNECTION, "msteams") is not None
    assert stage.tokens.stored(ADA["id"], CONNECTION, "msteams") is None


async def test_a_412_to_every_exchange_falls_back_to_the_sign_in_link(stage: Stage) -> None:
    stage.configure(answer="sso-then-magic-code", clients=2)
    stage.tokens.fail_next_exchange(2)
    await stage.send_card(ADA)
    await stage.connector.teams_client.idle()

    invokes = stage.connector.teams_client.invokes
    assert [(i.name, i.status) for i in invokes] == [
        ("signin/tokenExchange", 412),
        ("signin/tokenExchange", 412),
        ("signin/verifyState", 200),
    ]
    assert stage.tokens.stored(ADA["id"], CONNECTION, "msteams") is not None


async def test_sso_alone_stops_at_the_412(stage: Stage) -> None:
    stage.configure(answer="sso")
    stage.tokens.fail_next_exchange()
    await stage.send_card(ADA)
    await stage.connector.teams_client.idle()

    assert [(i.name, i.status) for i in stage.connector.teams_client.invokes] == [
        ("signin/tokenExchange", 412)
    ]
    assert stage.tokens.stored(ADA["id"], CONNECTION, "msteams") is None


async def test_unconfigured_the_card_is_only_recorded(stage: Stage) -> None:
    await stage.send_card(ADA)
    await stage.connector.teams_client.idle()

    assert stage.connector.teams_client.invokes == []
    assert stage.bot.received == []
    [call] = stage.connector.activities(GROUP)
    assert call.body["attachments"][0]["contentType"] == "application/vnd.microsoft.card.oauth"


async def test_the_admin_api_configures_lists_and_stops_the_client(stage: Stage) -> None:
    async with httpx.AsyncClient(base_url=stage.connector_url) as http:
        configured = await http.post(
            "/_emulator/teams-client",
            json={"botUrl": f"{stage.bot_url}/api/messages", "answer": "sso", "clients": 2},
        )
        await stage.send_card(ADA)
        await stage.connector.teams_client.idle()
        listed = (await http.get("/_emulator/teams-client")).json()
        stopped = await http.delete("/_emulator/teams-client")
        await stage.send_card(BEN)
        await stage.connector.teams_client.idle()
        after = (await http.get("/_emulator/teams-client")).json()
        refused = await http.post("/_emulator/teams-client", json={"answer": "sso"})
    assert configured.status_code == 201 and stopped.status_code == 204
    # Over HTTP the SSO token came from the service that issued the sign-in link.
    assert [(i["name"], i["status"], i["userId"]) for i in listed] == [
        ("signin/tokenExchange", 200, ADA["id"])
    ] * 2
    assert after == listed
    assert refused.status_code == 400


async def test_a_connector_with_a_channel_identity_signs_the_invokes() -> None:
    identity = ChannelIdentity("bot-app-id", "bot-password")
    tokens = TokenService()
    connector = ConnectorEmulator(identity=identity)
    served_tokens = await serve(tokens.app)
    bot = SignInBot(served_tokens.url)
    served_bot = await serve(bot.app())
    try:
        connector.add_member(GROUP, ADA)
        connector.teams_client.configure(
            ClientSettings(bot_url=f"{served_bot.url}/api/messages", token_service=tokens)
        )
        card = {
            "type": "message",
            "from": {"id": BOT_ID},
            "recipient": {"id": ADA["id"]},
            "conversation": {"id": GROUP, "tenantId": TENANT_ID},
            "attachments": [
                {
                    "contentType": "application/vnd.microsoft.card.oauth",
                    "content": {"connectionName": CONNECTION, "buttons": []},
                }
            ],
        }
        connector.teams_client.saw(
            card,
            conversation_id=GROUP,
            service_url="http://connector.test",
            roster={ADA["id"]: ADA},
        )
        await connector.teams_client.idle()
    finally:
        await served_bot.close()
        await served_tokens.close()
    [authorization] = bot.authorizations
    assert authorization is not None
    claims = jwt.decode(
        authorization.removeprefix("Bearer "),
        identity.channel_key.private_key.public_key(),
        algorithms=["RS256"],
        audience="bot-app-id",
    )
    assert claims["iss"] == CHANNEL_ISSUER and claims["serviceurl"] == "http://connector.test"
    [invoke] = connector.teams_client.invokes
    assert invoke.status == 200 and invoke.value["id"]  # a card without a resource: a fresh id


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"botUrl": "http://bot/api/messages", "answer": "wave"},
        {"botUrl": "http://bot/api/messages", "clients": 0},
        {"botUrl": "ftp://bot"},
        {"botUrl": "http://bot/api/messages", "clients": True},
        {"botUrl": "http://bot/api/messages", "replicas": "http://other"},
        {"botUrl": "http://bot/api/messages", "replicas": ["bot2"]},
    ],
)
def test_settings_refuse_what_a_client_cannot_do(body: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        settings_from_json(body)


async def test_exchanges_are_spread_over_the_bots_replicas(stage: Stage) -> None:
    second = SignInBot(stage.tokens_url)
    served = await serve(second.app())
    try:
        stage.configure(answer="sso", clients=3, replicas=(f"{served.url}/api/messages",))
        exchange_id = await stage.send_card(ADA)
        await stage.connector.teams_client.idle()
    finally:
        await served.close()
    assert len(stage.bot.received) == 2 and len(second.received) == 1
    ids = {a["value"]["id"] for a in [*stage.bot.received, *second.received]}
    assert ids == {exchange_id}
    assert [i.status for i in stage.connector.teams_client.invokes] == [200] * 3
