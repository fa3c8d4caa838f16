"""With authentication on, Meetbot serves Teams only, and Teams' tenants only as ALLOWED_TENANTS
says: a channel token binds the channel and the `serviceUrl`, not the sender.

A Web Chat or Direct Line client writes `from.aadObjectId` and `channelData.tenant` itself, so a
genuine token for such an activity is refused (403) before any of the bot's code runs. Each
test signs with the real token path (`ChannelIdentity`) and posts over a socket.
"""

from __future__ import annotations

import pytest

from bot.i18n import en
from emulators.channel_identity import SigningKey
from tests.auth.conftest import SignedBot, StartSignedBot
from tests.factories import TENANT_ID, USER_AAD_ID, new_conversation_id

OTHER_TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"


@pytest.mark.parametrize("channel_id", ["webchat", "directline", "emulator"])
async def test_a_genuine_token_for_another_channel_is_refused(
    signed_bot: SignedBot, channel_id: str
) -> None:
    # One key endorsed for Teams and the others, as the Bot Framework's keys are: the token
    # passes every check of its own, so only the channel can refuse it.
    key = SigningKey.generate(["msteams", "webchat", "directline", "emulator"])
    signed_bot.channel.identity.keys.append(key)
    forged = signed_bot.message(
        "meet now Quick sync", conversation_id=new_conversation_id(), channelId=channel_id
    )
    forged["from"]["aadObjectId"] = USER_AAD_ID  # anyone's calendar, claimed by the client
    response = await signed_bot.post_signed(forged, key=key)
    assert response.status_code == 403, response.text
    assert response.json() == {"error": "Meetbot serves Microsoft Teams only."}
    await signed_bot.assert_untouched(forged)

    # The same key on a Teams activity is served: the refusal above is the channel's alone.
    teams = signed_bot.message("help", conversation_id=new_conversation_id())
    accepted = await signed_bot.post_signed(teams, key=key)
    assert accepted.status_code in {200, 201}, accepted.text
    assert len(signed_bot.channel.emulator.activities(teams["conversation"]["id"])) == 1


async def test_a_signed_teams_activity_from_a_tenant_not_allowed_gets_one_sentence(
    start_signed_bot: StartSignedBot,
) -> None:
    async with start_signed_bot(ALLOWED_TENANTS=TENANT_ID) as bot:
        theirs = bot.message("meet now Quick sync", conversation_id=new_conversation_id())
        theirs["channelData"] = {"tenant": {"id": OTHER_TENANT}}
        theirs["conversation"]["tenantId"] = OTHER_TENANT
        response = await bot.post_signed(theirs)
        assert response.status_code in {200, 201}, response.text
        conversation = theirs["conversation"]["id"]
        replies = bot.channel.emulator.activities(conversation)
        assert [call.body.get("text") for call in replies] == [en.CATALOG.tenant_not_allowed]
        assert bot.graph.requests == [] and bot.graph.token_requests == 0
        assert await bot.services.store.get_reference(conversation) is None
        assert await bot.services.store.read([f"msteams/conversations/{conversation}"]) == {}

        ours = bot.message("meet now Quick sync", conversation_id=new_conversation_id())
        assert (await bot.post_signed(ours)).status_code in {200, 201}
        paths = [request.path for request in bot.graph.requests]
        assert any(path.endswith("/onlineMeetings/createOrGet") for path in paths), paths
