"""What every turn goes through before the bot routes it: botbuilder middleware, in the order
`bot.app` registers it with `adapter.use()`:

0. `Answered`: the turn is counted as being answered (`bot.reminders.answering`), so the
   reminder fan-out lets it have the event loop first.
1. `PlainText`: every text the bot sends is marked plain, so user input quoted back (a
   subject, an unknown command, a mention's name) cannot turn into links or formatting.
2. `AdmitTenants`: with an allow-list of tenants, an activity from any other tenant gets one
   polite sentence and nothing else: no state, no stored conversation reference, no Graph call.
3. `Paced`: message turns run under the `Pacer`, which answers Teams' HTTP request within its
   window while the rest of the turn goes on; everything below runs inside that window's work,
   so waiting for the lock or the store never delays the answer.
4. `OneTurnAtATime`: the turns of one conversation run one after another in this instance.
5. `RememberConversation`: where the conversation is, kept for reminders.

`on_turn_error` is the adapter's last resort when a turn fails.

A proactive turn (botbuilder's `ContinueConversation` event) is the bot's own: it passes
through all of them untouched. Reminders are not turns: `bot.reminders.delivery` sends them
on the connector client directly, past all of this.
"""

from __future__ import annotations

import asyncio
import copy
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from botbuilder.core import Middleware, TurnContext
from botbuilder.schema import (
    Activity,
    ActivityEventNames,
    ActivityTypes,
    ConversationReference,
    TextFormatTypes,
)

from bot.i18n import catalog_for
from bot.reminders import Answering, Reminders
from bot.store import StoreUnavailable
from bot.teams.mentions import mentions_bot
from bot.teams.outgoing import text_message
from bot.teams.pacing import Pacer
from bot.teams.sender import tenant_ids

log = logging.getLogger(__name__)

Logic = Callable[[], Awaitable[Any]]

GROUP_TYPES = frozenset({"channel", "groupChat"})
NOT_PACED_WAIT_S = 5.0  # of Teams' ~15 s for an answer, for turns answered when they end
_REMEMBERED_TYPES = {
    ActivityTypes.message,
    ActivityTypes.conversation_update,
    ActivityTypes.installation_update,
}


def proactive(activity: Activity) -> bool:
    """A turn the bot started itself (`continue_conversation`), not one a channel sent."""
    return bool(
        activity.type == ActivityTypes.event
        and activity.name == ActivityEventNames.continue_conversation
    )


class Answered(Middleware):  # type: ignore[misc]
    """Count the turn as being answered while it runs (the bot's own proactive turns are not:
    they are the reminders that give way)."""

    def __init__(self, answering: Answering) -> None:
        self._answering = answering

    async def on_turn(self, context: TurnContext, logic: Logic) -> None:
        if proactive(context.activity):
            await logic()
            return
        with self._answering.turn():
            await logic()


class PlainText(Middleware):  # type: ignore[misc]
    async def on_turn(self, context: TurnContext, logic: Logic) -> None:
        if not proactive(context.activity):
            context.on_send_activities(_as_plain_text)
        await logic()


async def _as_plain_text(
    context: TurnContext, activities: list[Activity], next_send: Callable[[], Any]
) -> None:
    for activity in activities:
        if activity.type == ActivityTypes.message and activity.text and not activity.text_format:
            activity.text_format = TextFormatTypes.plain
    await next_send()


class AdmitTenants(Middleware):  # type: ignore[misc]
    """`allowed`: lower-case tenant ids Meetbot serves. An activity is admitted when it names
    at least one tenant and every one it names is allowed."""

    def __init__(self, allowed: frozenset[str]) -> None:
        self._allowed = allowed

    async def on_turn(self, context: TurnContext, logic: Logic) -> None:
        activity = context.activity
        tenants = tenant_ids(activity)
        if proactive(activity) or (tenants and tenants <= self._allowed):
            await logic()
            return
        log.warning(
            "refused an activity from tenant %s: not in ALLOWED_TENANTS",
            ", ".join(sorted(tenants)) or "(none named)",
        )
        if activity.type == ActivityTypes.message and _addressed_to_bot(activity):
            text = catalog_for(activity.locale).tenant_not_allowed
            await context.send_activity(text_message(text))


def _addressed_to_bot(activity: Activity) -> bool:
    """A 1:1 message, a card submission, or a message that @mentions the bot."""
    if (activity.conversation.conversation_type or "personal") not in GROUP_TYPES:
        return True
    return isinstance(activity.value, dict) or mentions_bot(activity)


class Paced(Middleware):  # type: ignore[misc]
    """Message turns under `pacer`; other turns (Teams waits on their answer) as they come."""

    def __init__(self, pacer: Pacer) -> None:
        self._pacer = pacer

    async def on_turn(self, context: TurnContext, logic: Logic) -> None:
        if context.activity.type == ActivityTypes.message:
            await self._pacer.run(context, logic)
        else:
            await logic()


class OneTurnAtATime(Middleware):  # type: ignore[misc]
    """Turns of one conversation run one after another in this instance; other conversations'
    turns are not held up.

    A conversation's state (every member's dialog stack, the thread's running meeting) is one
    stored value, read when a turn starts and written whole when it ends. Two turns of one
    conversation running at once (two members of a group chat answering the bot together)
    would both read it, and the second write would fail with an eTag conflict (and an
    apology to its member). Instances sharing a store are kept apart by those eTags alone.
    A message waits as long as it takes (the Pacer answers Teams meanwhile); a turn Teams waits
    on without the Pacer (membership and installation events) waits at most
    `NOT_PACED_WAIT_S`, then runs anyway, its state kept by eTags.
    """

    def __init__(self) -> None:
        # Each conversation's lock and how many turns hold or wait for it; kept only while
        # one does, so finished conversations cost nothing.
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    def __len__(self) -> int:
        """Conversations with a turn running or waiting."""
        return len(self._locks)

    async def on_turn(self, context: TurnContext, logic: Logic) -> None:
        activity = context.activity
        if proactive(activity) or not activity.conversation:
            await logic()
            return
        paced = activity.type == ActivityTypes.message
        async with self.turn(activity.conversation.id, None if paced else NOT_PACED_WAIT_S):
            await logic()

    @asynccontextmanager
    async def turn(self, conversation_id: str, wait_at_most: float | None) -> AsyncIterator[bool]:
        """One turn of the conversation: inside, whether it holds the conversation's lock (it
        waited at most `wait_at_most` seconds for it, None: as long as it takes)."""
        lock, turns = self._locks.get(conversation_id) or (asyncio.Lock(), 0)
        self._locks[conversation_id] = (lock, turns + 1)
        held = False
        try:
            async with asyncio.timeout(wait_at_most):
                held = await lock.acquire()
        except TimeoutError:
            log.info("a turn ran beside a long turn of its conversation")
        finally:
            if not held:
                self._leave(conversation_id)
        try:
            yield held
        finally:
            if held:
                lock.release()
                self._leave(conversation_id)

    def _leave(self, conversation_id: str) -> None:
        lock, turns = self._locks[conversation_id]
        if turns == 1:
            del self._locks[conversation_id]
        else:
            self._locks[conversation_id] = (lock, turns - 1)


class RememberConversation(Middleware):  # type: ignore[misc]
    """Keep where each conversation is (for reminders); forget it when the bot leaves."""

    def __init__(self, reminders: Reminders) -> None:
        self._reminders = reminders

    async def on_turn(self, context: TurnContext, logic: Logic) -> None:
        activity = context.activity
        if activity.conversation and activity.conversation.id and activity.service_url:
            if _bot_left(activity):
                await self._reminders.forget(activity.conversation.id)
            elif activity.type in _REMEMBERED_TYPES:
                await self._reminders.remember(
                    activity.conversation.id,
                    conversation_reference(activity),
                    # after an installation or membership change a dropped one must come back
                    always=activity.type != ActivityTypes.message,
                )
        await logic()


def _bot_left(activity: Activity) -> bool:
    """The bot was uninstalled from, or removed as a member of, this conversation."""
    if activity.type == ActivityTypes.installation_update:
        return (activity.action or "").startswith("remove")
    if activity.type == ActivityTypes.conversation_update and activity.members_removed:
        bot_id = activity.recipient.id if activity.recipient else None
        return any(member.id == bot_id for member in activity.members_removed)
    return False


def conversation_reference(activity: Activity) -> ConversationReference:
    """`TurnContext.get_conversation_reference(activity)`, without its activity id (a
    proactive send starts a turn of its own), naming the conversation's tenant."""
    reference: ConversationReference = TurnContext.get_conversation_reference(activity)
    reference.activity_id = None
    # Teams spells it `tenantId`, which botbuilder's model does not map (it reads and writes
    # `tenantID`): without this the reference would not say whose per-tenant send limit a
    # reminder into the conversation counts against.
    tenants = tenant_ids(activity)
    conversation = reference.conversation
    if conversation is not None and not conversation.tenant_id and len(tenants) == 1:
        reference.conversation = copy.copy(conversation)
        reference.conversation.tenant_id = next(iter(tenants))
    return reference


async def on_turn_error(turn_context: TurnContext, error: Exception) -> None:
    """Last resort: log with the activity id as correlation id; the user gets a short apology,
    or, when the store did not answer in time, the sentence that says so (nothing after that
    store call was done)."""
    activity = turn_context.activity
    conversation = activity.conversation.id if activity.conversation else None
    catalog = catalog_for(activity.locale)
    text = catalog.unexpected_error
    if isinstance(error, StoreUnavailable):
        log.warning(
            "turn stopped, activity=%s conversation=%s: %s", activity.id, conversation, error
        )
        text = catalog.store_not_answering
    else:
        log.exception(
            "unhandled error in turn activity=%s conversation=%s",
            activity.id,
            conversation,
            exc_info=error,
        )
    try:
        await turn_context.send_activity(text_message(text))
    except Exception:  # the connector itself may be what failed
        log.exception("could not send the apology for activity=%s", activity.id)
