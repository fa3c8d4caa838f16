"""Activities Meetbot builds for one send (botbuilder's `MessageFactory`), and their JSON."""

from __future__ import annotations

import copy
from typing import Any

from botbuilder.core import MessageFactory, TurnContext
from botbuilder.schema import Activity, Attachment

from cards import card_attachment


def text_message(text: str) -> Activity:
    """`MessageFactory.text(text)`."""
    message: Activity = MessageFactory.text(text)
    return message


def attachment_message(attachment: Attachment) -> Activity:
    """`MessageFactory.attachment(attachment)`."""
    message: Activity = MessageFactory.attachment(attachment)
    return message


async def say(turn: TurnContext, text: str) -> None:
    """Send one plain sentence in the turn's conversation."""
    await turn.send_activity(text_message(text))


async def send_card(turn: TurnContext, card: dict[str, Any]) -> None:
    """Send one Adaptive Card in the turn's conversation."""
    await turn.send_activity(attachment_message(card_attachment(card)))


def activity_json(activity: Activity) -> dict[str, Any]:
    """The activity as msrest writes it (`Model.serialize`), except that an attachment's
    `content` dict goes in as it is.

    Meetbot's attachments are Adaptive Cards, already JSON (dumped from the card models);
    msrest would copy every node of a card to find that out, which costs more than writing
    the rest of the activity. Any other content is msrest's to write.
    """
    contents = [attachment.content for attachment in activity.attachments or []]
    if not any(isinstance(content, dict) for content in contents):
        written: dict[str, Any] = activity.serialize()
        return written
    envelope = copy.copy(activity)
    envelope.attachments = [
        Attachment(
            content_type=attachment.content_type,
            content_url=attachment.content_url,
            content=None if isinstance(attachment.content, dict) else attachment.content,
            name=attachment.name,
            thumbnail_url=attachment.thumbnail_url,
        )
        for attachment in activity.attachments
    ]
    written = envelope.serialize()
    for item, content in zip(written["attachments"], contents, strict=True):
        if isinstance(content, dict):
            item["content"] = content
    return written
