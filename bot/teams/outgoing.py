"""Activities Meetbot builds for one send: botbuilder's `MessageFactory`, nothing added."""

from __future__ import annotations

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
