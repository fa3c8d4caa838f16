"""botbuilder's conversation state, with Meetbot's rules for a conversation with nothing stored.

Each sender's own part of that state (dialog stack, the cards they got) is `bot.teams.sender_state`.
"""

from __future__ import annotations

from botbuilder.core import ConversationState, TurnContext
from botbuilder.core.bot_assert import BotAssert
from botbuilder.core.bot_state import CachedBotState

from bot.store.serialize import NEW


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
