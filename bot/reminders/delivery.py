"""Proactive sends through botbuilder's `continue_conversation`, and what came of them.

A reminder is sent into the conversation it belongs to with the stored `ConversationReference`
(in a channel, its `;messageid=` thread). A failed send is sorted by its `ConnectorError` type
(`bot.connector_errors`) into what the scheduler acts on: throttled (429 and its Retry-After),
worth retrying (412, 5xx, no answer), gone (403/404: the bot was removed), or refused.

Retries come in two layers. Within one send, the connector transport (`bot.teams.connector`)
already retried 429/412/502/504 and dropped connections for a few seconds; what reaches
`classify` is the failure that was left when those ran out (or one that is never retried
there, like 500, 503 or 403). The scheduler then acts on it over minutes: a 429 waits for its
Retry-After, RETRY backs off, GONE and REFUSED are recorded as final.

Errors are caught inside the turn callback: an exception escaping it would reach the adapter's
`on_turn_error`, which apologizes to the user, the wrong thing for a background send.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from botbuilder.core import BotAdapter, TurnContext
from botbuilder.schema import Activity, ConversationReference

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
    def __init__(self, adapter: BotAdapter, app_id: str) -> None:
        self._adapter = adapter
        self._app_id = app_id

    async def send(self, reference: dict[str, Any], activity: Activity) -> Outcome:
        outcome: Outcome | None = None

        async def callback(turn_context: TurnContext) -> None:
            nonlocal outcome
            try:
                response = await turn_context.send_activity(activity)
            except Exception as error:  # every failure becomes an Outcome; none may escape
                outcome = classify(error)
            else:
                outcome = Outcome(Delivery.SENT, activity_id=response.id if response else None)

        try:
            await self._adapter.continue_conversation(
                ConversationReference().deserialize(reference), callback, self._app_id
            )
        except Exception as error:  # building the connector client or its token failed
            return classify(error)
        return outcome or Outcome(Delivery.RETRY, detail="the send did not run")


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
