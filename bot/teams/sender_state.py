"""Each sender's own part of a conversation's state: their dialog stack and the cards they got.

In a group chat the conversation's state is shared by every member, so a member's dialog and
the cards a click of theirs may replace are kept under their own key (`sender_state_key`):
one member's answer never continues (or cancels) another's dialog, and one member's click
never replaces a card sent to someone else.
"""

from __future__ import annotations

from typing import Any

from botbuilder.core import StatePropertyAccessor, TurnContext
from botbuilder.dialogs import DialogState
from botbuilder.schema import Activity, ActivityTypes, ResourceResponse

from bot.teams.outgoing import attachment_message
from cards import card_attachment

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


async def _per_sender(accessor: StatePropertyAccessor, turn_context: TurnContext) -> dict[str, Any]:
    """The accessor's dict of per-sender entries, started over when it holds something else
    (rather than failing every turn of the conversation)."""
    entries = await accessor.get(turn_context, dict)
    if not isinstance(entries, dict):
        entries = {}
        await accessor.set(turn_context, entries)
    return entries


class PerSender(StatePropertyAccessor):  # type: ignore[misc]
    """A dialog-state accessor that keeps one dialog stack per sender within the conversation's
    state. Stacks that are empty at the end of a turn are dropped (`prune`), so they cost no
    writes."""

    def __init__(self, states: StatePropertyAccessor) -> None:
        self._states = states

    async def get(self, turn_context: TurnContext, default_value_or_factory: Any = None) -> Any:
        states = await _per_sender(self._states, turn_context)
        key = sender_state_key(turn_context.activity)
        if key not in states:
            default = default_value_or_factory
            states[key] = default() if callable(default) else (default or DialogState())
        return states[key]

    async def set(self, turn_context: TurnContext, value: Any) -> None:
        (await _per_sender(self._states, turn_context))[sender_state_key(turn_context.activity)] = (
            value
        )

    async def delete(self, turn_context: TurnContext) -> None:
        states = await _per_sender(self._states, turn_context)
        states.pop(sender_state_key(turn_context.activity), None)

    async def prune(self, turn_context: TurnContext) -> None:
        states = await _per_sender(self._states, turn_context)
        for key in [k for k, state in states.items() if not _kept(k, state)]:
            del states[key]


def _kept(key: str, state: Any) -> bool:
    """A running dialog under a current key (one stored before keys had their prefix goes)."""
    return key.startswith(SENDER_KEY_PREFIX) and bool(getattr(state, "dialog_stack", None))


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
        cards = await _per_sender(self._states, turn_context)
        key = sender_state_key(turn_context.activity)
        mine = [card for card in cards.pop(key, []) if card != sent.id][-(self._per_sender - 1) :]
        cards[key] = [*mine, sent.id]  # (re)inserted last: the most recent sender
        for oldest in list(cards)[: max(0, len(cards) - self._senders)]:
            del cards[oldest]

    async def send(self, turn_context: TurnContext, card: dict[str, Any]) -> None:
        """Send a card that a click on it replaces, recorded as the sender's."""
        sent = await turn_context.send_activity(attachment_message(card_attachment(card)))
        await self.record(turn_context, sent)

    async def replace_or_send(self, turn_context: TurnContext, card: dict[str, Any]) -> None:
        """Replace the card the sender clicked (Teams sets `replyToId` to it) when Meetbot sent
        that card to them; else `send` it as a new message."""
        target = turn_context.activity.reply_to_id
        if not target or not await self.sent_to_sender(turn_context, target):
            await self.send(turn_context, card)
            return
        update = Activity(
            id=target, type=ActivityTypes.message, attachments=[card_attachment(card)]
        )
        await turn_context.update_activity(update)

    async def sent_to_sender(self, turn_context: TurnContext, card_id: str) -> bool:
        cards = await _per_sender(self._states, turn_context)
        return card_id in cards.get(sender_state_key(turn_context.activity), ())
