"""Teams-shaped activities with sensible defaults; tests override only what they care about."""

from __future__ import annotations

import itertools
import uuid
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from botbuilder.core import TurnContext
from botbuilder.core.adapters import TestAdapter
from botbuilder.schema import Activity, ActivityTypes, ChannelAccount, ConversationAccount

BOT_ID = "28:meetbot-app-id"
USER_AAD_ID = "64339082-ed84-4b0b-b4ab-004ae54f3747"
TENANT_ID = "98a79ebe-74bf-4e07-a017-7b410848cb32"
_seq = itertools.count(1)


def make_message(
    text: str = "help",
    *,
    service_url: str,
    conversation_id: str = "a:1on1-conversation",
    zone: str | None = "America/Los_Angeles",
    local_now: datetime | None = None,
    aad_object_id: str | None = USER_AAD_ID,
    activity_id: str | None = None,
    locale: str = "en-US",
    **overrides: Any,
) -> dict[str, Any]:
    """A message activity as Teams posts it to /api/messages for a 1:1 chat."""
    activity: dict[str, Any] = {
        "type": "message",
        "id": activity_id or f"1700000000{next(_seq):03d}",
        "timestamp": "2026-11-21T17:00:00.000Z",
        "serviceUrl": service_url,
        "channelId": "msteams",
        "from": {"id": "29:user-teams-id", "name": "Alex Wilber"},
        "conversation": {
            "conversationType": "personal",
            "tenantId": TENANT_ID,
            "id": conversation_id,
        },
        "recipient": {"id": BOT_ID, "name": "Meetbot"},
        "textFormat": "plain",
        "locale": locale,
        "text": text,
        "channelData": {"tenant": {"id": TENANT_ID}},
        "entities": [],
    }
    if aad_object_id:
        activity["from"]["aadObjectId"] = aad_object_id
    if zone:
        activity["localTimezone"] = zone
        now = local_now or datetime.now(ZoneInfo(zone))
        activity["localTimestamp"] = now.isoformat()
        activity["entities"].append(
            {
                "type": "clientInfo",
                "locale": locale,
                "country": "US",
                "platform": "Web",
                "timezone": zone,
            }
        )
    activity.update(overrides)
    return activity


def new_conversation_id() -> str:
    return f"a:{uuid.uuid4().hex}"


def make_turn_context(conversation_id: str = "a:conversation") -> TurnContext:
    """A message turn in `conversation_id` on botbuilder's `TestAdapter`, for state tests."""
    activity = Activity(
        type=ActivityTypes.message,
        channel_id="msteams",
        conversation=ConversationAccount(id=conversation_id),
        from_property=ChannelAccount(id="29:user"),
        recipient=ChannelAccount(id="28:bot"),
        text="meet",
    )
    return TurnContext(TestAdapter(), activity)
