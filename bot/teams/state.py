"""botbuilder's conversation state, with a cheaper check of whether a turn changed it.

`BotState` keeps each turn's state in a `CachedBotState`, which hashes the state when it is
loaded and again when the turn ends, and saves only if the two differ. Its hash is jsonpickle's
flattening of the whole state, turned into a string: ~10 µs each time in a running bot, twice a
turn, for Meetbot's usual `{"DialogStates": {}}`. Here, state made only of plain JSON values
(`bot.store.serialize.plain_json`) is hashed as its JSON bytes (orjson, ~1 µs with the check),
which differ whenever the values do; anything else (a dialog's `DialogState` on the stack) is
hashed as botbuilder hashes it. A change between the two kinds is a change (bytes never equal a
string), so nothing is ever left unsaved.

Each sender's own part of that state (dialog stack, the cards they got) is `bot.teams.sender_state`.
"""

from __future__ import annotations

import orjson
from botbuilder.core import ConversationState, TurnContext
from botbuilder.core.bot_assert import BotAssert
from botbuilder.core.bot_state import CachedBotState

from bot.store.serialize import NEW, plain_json


class _QuickCachedBotState(CachedBotState):  # type: ignore[misc]
    def compute_hash(self, obj: object) -> str | bytes:
        if plain_json(obj):
            return orjson.dumps(obj)
        return super().compute_hash(obj)  # type: ignore[no-any-return]


class MeetbotConversationState(ConversationState):  # type: ignore[misc]
    """`ConversationState` whose turns cache their state in `_QuickCachedBotState`; `load`
    and `clear_state` are botbuilder's, with that one class in place of `CachedBotState`, and
    two differences for a conversation with nothing stored yet:

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
            state = _QuickCachedBotState(items.get(storage_key))
            if storage_key not in items:
                state.state["e_tag"] = NEW  # created by this turn's write, or not at all
            turn_context.turn_state[self._context_service_key] = state

    async def save_changes(self, turn_context: TurnContext, force: bool = False) -> None:
        cached_state = self.get_cached_state(turn_context)
        if cached_state is not None and not force and _empty_and_new(cached_state.state):
            return  # nothing stored, nothing to store
        await super().save_changes(turn_context, force)

    async def clear_state(self, turn_context: TurnContext) -> None:
        BotAssert.context_not_none(turn_context)
        cleared = _QuickCachedBotState()
        cleared.hash = ""  # as botbuilder does: always changed, so the next save writes
        turn_context.turn_state[self._context_service_key] = cleared


def _empty_and_new(state: dict[str, object]) -> bool:
    """Read as absent (eTag `NEW`) and still without a value: no property set, or only empty
    ones (the dialog states a turn without a dialog leaves)."""
    return state.get("e_tag") == NEW and all(
        value is None or value in ({}, []) for key, value in state.items() if key != "e_tag"
    )
