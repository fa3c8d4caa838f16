"""Reconciling pending creates: the `meet`s a crash or a failed write interrupted.

A `meet` is recorded as pending before its Graph create and settled with its reminder write
(`Reminders.expect`, `for_meeting(..., settles=)`). One still pending once its turn's hold is
over was interrupted, after the create or before it; the scheduler's loop hands it to a
`Finisher` (the meet flow), which POSTs the create again with the same `transactionId`. Graph
answers a repeated transactionId with the event it already made, so an interrupted create
gets its reminder and no duplicate; a create that never reached Graph is made then (the user
asked for it and was never told otherwise). A create whose Graph answer was lost, so that the
user was told to check the calendar, is `find_only`: looked for by its transactionId, never
made then. The card the finisher gives is posted to the conversation.

A claim is a lease: a reconcile that fails for now (Graph throttled or away, the store
locked) is taken up again when the lease ends, `max_attempts` times in all, the last of them
told it is the last (`last_try`) so it can give up and say so. Two instances never reconcile
the same create at once (the claim is atomic), and a repeated one is harmless (same
transactionId, same reminder key).

In delegated mode the finisher calls Graph with the organizer's own token; one who has none
(signed out, consent revoked) makes it raise `SignInRequired`. That is no answer about the
create, so nothing is given up or told: the create waits for the lease like any failure for
now, as often as it takes, until the organizer signs in again or the meeting is over (the
finisher settles a create whose meeting has ended without calling Graph).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from botbuilder.core import MessageFactory

from bot.graph import SignInRequired
from bot.logs import log_context
from bot.reminders.clock import Clock
from bot.reminders.delivery import Delivery, Sender
from bot.store import PendingCreate, PendingCreateStore, ReferenceStore
from cards import card_attachment

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Finished:
    """What reconciling one pending create came to."""

    card: dict[str, Any] | None  # posted to the conversation (None: nothing to say)
    settled: bool  # False: nothing was settled, try again when the lease ends


class ReconcileStore(PendingCreateStore, ReferenceStore, Protocol):
    """The pending creates, and where to post what reconciling one came to."""


class Finisher(Protocol):
    async def finish(
        self, pending: PendingCreate, *, now: datetime, last_try: bool
    ) -> Finished: ...


@dataclass(frozen=True, slots=True)
class ReconcileConfig:
    lease: timedelta = timedelta(seconds=60)  # also the pause before a failed one is retried
    batch: int = 20  # pending creates per round
    max_attempts: int = 6


class PendingCreates:
    def __init__(
        self,
        *,
        store: ReconcileStore,
        finisher: Finisher,
        sender: Sender,
        clock: Clock,
        config: ReconcileConfig | None = None,
    ) -> None:
        self._store = store
        self._finisher = finisher
        self._sender = sender
        self._clock = clock
        self._config = config or ReconcileConfig()
        self.reconciled = 0  # settled by a reconcile, since start

    async def run_once(self) -> datetime | None:
        """Reconcile a batch of the pending creates whose hold is over: when the next one is
        due (now: the batch was full; None: there is none)."""
        now = self._clock.now()
        claimed = await self._store.claim_pending_creates(
            now, limit=self._config.batch, lease=self._config.lease
        )
        await asyncio.gather(*(self._one(pending) for pending in claimed))
        if len(claimed) >= self._config.batch:
            return now
        return await self._store.next_pending_create_at()

    async def _one(self, pending: PendingCreate) -> None:
        with log_context(conversation_id=pending.conversation_id):
            await self._finish(pending)

    async def _finish(self, pending: PendingCreate) -> None:
        last_try = pending.attempts >= self._config.max_attempts
        try:
            now = self._clock.now()
            finished = await self._finisher.finish(pending, now=now, last_try=last_try)
        except SignInRequired:  # the lease brings it back, to see whether they signed in
            log.info("create %s: waiting for the organizer to sign in", pending.transaction_id)
            return
        except Exception:  # the store's failures, say; the lease brings it back
            log.exception("reconciling create %s failed", pending.transaction_id)
            return
        if not finished.settled:
            log.info("create %s: to be reconciled again", pending.transaction_id)
            return
        self.reconciled += 1
        log.warning("create %s was reconciled", pending.transaction_id)
        if finished.card is not None:
            await self._post(pending, finished.card)

    async def _post(self, pending: PendingCreate, card: dict[str, Any]) -> None:
        """Tell the conversation, once; a card that does not get through is only logged (the
        reminder, which matters more, is kept either way)."""
        reference = await self._store.get_reference(pending.conversation_id)
        if reference is None:
            log.warning("no conversation to tell about create %s", pending.transaction_id)
            return
        outcome = await self._sender.send(
            reference, MessageFactory.attachment(card_attachment(card))
        )
        if outcome.delivery is not Delivery.SENT:
            log.warning(
                "the card of reconciled create %s was not delivered: %s %s",
                pending.transaction_id,
                outcome.delivery.value,
                outcome.detail,
            )
