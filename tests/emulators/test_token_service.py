"""The local Bot Framework token service, over HTTP and through botbuilder's UserTokenClient."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from botbuilder.schema import Activity, ActivityTypes, ChannelAccount, ConversationAccount
from botframework.connector.auth import UserTokenClient
from botframework.connector.auth._user_token_client_impl import _UserTokenClientImpl
from botframework.connector.token_api.models import TokenExchangeRequest
from jwt.algorithms import RSAAlgorithm
from msrest.authentication import BasicTokenAuthentication

from bot.serve import serve
from emulators.channel_identity import LOGIN_TENANT, ChannelIdentity
from emulators.cli import parser
from emulators.connector import ConnectorEmulator
from emulators.token_service import DEFAULT_TENANT, GRAPH_AUDIENCE, TokenService
from tests.processes import read_until, start

BOT_ID = "bot-app-id"
BOT_PASSWORD = "bot-password"
CONNECTION = "graph"
USER = "29:1teams-user-id"
OID = "5f0c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b"


@dataclass
class Running:
    service: TokenService
    url: str
    bot_token: str

    def user_query(self, **extra: str) -> dict[str, str]:
        return {"userId": USER, "connectionName": CONNECTION, "channelId": "msteams"} | extra

    def client(self, token: str | None = None) -> httpx.AsyncClient:
        headers = {"Authorization": f"Bearer {token or self.bot_token}"}
        return httpx.AsyncClient(base_url=self.url, headers=headers)


async def _bot_token(url: str) -> str:
    """A bot token from the service's own login, as botbuilder's credentials would get it."""
    async with httpx.AsyncClient(base_url=url) as http:
        login = await http.post(
            f"/{LOGIN_TENANT}/oauth2/v2.0/token",
            data={
                "grant_type": "client_credentials",
                "client_id": BOT_ID,
                "client_secret": BOT_PASSWORD,
                "scope": "https://api.botframework.com/.default",
            },
        )
    token: str = login.json()["access_token"]
    return token


@pytest.fixture
async def running() -> AsyncIterator[Running]:
    service = TokenService(identity=ChannelIdentity(BOT_ID, BOT_PASSWORD))
    served = await serve(service.app)
    yield Running(service, served.url, await _bot_token(served.url))
    await served.close()


def _activity() -> Activity:
    return Activity(
        type=ActivityTypes.message,
        id="1700000000001",
        channel_id="msteams",
        service_url="https://smba.example.com/",
        from_property=ChannelAccount(id=USER, name="Ada", aad_object_id=OID),
        recipient=ChannelAccount(id=f"28:{BOT_ID}", name="Meetbot"),
        conversation=ConversationAccount(id="a:1personal-chat"),
        text="meet ada tomorrow 10:00",
    )


def _state(activity: Activity) -> str:
    return UserTokenClient.create_token_exchange_state(BOT_ID, CONNECTION, activity)


async def _graph_claims(running: Running, token: str) -> dict[str, Any]:
    async with running.client() as http:
        [key] = (await http.get(f"/{DEFAULT_TENANT}/discovery/v2.0/keys")).json()["keys"]
    public = RSAAlgorithm.from_jwk(json.dumps(key))
    claims: dict[str, Any] = jwt.decode(
        token,
        public,
        algorithms=["RS256"],
        audience=GRAPH_AUDIENCE,  # type: ignore[arg-type]
    )
    return claims


async def test_botbuilders_user_token_client_signs_in_exchanges_and_signs_out(
    running: Running,
) -> None:
    client = _UserTokenClientImpl(
        BOT_ID,
        BasicTokenAuthentication({"access_token": running.bot_token}),  # type: ignore[arg-type]
        running.url,
    )
    activity = _activity()
    assert await client.get_user_token(USER, CONNECTION, "msteams", None) is None

    resource = await client.get_sign_in_resource(CONNECTION, activity, None)
    exchange = resource.token_exchange_resource
    assert exchange.uri == f"api://meetbot.localhost/botid-{BOT_ID}"
    assert exchange.id and exchange.provider_id
    assert resource.sign_in_link.startswith(running.url)

    sso = running.service.sso_token(USER, OID)
    exchanged = await client.exchange_token(
        USER, CONNECTION, "msteams", TokenExchangeRequest(uri=exchange.uri, token=sso)
    )
    assert exchanged.token and exchanged.connection_name == CONNECTION
    held = await client.get_user_token(USER, CONNECTION, "msteams", None)
    assert held is not None and held.token == exchanged.token
    claims = await _graph_claims(running, held.token)
    assert claims["oid"] == OID and claims["tid"] == DEFAULT_TENANT
    assert claims["iss"] == f"https://sts.windows.net/{DEFAULT_TENANT}/"
    assert claims["appid"] == BOT_ID
    assert claims["scp"].split() == ["Calendars.ReadWrite", "OnlineMeetings.ReadWrite"]
    assert claims["exp"] > claims["iat"]
    [status] = await client.get_token_status(USER, "msteams", None)
    assert status.connection_name == CONNECTION and status.has_token

    await client.sign_out_user(USER, CONNECTION, "msteams")
    assert await client.get_user_token(USER, CONNECTION, "msteams", None) is None


async def test_every_call_needs_the_bots_own_token(running: Running) -> None:
    channel_token = running.service.identity.channel_token(running.url)  # type: ignore[union-attr]
    answers = []
    for token in ("not-a-token", channel_token):
        async with running.client(token) as http:
            answers.append(
                (await http.get("/api/usertoken/GetToken", params=running.user_query())).status_code
            )
    async with httpx.AsyncClient(base_url=running.url) as http:
        answers.append(
            (await http.get("/api/usertoken/GetToken", params=running.user_query())).status_code
        )
    async with running.client() as http:
        answers.append(
            (await http.get("/api/usertoken/GetToken", params=running.user_query())).status_code
        )
    assert answers == [401, 401, 401, 404]
    assert running.service.unauthorized == 3


async def test_an_exchange_of_anything_but_a_valid_sso_token_answers_an_error_body(
    running: Running,
) -> None:
    other = TokenService()  # another signer: its SSO token is not this service's
    expired = running.service.sso_token(USER, OID, expires_in=-10)
    async with running.client() as http:
        statuses = []
        for token in ("garbage", other.sso_token(USER, OID), expired):
            answer = await http.post(
                "/api/usertoken/exchange", params=running.user_query(), json={"token": token}
            )
            statuses.append(answer.status_code)
            assert answer.json()["error"]["code"] == "BadArgument"
        none = await http.get("/api/usertoken/GetToken", params=running.user_query())
    assert statuses == [400, 400, 400]
    assert none.status_code == 404 and running.service.issued == []


async def test_the_admin_api_fails_the_next_exchange_then_lets_one_through(
    running: Running,
) -> None:
    sso = running.service.sso_token(USER, OID)
    async with running.client() as http:
        assert (await http.post("/_emulator/faults", json={"exchange": 1})).status_code == 200
        assert (await http.post("/_emulator/faults", json={"exchange": 0})).status_code == 400
        body = {"token": sso}
        first = await http.post("/api/usertoken/exchange", params=running.user_query(), json=body)
        second = await http.post("/api/usertoken/exchange", params=running.user_query(), json=body)
        listed = (await http.get("/_emulator/tokens")).json()
    assert (first.status_code, second.status_code) == (400, 200)
    assert [(entry["userId"], entry["aadObjectId"]) for entry in listed] == [(USER, OID)]
    assert listed[0]["token"] == second.json()["token"]


async def test_revoked_consent_drops_the_users_tokens_and_refuses_exchanges(
    running: Running,
) -> None:
    sso = running.service.sso_token(USER, OID)
    query = running.user_query()
    async with running.client() as http:
        assert (
            await http.post("/api/usertoken/exchange", params=query, json={"token": sso})
        ).is_success
        await http.post("/_emulator/consent/revoke", json={"aadObjectId": OID})
        gone = await http.get("/api/usertoken/GetToken", params=query)
        refused = await http.post("/api/usertoken/exchange", params=query, json={"token": sso})
        await http.post("/_emulator/consent/grant", json={"aadObjectId": OID})
        again = await http.post("/api/usertoken/exchange", params=query, json={"token": sso})
    assert gone.status_code == 404
    assert refused.status_code == 400 and "consent" in refused.json()["error"]["message"]
    assert again.status_code == 200


async def test_the_sign_in_link_gives_a_magic_code_that_get_token_redeems_once(
    running: Running,
) -> None:
    async with running.client() as http:
        resource = await http.get(
            "/api/botsignin/GetSignInResource", params={"state": _state(_activity())}
        )
        link = resource.json()["signInLink"]
        async with httpx.AsyncClient() as browser:  # the user's browser: no bot token
            page = await browser.get(link)
        code = page.headers["X-Magic-Code"]
        assert code in page.text and len(code) == 6
        wrong_user = await http.get(
            "/api/usertoken/GetToken", params=running.user_query(userId="29:other", code=code)
        )
        redeemed = await http.get("/api/usertoken/GetToken", params=running.user_query(code=code))
        await http.delete("/api/usertoken/SignOut", params=running.user_query())
        replayed = await http.get("/api/usertoken/GetToken", params=running.user_query(code=code))
    assert wrong_user.status_code == 404
    assert redeemed.status_code == 200
    claims = await _graph_claims(running, redeemed.json()["token"])
    assert claims["oid"] == OID
    assert replayed.status_code == 404


async def test_an_exchange_by_uri_returns_the_token_already_held(running: Running) -> None:
    uri = running.service.resource_uri
    query = running.user_query()
    async with running.client() as http:
        before = await http.post("/api/usertoken/exchange", params=query, json={"uri": uri})
        sso = running.service.sso_token(USER, OID)
        held = await http.post("/api/usertoken/exchange", params=query, json={"token": sso})
        after = await http.post("/api/usertoken/exchange", params=query, json={"uri": uri})
        aad = await http.post(
            "/api/usertoken/GetAadTokens",
            params=query,
            json={"resourceUrls": [GRAPH_AUDIENCE]},
        )
    assert before.status_code == 400
    assert after.json()["token"] == held.json()["token"]
    assert aad.json()[GRAPH_AUDIENCE]["token"] == held.json()["token"]


async def test_the_sso_token_endpoint_and_reset(running: Running) -> None:
    async with running.client() as http:
        minted = await http.post("/_emulator/sso-token", json={"userId": USER, "aadObjectId": OID})
        sso = minted.json()["token"]
        await http.post("/api/usertoken/exchange", params=running.user_query(), json={"token": sso})
        await http.post("/_emulator/reset")
        after = await http.get("/api/usertoken/GetToken", params=running.user_query())
        bad = await http.post("/_emulator/sso-token", json={"userId": USER})
    claims = jwt.decode(sso, options={"verify_signature": False})
    assert claims["aud"] == running.service.resource_uri and claims["oid"] == OID
    assert after.status_code == 404 and running.service.issued == []
    assert bad.status_code == 400


async def test_a_sign_in_resource_for_a_state_that_is_not_this_bots_is_refused(
    running: Running,
) -> None:
    async with running.client() as http:
        answers = [
            (await http.get("/api/botsignin/GetSignInResource", params={"state": state}))
            for state in (
                "not base64!",
                base64.b64encode(b"[]").decode(),
                UserTokenClient.create_token_exchange_state("another-bot", CONNECTION, _activity()),
            )
        ]
    assert [answer.status_code for answer in answers] == [400, 400, 400]


def test_the_command_line_knows_the_token_service() -> None:
    args = parser().parse_args(
        ["token-service", "--port", "0", "--app-id", BOT_ID, "--app-password", "secret"]
    )
    assert (args.command, args.port, args.app_id) == ("token-service", 0, BOT_ID)


async def test_meetbot_token_service_serves_until_stopped(tmp_path: Path) -> None:
    process = await start(
        ["token-service", "--port", "0", "--app-id", BOT_ID, "--app-password", BOT_PASSWORD],
        tmp_path,
    )
    assert process.stdout is not None
    try:
        line = await asyncio.wait_for(read_until(process.stdout, "listening on", []), 30)
        url = line.split("listening on ", 1)[1].split()[0]
        query = {"userId": USER, "connectionName": CONNECTION, "channelId": "msteams"}
        async with httpx.AsyncClient(base_url=url) as http:
            refused = await http.get("/api/usertoken/GetToken", params=query)
            headers = {"Authorization": f"Bearer {await _bot_token(url)}"}
            none = await http.get("/api/usertoken/GetToken", params=query, headers=headers)
    finally:
        process.terminate()
        code = await asyncio.wait_for(process.wait(), 10)
    assert "the bot's token required" in line
    assert (refused.status_code, none.status_code, code) == (401, 404, 0)


async def test_tokens_expire_on_the_services_clock() -> None:
    now = [1_800_000_000.0]
    service = TokenService(clock=lambda: now[0], token_lifetime_s=600)
    served = await serve(service.app)
    query = {"userId": USER, "connectionName": CONNECTION, "channelId": "msteams"}
    try:
        async with httpx.AsyncClient(base_url=served.url) as http:
            sso = service.sso_token(USER, OID, expires_in=300)
            held = await http.post("/api/usertoken/exchange", params=query, json={"token": sso})
            now[0] += 400  # past the SSO token's expiry, not yet the Graph token's
            still = await http.get("/api/usertoken/GetToken", params=query)
            late = await http.post("/api/usertoken/exchange", params=query, json={"token": sso})
            now[0] += 300
            gone = await http.get("/api/usertoken/GetToken", params=query)
    finally:
        await served.close()
    assert held.status_code == 200 and still.json()["token"] == held.json()["token"]
    assert late.status_code == 400 and "expired" in late.json()["error"]["message"]
    assert gone.status_code == 404


async def test_beside_a_connector_emulator_one_identity_serves_both() -> None:
    identity = ChannelIdentity(BOT_ID, BOT_PASSWORD)
    connector = await serve(ConnectorEmulator(identity=identity).app)
    tokens = await serve(TokenService(identity=identity).app)
    query = {"userId": USER, "connectionName": CONNECTION, "channelId": "msteams"}
    try:
        token = await _bot_token(connector.url)  # the bot's one login: the connector's
        async with httpx.AsyncClient(base_url=tokens.url) as http:
            headers = {"Authorization": f"Bearer {token}"}
            answer = await http.get("/api/usertoken/GetToken", params=query, headers=headers)
    finally:
        await tokens.close()
        await connector.close()
    assert answer.status_code == 404


async def test_in_a_group_chat_a_magic_code_is_redeemed_only_by_the_user_it_was_made_for(
    running: Running,
) -> None:
    ada = _activity()
    ada.conversation = ConversationAccount(id="19:group@thread.v2", is_group=True)
    other = "29:1another-member"
    async with running.client() as http:
        resource = await http.get("/api/botsignin/GetSignInResource", params={"state": _state(ada)})
        async with httpx.AsyncClient() as browser:
            code = (await browser.get(resource.json()["signInLink"])).headers["X-Magic-Code"]
        by_other = await http.get(
            "/api/usertoken/GetToken", params=running.user_query(userId=other, code=code)
        )
        other_status = await http.get(
            "/api/usertoken/GetTokenStatus", params={"userId": other, "channelId": "msteams"}
        )
        on_another_connection = await http.get(
            "/api/usertoken/GetToken", params=running.user_query(connectionName="mail", code=code)
        )
        by_ada = await http.get("/api/usertoken/GetToken", params=running.user_query(code=code))
    assert by_other.status_code == 404 and other_status.json() == []
    assert on_another_connection.status_code == 404
    assert running.service.stored(other, CONNECTION, "msteams") is None
    assert by_ada.status_code == 200  # the refusals did not spend the code
    assert (await _graph_claims(running, by_ada.json()["token"]))["oid"] == OID
    assert [token.user_id for token in running.service.issued] == [USER]


async def test_without_an_identity_any_bot_gets_a_sign_in_resource() -> None:
    """A service without identity serves whichever bot asks (a local bot's app id is its own
    choice), as it serves every call without a bot token."""
    served = await serve(TokenService().app)
    state = UserTokenClient.create_token_exchange_state("a-local-bot", CONNECTION, _activity())
    try:
        async with httpx.AsyncClient(base_url=served.url) as http:
            answer = await http.get("/api/botsignin/GetSignInResource", params={"state": state})
    finally:
        await served.close()
    assert answer.status_code == 200
    assert answer.json()["signInLink"].startswith(served.url)
