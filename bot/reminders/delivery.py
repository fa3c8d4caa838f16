"""Proactive sends (reminders, a reconciled create's card), and what came of them.

A send is one `POST /v3/conversations/{conversationId}/activities` (the connector's "send to
conversation", as Teams' proactive-messaging docs describe it) into the conversation of the
stored `ConversationReference`: from the bot, to the user the reference names, and in a
channel into its `;messageid=` thread (that suffix is part of the conversation id). It goes
out on the connector client the turns use (`bot.teams.connector`): the same token, time
budget (`create` opens one per send, as at the start of a turn) and retries. No turn is made
for it: no `TurnContext`, and none of the middleware, which lets the bot's own sends through
untouched anyway (`bot.teams.middleware`).

A failed send is sorted by its `ConnectorError` type (`bot.connector_errors`) into what the
scheduler acts on: throttled (429 and its Retry-After), worth retrying (412, 5xx, no
answer), gone (403/404: the bot was removed), or refused.

Retries come in two layers. Within one send, the connector transport (`bot.teams.connector`)
already retried 429/412/502/504 and dropped connections for a few seconds; what reaches
`classify` is the failure that was left when those ran out (or one that is never retried
there, like 500, 503 or 403). The scheduler then acts on it over minutes: a 429 waits for its
Retry-After, RETRY backs off, GONE and REFUSED are recorded as final.

Every failure, including the token or client not being had, comes back as an `Outcome`,
never as an exception: the callers are background loops that record it.
"""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from botbuilder.schema import Activity, ConversationReference
from botframework.connector.auth import AuthenticationConstants, ConnectorFactory

from bot.connector_errors import (
    ConnectorGone,
    ConnectorRefused,
    ConnectorThrottled,
    ConnectorUnavailable,
)

log = logging.getLogger(__name__)


class Delivery(StrEnum):
    SENT = "sent"
    THROTTLED = "throttled"
    RETRY = "retry"
    GONE = "gone"
    REFUSED = "refused"


@dataclass(frozen=True, slots=True)
class Outcome:
    delivery: Delivery
    activity_id: str | None = None
    retry_after: float | None = None  # seconds, from a 429's Retry-After
    detail: str = ""


class Sender(Protocol):
    async def send(self, reference: dict[str, Any], activity: Activity) -> Outcome: ...


class ProactiveSender:
    """Sends into a stored conversation through `connectors` (the factory turns use)."""

    def __init__(self, connectors: ConnectorFactory) -> None:
        self._connectors = connectors

    async def send(self, reference: dict[str, Any], activity: Activity) -> Outcome:
        to = ConversationReference().deserialize(reference)
        try:
            client = await self._connectors.create(
                to.service_url, AuthenticationConstants.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE
            )
            response = await client.conversations.send_to_conversation(
                to.conversation.id, addressed(activity, to)
            )
        except Exception as error:  # every failure becomes an Outcome; none may escape
            return classify(error)
        return Outcome(Delivery.SENT, activity_id=response.id if response else None)


def addressed(activity: Activity, reference: ConversationReference) -> Activity:
    """A copy of `activity` from the bot to the conversation `reference` names.

    The fields `TurnContext.apply_conversation_reference` sets for an outgoing activity,
    but not its `locale` (the reference's is that of the conversation's last message, not
    the card's) nor a `replyToId`: this is a new message, not a reply.
    """
    outgoing = copy.copy(activity)  # the caller's activity stays as it was
    outgoing.channel_id = reference.channel_id
    outgoing.service_url = reference.service_url
    outgoing.conversation = reference.conversation
    outgoing.from_property = reference.bot
    outgoing.recipient = reference.user
    return outgoing


def classify(error: BaseException) -> Outcome:
    match error:
        case ConnectorThrottled(retry_after=retry_after):
            wait = 1.0 if retry_after is None else retry_after
            return Outcome(Delivery.THROTTLED, retry_after=wait, detail=error.detail)
        case ConnectorGone():
            return Outcome(Delivery.GONE, detail=error.detail)
        case ConnectorRefused():
            return Outcome(Delivery.REFUSED, detail=error.detail)
        case ConnectorUnavailable(status=status) if status:  # 412, 5xx
            return Outcome(Delivery.RETRY, detail=error.detail)
    # No answer, an answer too large to read, or no connector call at all (the token).
    log.warning("proactive send failed without an HTTP answer: %r", error)
    return Outcome(Delivery.RETRY, detail=type(error).__name__)
