"""botbuilder's conversation state, with Meetbot's rules for a conversation with nothing stored.

Also here: how a sender's own entry in per-sender state is keyed (`sender_state_key`), so that
no sender id can be read back as one of jsonpickle's tags, and `SentCards`, the cards a click
may replace, recorded per sender.
"""

from __future__ import annotations

from botbuilder.core import ConversationState, StatePropertyAccessor, TurnContext
from botbuilder.core.bot_assert import BotAssert
from botbuilder.core.bot_state import CachedBotState
from botbuilder.schema import Activity, ResourceResponse

from bot.store.serialize import NEW

# Before every sender's key in a dict of per-sender state. jsonpickle reads a key such as
# `py/b64` or `py/object` in a stored dict as one of its tags: a sender whose id is one would
# make the conversation's state fail to load (every later turn of it failing) or lose entries.
# Every tag starts with `py/`; no key that starts with this prefix can.
SENDER_KEY_PREFIX = "sender:"


def sender_state_key(activity: Activity) -> str:
    """The key of the sender's own entry in a dict of per-sender state (their dialog stack):
    `SENDER_KEY_PREFIX` + their Entra object id, else their channel id."""
    sender = activity.from_property
    who = getattr(sender, "aad_object_id", None) or getattr(sender, "id", None) or ""
    return f"{SENDER_KEY_PREFIX}{who}"


class SentCards:
    """The cards Meetbot sent each sender of a conversation that a click on them replaces (the
    schedule form, the reminders list, a cancel confirmation), kept in the conversation's state.

    A card action names the card it came from in `replyToId`, and the sender chooses that
    value: replacing whatever it names would let one member overwrite another member's card.
    A card is replaced only when it is in the sender's own record; otherwise the answer is a
    new message. The record is bounded: the last `per_sender` cards of the last `senders`
    senders (an older card still works, its answer coming as a new message).
    """

    def __init__(self, states: StatePropertyAccessor, *, per_sender: int = 20, senders: int = 100):
        self._states = states
        self._per_sender = per_sender
        self._senders = senders

    async def record(self, turn_context: TurnContext, sent: ResourceResponse | None) -> None:
        """Record the card the connector just took (its answer to the send) as the sender's."""
        if sent is None or not sent.id:
            return
        cards = await self._all(turn_context)
        key = sender_state_key(turn_context.activity)
        mine = [card for card in cards.pop(key, []) if card != sent.id][-(self._per_sender - 1) :]
        cards[key] = [*mine, sent.id]  # (re)inserted last: the most recent sender
        for oldest in list(cards)[: max(0, len(cards) - self._senders)]:
            del cards[oldest]

    async def sent_to_sender(self, turn_context: TurnContext, card_id: str) -> bool:
        cards = await self._all(turn_context)
        return card_id in cards.get(sender_state_key(turn_context.activity), ())

    async def _all(self, turn_context: TurnContext) -> dict[str, list[str]]:
        cards = await self._states.get(turn_context, dict)
        if not isinstance(cards, dict):  # not ours: start over rather than fail every turn
            cards = {}
            await self._states.set(turn_context, cards)
        return cards


class MeetbotConversationState(ConversationState):  # type: ignore[misc]
    """`ConversationState` with two differences for a conversation with nothing stored yet:

    - its value is created, never overwritten: `load` gives it the eTag `NEW`, so a second
      instance creating the same conversation's state at the same moment gets a conflict
      instead of silently replacing the first's (a value without an eTag would);
    - it is saved only once it holds something: botbuilder writes the empty state of every
      conversation it hears from, which here would also turn two instances' identical empty
      writes (a bot added to a chat: conversationUpdate and installationUpdate together)
      into a conflict.
    """

    async def load(self, turn_context: TurnContext, force: bool = False) -> None:
        BotAssert.context_not_none(turn_context)
        cached_state = self.get_cached_state(turn_context)
        storage_key = self.get_storage_key(turn_context)
        if force or not cached_state or not cached_state.state:
            items = await self._storage.read([storage_key])
            state = CachedBotState(items.get(storage_key))
            if storage_key not in items:
                state.state["e_tag"] = NEW  # created by this turn's write, or not at all
            turn_context.turn_state[self._context_service_key] = state

    async def save_changes(self, turn_context: TurnContext, force: bool = False) -> None:
        cached_state = self.get_cached_state(turn_context)
        if cached_state is not None and not force and _empty_and_new(cached_state.state):
            return  # nothing stored, nothing to store
        await super().save_changes(turn_context, force)


def _empty_and_new(state: dict[str, object]) -> bool:
    """Read as absent (eTag `NEW`) and still without a value: no property set, or only empty
    ones (the dialog states a turn without a dialog leaves)."""
    return state.get("e_tag") == NEW and all(
        value is None or value in ({}, []) for key, value in state.items() if key != "e_tag"
    )
