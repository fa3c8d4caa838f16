"""`SentCards`: a card is the sender's only when Meetbot sent it to them; the record is bounded
and survives in the conversation's stored state."""

from __future__ import annotations

from botbuilder.core import MemoryStorage, TurnContext
from botbuilder.schema import ChannelAccount, ResourceResponse

from bot.teams.sender_state import SentCards
from bot.teams.state import MeetbotConversationState
from tests.factories import make_turn_context


def _turn_from(sender: str) -> TurnContext:
    turn = make_turn_context()
    turn.activity.from_property = ChannelAccount(id=f"29:{sender}", aad_object_id=sender)
    return turn


async def _record(state: MeetbotConversationState, sender: str, *card_ids: str) -> None:
    turn = _turn_from(sender)
    await state.load(turn)
    cards = SentCards(state.create_property("SentCards"), per_sender=3, senders=2)
    for card_id in card_ids:
        await cards.record(turn, ResourceResponse(id=card_id))
    await state.save_changes(turn)


async def _is_senders(state: MeetbotConversationState, sender: str, card_id: str) -> bool:
    turn = _turn_from(sender)
    await state.load(turn)
    return await SentCards(state.create_property("SentCards")).sent_to_sender(turn, card_id)


async def test_a_card_belongs_to_the_sender_it_was_sent_to_and_to_no_one_else() -> None:
    state = MeetbotConversationState(MemoryStorage())
    await _record(state, "alex", "1:alex-form")
    await _record(state, "adele", "1:adele-list")

    assert await _is_senders(state, "alex", "1:alex-form")  # read back from the store
    assert not await _is_senders(state, "adele", "1:alex-form")
    assert not await _is_senders(state, "alex", "1:adele-list")
    assert not await _is_senders(state, "alex", "1:never-sent")


async def test_each_sender_keeps_their_latest_cards_and_the_latest_senders_are_kept() -> None:
    state = MeetbotConversationState(MemoryStorage())
    await _record(state, "alex", "a1", "a2", "a3", "a4")
    assert [await _is_senders(state, "alex", c) for c in ("a1", "a2", "a3", "a4")] == [
        False,
        True,
        True,
        True,
    ]
    await _record(state, "adele", "d1")
    await _record(state, "alex", "a5")  # alex is again the most recent sender
    await _record(state, "megan", "m1")  # a third sender: the least recent (adele) is dropped
    assert not await _is_senders(state, "adele", "d1")
    assert await _is_senders(state, "alex", "a5")
    assert await _is_senders(state, "megan", "m1")


async def test_a_send_without_an_id_records_nothing() -> None:
    state = MeetbotConversationState(MemoryStorage())
    turn = _turn_from("alex")
    await state.load(turn)
    cards = SentCards(state.create_property("SentCards"))
    await cards.record(turn, None)
    await cards.record(turn, ResourceResponse(id=""))
    assert await state.create_property("SentCards").get(turn, dict) == {}
