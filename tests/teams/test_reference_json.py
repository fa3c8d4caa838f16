"""The conversation reference Meetbot keeps for reminders is botbuilder's, without its activity
id and naming the tenant (which botbuilder's model drops: Teams spells it `tenantId`), written as
msrest writes it."""

from __future__ import annotations

from typing import Any

import pytest
from botbuilder.core import TurnContext
from botbuilder.schema import Activity

from bot.teams.middleware import conversation_reference
from tests.factories import TENANT_ID, make_message


def _botbuilders(activity: Activity) -> dict[str, Any]:
    made = TurnContext.get_conversation_reference(activity).serialize()
    return {key: value for key, value in made.items() if key != "activityId"}


SERVICE = "https://smba.trafficmanager.net/amer/"


def _variants() -> list[tuple[dict[str, Any], str | None]]:
    """Activities, each with the tenant its reference names."""
    channel = make_message(
        "<at>Meetbot</at> meet now", service_url=SERVICE, conversation_id="19:c@thread.tacv2"
    )
    channel["conversation"] |= {"conversationType": "channel", "tenantId": "t", "name": "General"}
    update = make_message(
        "", service_url=SERVICE, type="conversationUpdate", membersAdded=[{"id": "28:bot"}]
    )
    bare = make_message("help", service_url=SERVICE)
    for key in ("locale", "channelData"):
        bare.pop(key, None)
    bare["from"] = {"id": "29:x"}
    bare["recipient"] = {"id": "28:bot", "name": "Meetbot", "role": "bot"}
    tenant = TENANT_ID.lower()
    return [
        (make_message("meet Design review tomorrow 3pm", service_url=SERVICE), tenant),
        (channel, None),  # two tenants named: it names neither
        (update, tenant),
        (bare, tenant),  # `conversation.tenantId` only
    ]


@pytest.mark.parametrize(("body", "tenant"), _variants())
def test_it_is_what_botbuilder_makes_less_the_activity_id_with_the_tenant(
    body: dict[str, Any], tenant: str | None
) -> None:
    activity = Activity().deserialize(body)
    written = conversation_reference(activity).serialize()
    expected = _botbuilders(activity)
    if tenant is not None:
        expected["conversation"] = expected["conversation"] | {"tenantID": tenant}
    assert written == expected
    assert "activityId" not in written
    assert activity.conversation.tenant_id is None  # the activity itself is left as it came


def test_two_turns_of_one_conversation_give_equal_references() -> None:
    """What lets a reference be written only when it changed: equal models compare equal."""
    first = Activity().deserialize(make_message("help", service_url=SERVICE))
    again = Activity().deserialize(make_message("meet now", service_url=SERVICE))
    moved = Activity().deserialize(make_message("help", service_url=SERVICE + "v2/"))
    assert conversation_reference(first) == conversation_reference(again)
    assert conversation_reference(first) != conversation_reference(moved)
