"""Activities Meetbot builds for one send (botbuilder's `MessageFactory`), and their JSON."""

from __future__ import annotations

import copy
from typing import Any

from botbuilder.core import MessageFactory
from botbuilder.schema import Activity, Attachment


def text_message(text: str) -> Activity:
    """`MessageFactory.text(text)`."""
    message: Activity = MessageFactory.text(text)
    return message


def attachment_message(attachment: Attachment) -> Activity:
    """`MessageFactory.attachment(attachment)`."""
    message: Activity = MessageFactory.attachment(attachment)
    return message


def activity_json(activity: Activity) -> dict[str, Any]:
    """The activity as msrest writes it (`Model.serialize`), except that an attachment's
    `content` dict goes in as it is.

    Meetbot's attachments are Adaptive Cards, already JSON (dumped from the card models);
    msrest would copy every node of a card to find that out, which costs more than writing
    the rest of the activity. Any other content is msrest's to write.
    """
    contents = [attachment.content for attachment in activity.attachments or []]
    if not any(isinstance(content, dict) for content in contents):
        return _written(activity)
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
    written = _written(envelope)
    for item, content in zip(written["attachments"], contents, strict=True):
        if isinstance(content, dict):
            item["content"] = content
    return written


def _written(activity: Activity) -> dict[str, Any]:
    """`activity.serialize()`, through `as_dict` with each attribute under its schema key.

    `serialize` runs the same walk with `full_restapi_key_transformer`, which splits every key
    at unescaped dots to build nested objects; botbuilder's schema has no such key (a test
    checks every model), so the key as the schema spells it is the same JSON, found with one
    dict look-up per attribute instead of a regex split and a list per attribute.
    """
    written: dict[str, Any] = activity.as_dict(keep_readonly=False, key_transformer=_schema_key)
    return written


def _schema_key(attribute: str, description: dict[str, Any], value: Any) -> tuple[str, Any]:
    """msrest's key-transformer signature (`as_dict`): the JSON key is the schema's."""
    return description["key"], value
