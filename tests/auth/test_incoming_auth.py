"""Incoming authentication, for real: activities signed with the test's own keys, served as the
channel's OpenID metadata, posted over a socket to a bot with an app id.

A valid token gets the reply out (with the bot's own token, which the connector emulator checks);
each kind of bad token is a 401 with no side effect at all. Each refusal test forges exactly one
thing, so it fails if the check for that one thing is removed.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json

import httpx
import jwt
from botbuilder.core import MessageFactory, TurnContext
from botbuilder.schema import Activity
from cryptography.hazmat.primitives import serialization

from bot.reminders import Delivery, ProactiveSender
from emulators.channel_identity import SigningKey
from tests.auth.conftest import BOT_ID, SignedBot


async def _assert_refused(bot: SignedBot, activity: dict[str, object], **token: object) -> None:
    response = await bot.post_signed(activity, **token)
    assert response.status_code == 401, response.text
    await bot.assert_untouched(activity)


async def test_a_valid_token_is_accepted_and_the_reply_carries_the_bots_token(
    signed_bot: SignedBot,
) -> None:
    activity = signed_bot.message("help")
    response = await signed_bot.post_signed(activity)
    assert response.status_code in {200, 201}, response.text
    emulator, identity = signed_bot.channel.emulator, signed_bot.channel.identity
    replies = emulator.activities(activity["conversation"]["id"])
    assert [call.kind for call in replies] == ["reply"]
    assert replies[0].activity_id == activity["id"]
    # The connector emulator required a token its login issued to this bot, and got one.
    assert emulator.unauthorized == []
    assert identity.token_requests == 1 and len(identity.issued_tokens) == 1


async def test_a_proactive_send_carries_the_bots_token(signed_bot: SignedBot) -> None:
    """A reminder goes out as the bot, too: on the connector clients of the bot's app id."""
    activity = Activity().deserialize(signed_bot.message("hi"))
    reference = TurnContext.get_conversation_reference(activity).serialize()
    adapter = signed_bot.services.adapter
    sender = ProactiveSender(
        adapter.bot_framework_authentication.create_connector_factory(
            adapter.create_claims_identity(BOT_ID)
        )
    )
    outcome = await sender.send(reference, MessageFactory.text("Your meeting starts soon"))
    assert outcome.delivery is Delivery.SENT
    emulator = signed_bot.channel.emulator
    assert [call.body["text"] for call in emulator.activities()] == ["Your meeting starts soon"]
    assert emulator.unauthorized == []


async def test_the_connector_refuses_a_reply_without_the_bots_token(
    signed_bot: SignedBot,
) -> None:
    # The emulator's check is what makes the round trip above prove anything.
    async with httpx.AsyncClient(base_url=signed_bot.channel.url) as client:
        response = await client.post(
            "/v3/conversations/a:1on1/activities/1", json={"type": "message", "text": "hi"}
        )
    assert response.status_code == 401
    assert signed_bot.channel.emulator.calls == []


async def test_no_token_is_refused(signed_bot: SignedBot) -> None:
    activity = signed_bot.message()
    response = await signed_bot.post(activity)
    assert response.status_code == 401
    await signed_bot.assert_untouched(activity)


async def test_a_token_that_is_not_a_bearer_jwt_is_refused(signed_bot: SignedBot) -> None:
    activity = signed_bot.message()
    for header in ("Bearer not-a-jwt", f"Basic {BOT_ID}", "Bearer", "eyJhbGciOiJSUzI1NiJ9"):
        response = await signed_bot.post(activity, {"Authorization": header})
        assert response.status_code == 401, header
    await signed_bot.assert_untouched(activity)


async def test_a_token_signed_by_another_key_is_refused(signed_bot: SignedBot) -> None:
    """Same kid as the channel's key, but signed by a key the channel does not have."""
    identity = signed_bot.channel.identity
    forger = SigningKey.generate(["msteams"])
    await _assert_refused(
        signed_bot, signed_bot.message(), key=forger, kid=identity.channel_key.kid
    )


async def test_a_token_for_another_bot_is_refused(signed_bot: SignedBot) -> None:
    await _assert_refused(signed_bot, signed_bot.message(), aud="another-bots-app-id")


async def test_a_token_from_another_issuer_is_refused(signed_bot: SignedBot) -> None:
    await _assert_refused(signed_bot, signed_bot.message(), iss="https://evil.example.com")


async def test_an_expired_token_is_refused(signed_bot: SignedBot) -> None:
    # Expired 10 minutes ago: beyond the 5 minutes of clock skew tolerated.
    await _assert_refused(signed_bot, signed_bot.message(), expires_in=-600, not_before=-4000)


async def test_a_key_not_endorsed_for_teams_is_refused(signed_bot: SignedBot) -> None:
    """A genuine channel key, listed by the channel, but endorsed for Web Chat only."""
    webchat = SigningKey.generate(["webchat", "directline"])
    signed_bot.channel.identity.keys.append(webchat)
    await _assert_refused(signed_bot, signed_bot.message(), key=webchat)


async def test_a_key_without_endorsements_is_refused(signed_bot: SignedBot) -> None:
    # botbuilder's own check skips a key with no endorsements at all.
    bare = SigningKey.generate([])
    signed_bot.channel.identity.keys.append(bare)
    await _assert_refused(signed_bot, signed_bot.message(), key=bare)


async def test_a_serviceurl_claim_for_another_service_is_refused(signed_bot: SignedBot) -> None:
    """A token the channel issued for one service cannot send the bot's replies elsewhere."""
    activity = signed_bot.message()
    await _assert_refused(signed_bot, activity, serviceurl="https://smba.example.com/amer/")


async def test_an_activity_pointed_at_another_service_is_refused(signed_bot: SignedBot) -> None:
    activity = signed_bot.message()
    token = signed_bot.channel.identity.channel_token(activity["serviceUrl"])
    activity["serviceUrl"] = "http://127.0.0.1:9/"  # replayed towards a service of the attacker's
    response = await signed_bot.post(activity, {"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    await signed_bot.assert_untouched(activity)


async def test_an_unknown_kid_is_a_401_not_a_500(signed_bot: SignedBot) -> None:
    stranger = SigningKey.generate(["msteams"])
    await _assert_refused(signed_bot, signed_bot.message(), key=stranger)


async def test_a_token_with_another_algorithm_is_refused(signed_bot: SignedBot) -> None:
    """HS256 "signed" with the channel's public key: the classic algorithm confusion."""
    activity = signed_bot.message()
    identity = signed_bot.channel.identity
    public_pem = identity.channel_key.private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    good = jwt.decode(
        identity.channel_token(activity["serviceUrl"]), options={"verify_signature": False}
    )
    forged = _hs256(good, public_pem, identity.channel_key.kid)
    response = await signed_bot.post(activity, {"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401
    await signed_bot.assert_untouched(activity)


async def test_fetching_the_keys_does_not_block_the_event_loop(signed_bot: SignedBot) -> None:
    """While the channel's metadata endpoint has not answered, the bot serves /healthz."""
    identity = signed_bot.channel.identity
    identity.metadata_gate = asyncio.Event()
    activity = signed_bot.message("help")
    posting = asyncio.create_task(signed_bot.post_signed(activity))
    async with asyncio.timeout(10):
        await identity.metadata_requested()
        health = await signed_bot.client.get("/healthz")
    assert health.status_code == 200
    assert not posting.done()  # still waiting for the keys
    identity.metadata_gate.set()
    response = await asyncio.wait_for(posting, 10)
    assert response.status_code in {200, 201}
    assert len(signed_bot.channel.emulator.activities()) == 1


async def test_keys_are_fetched_once_for_many_activities(signed_bot: SignedBot) -> None:
    for text in ("help", "help", "help"):
        response = await signed_bot.post_signed(signed_bot.message(text))
        assert response.status_code in {200, 201}
    identity = signed_bot.channel.identity
    assert (identity.metadata_requests, identity.keys_requests) == (1, 1)


def _hs256(claims: dict[str, object], secret: bytes, kid: str) -> str:
    """An HS256 JWT by hand (PyJWT refuses to use a PEM public key as an HMAC secret)."""

    def part(value: bytes) -> str:
        return base64.urlsafe_b64encode(value).rstrip(b"=").decode()

    header = part(json.dumps({"alg": "HS256", "typ": "JWT", "kid": kid}).encode())
    payload = part(json.dumps(claims).encode())
    signature = hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{part(signature)}"
