"""A reminder reaches the connector as Teams' proactive-messaging docs describe a proactive
message: one `POST /v3/conversations/{conversationId}/activities` (a send, not a reply to
some activity id), from the bot, to the user, in the conversation as it was stored (in a
channel, its thread's `;messageid=`), at the conversation's service URL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from emulators.connector import ConnectorCall
from tests.conftest import RunningConnector, RunningGraph
from tests.e2e.test_reminders import TOMORROW_3PM, Bot, running_bot
from tests.factories import BOT_ID, TENANT_ID

USER_ID = "29:user-teams-id"  # the sender of `make_message`'s activities
MENTION = {
    "type": "mention",
    "text": "<at>Meetbot</at>",
    "mentioned": {"id": BOT_ID, "name": "Meetbot"},
}
ONE_ON_ONE = "a:1on1"
THREAD = "19:general@thread.tacv2;messageid=1700000000001"
GROUP = "19:group@thread.v2"
CONVERSATIONS = {
    "1:1": (ONE_ON_ONE, "meet Design review tomorrow 3pm remind 5m", {}),
    "channel thread": (
        THREAD,
        "<at>Meetbot</at> meet Design review tomorrow 3pm remind 5m",
        {
            "conversation": {"conversationType": "channel", "id": THREAD, "tenantId": TENANT_ID},
            "entities": [MENTION],
        },
    ),
    "group chat": (
        GROUP,
        "<at>Meetbot</at> meet Design review tomorrow 3pm remind 5m",
        {
            "conversation": {"conversationType": "groupChat", "id": GROUP, "tenantId": TENANT_ID},
            "entities": [MENTION],
        },
    ),
}


@pytest.fixture
async def bot(
    graph: RunningGraph,
    connector: RunningConnector,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> AsyncIterator[Bot]:
    monkeypatch.chdir(tmp_path)
    async with running_bot(graph, connector) as running:
        yield running


def _reminders(bot: Bot, conversation_id: str) -> list[ConnectorCall]:
    return [
        call
        for call in bot.connector.emulator.activities(conversation_id)
        if "deliveryKey" in (call.body.get("channelData") or {}).get("meetbot", {})
    ]


@pytest.mark.parametrize("where", list(CONVERSATIONS))
async def test_a_reminder_is_sent_to_the_conversation_not_as_a_reply(bot: Bot, where: str) -> None:
    conversation_id, text, extra = CONVERSATIONS[where]
    await bot.say(text, conversation_id=conversation_id, **extra)
    (meet_reply,) = bot.connector.emulator.activities(conversation_id)
    assert meet_reply.kind == "reply"  # the turn's own answer stays a reply

    await bot.at(TOMORROW_3PM - timedelta(minutes=5))
    (reminder,) = _reminders(bot, conversation_id)
    assert (reminder.kind, reminder.conversation_id, reminder.activity_id) == (
        "send",
        conversation_id,
        None,
    )
    body: dict[str, Any] = reminder.body
    assert body["from"]["id"] == BOT_ID
    assert body["recipient"]["id"] == USER_ID
    assert body["conversation"]["id"] == conversation_id
    assert body["serviceUrl"] == bot.connector.url
    assert body["channelId"] == "msteams"
    assert "replyToId" not in body
