"""The conversation reference Meetbot keeps for reminders is botbuilder's, without its activity
id, written as msrest writes it."""

from __future__ import annotations

from typing import Any

import pytest
from botbuilder.core import TurnContext
from botbuilder.schema import Activity

from bot.teams.middleware import conversation_reference
from tests.factories import make_message


def _botbuilders(activity: Activity) -> dict[str, Any]:
    made = TurnContext.get_conversation_reference(activity).serialize()
    return {key: value for key, value in made.items() if key != "activityId"}


SERVICE = "https://smba.trafficmanager.net/amer/"


def _variants() -> list[dict[str, Any]]:
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
    return [
        make_message("meet Design review tomorrow 3pm", service_url=SERVICE),
        channel,
        update,
        bare,
    ]


@pytest.mark.parametrize("body", _variants())
def test_it_is_what_botbuilder_makes_less_the_activity_id(body: dict[str, Any]) -> None:
    activity = Activity().deserialize(body)
    reference = conversation_reference(activity)
    assert reference.serialize() == _botbuilders(activity)
    assert "activityId" not in reference.serialize()


def test_two_turns_of_one_conversation_give_equal_references() -> None:
    """What lets a reference be written only when it changed: equal models compare equal."""
    first = Activity().deserialize(make_message("help", service_url=SERVICE))
    again = Activity().deserialize(make_message("meet now", service_url=SERVICE))
    moved = Activity().deserialize(make_message("help", service_url=SERVICE + "v2/"))
    assert conversation_reference(first) == conversation_reference(again)
    assert conversation_reference(first) != conversation_reference(moved)
