"""Activities Meetbot builds for one send.

botbuilder's `TurnContext.send_activities` deep-copies every activity before addressing it, so a
caller's object is never changed by the send. An activity built for a single send and dropped
afterwards needs no such protection: its shallow copy (new object, new lists, shared leaves) is
just as safe to address, and far cheaper (the deep copy walks every field of an `Activity`).
The cards inside are shared too (`cards.CardAttachment`).
"""

from __future__ import annotations

import copy
from typing import Any

from botbuilder.core import MessageFactory
from botbuilder.schema import Activity, Attachment


class Outgoing(Activity):  # type: ignore[misc]
    """An `Activity` whose deep copy is shallow (see the module docstring). Serializers see an
    `Activity`: the attribute map is the same."""

    def __deepcopy__(self, memo: dict[int, Any]) -> Outgoing:
        clone = copy.copy(self)
        for name in ("attachments", "entities", "suggested_actions"):
            value = getattr(self, name)
            if isinstance(value, list):
                setattr(clone, name, list(value))
        return clone


def text_message(text: str) -> Outgoing:
    """`MessageFactory.text(text)`, as an `Outgoing`."""
    return _outgoing(MessageFactory.text(text))


def attachment_message(attachment: Attachment) -> Outgoing:
    """`MessageFactory.attachment(attachment)`, as an `Outgoing`."""
    return _outgoing(MessageFactory.attachment(attachment))


def _outgoing(activity: Activity) -> Outgoing:
    """The same fields botbuilder's factory set, on an `Outgoing`."""
    built: Outgoing = Outgoing.__new__(Outgoing)
    built.__dict__.update(activity.__dict__)
    return built
