"""Proactive sends through botbuilder's `continue_conversation`, and what came of them.

A reminder is sent into the conversation it belongs to with the stored `ConversationReference`
(in a channel, its `;messageid=` thread). The connector's answer is sorted into what the
scheduler acts on: delivered, throttled (429 and its Retry-After), worth retrying (412, 500,
502, 503, 504, a dropped connection), gone (403/404: the bot was removed), or refused.

Retries come in two layers. Within one send, the connector transport (`bot.teams.connector`)
already retried 429/412/502/504 and dropped connections for a few seconds; what reaches
`classify` is the answer that was left when those ran out (or a status that is never retried
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

log = logging.getLogger(__name__)

RETRYABLE_STATUSES = frozenset({412, 500, 502, 503, 504})
GONE_STATUSES = frozenset({403, 404})


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
    response = getattr(error, "response", None)
    status = getattr(response, "status_code", None) or getattr(response, "status", None)
    if not isinstance(status, int):
        log.warning("proactive send failed without an HTTP answer: %r", error)
        return Outcome(Delivery.RETRY, detail=type(error).__name__)
    detail = f"HTTP {status}"
    if status == 429:
        return Outcome(Delivery.THROTTLED, retry_after=_retry_after(response), detail=detail)
    if status in RETRYABLE_STATUSES:
        return Outcome(Delivery.RETRY, detail=detail)
    if status in GONE_STATUSES:
        return Outcome(Delivery.GONE, detail=detail)
    return Outcome(Delivery.REFUSED, detail=detail)


def _retry_after(response: Any) -> float:
    headers = getattr(response, "headers", None) or {}
    try:
        return max(0.0, float(headers.get("Retry-After", "1")))
    except (TypeError, ValueError):
        return 1.0
