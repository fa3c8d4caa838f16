"""Activities built for one send: what botbuilder's factories build, safe to address."""

from __future__ import annotations

import copy

from botbuilder.core import MessageFactory, TurnContext
from botbuilder.schema import Activity, Attachment, CardAction, ConversationReference, HeroCard

from bot.teams.outgoing import activity_json, attachment_message, text_message
from tests.factories import make_message


def test_they_serialize_as_botbuilders_factories_do() -> None:
    card = Attachment(content_type="application/vnd.microsoft.card.adaptive", content={"a": 1})
    assert text_message("hello").serialize() == MessageFactory.text("hello").serialize()
    assert attachment_message(card).serialize() == MessageFactory.attachment(card).serialize()


def test_addressing_the_copy_botbuilder_makes_leaves_the_original_alone() -> None:
    card = Attachment(content_type="x", content={"a": 1})
    original = attachment_message(card)
    clone = copy.deepcopy(original)
    assert clone is not original
    assert clone.attachments is not original.attachments
    reference = ConversationReference(
        channel_id="msteams", conversation=None, service_url="https://connector.example"
    )
    TurnContext.apply_conversation_reference(clone, reference)
    clone.attachments.append(card)
    clone.id = None
    assert original.service_url is None and original.channel_id is None
    assert len(original.attachments) == 1


def test_a_turn_sends_it_addressed_to_the_conversation() -> None:
    received = Activity().deserialize(make_message("hi", service_url="https://connector.example"))
    incoming = TurnContext.get_conversation_reference(received)
    sent = TurnContext.apply_conversation_reference(copy.deepcopy(text_message("x")), incoming)
    assert sent.service_url == "https://connector.example"
    assert sent.conversation is incoming.conversation


def _card_reply() -> Activity:
    received = Activity().deserialize(make_message("hi", service_url="https://connector.example"))
    card = {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlock", "text": "x"}]}
    reply = attachment_message(
        Attachment(content_type="application/vnd.microsoft.card.adaptive", content=card)
    )
    return TurnContext.apply_conversation_reference(
        reply, TurnContext.get_conversation_reference(received)
    )


def test_the_json_sent_is_what_msrest_writes() -> None:
    reply = _card_reply()
    assert activity_json(reply) == reply.serialize()
    assert activity_json(text_message("hello")) == text_message("hello").serialize()


def test_a_card_goes_in_as_it_is_and_the_activity_is_left_alone() -> None:
    reply = _card_reply()
    card = reply.attachments[0].content
    written = activity_json(reply)
    assert written["attachments"][0]["content"] is card
    assert reply.attachments[0].content is card


def test_content_that_is_not_a_dict_is_msrests_to_write() -> None:
    hero = HeroCard(title="Hi", buttons=[CardAction(type="openUrl", title="Go", value="https://x")])
    reply = attachment_message(
        Attachment(content_type="application/vnd.microsoft.card.hero", content=hero)
    )
    assert activity_json(reply) == reply.serialize()
    assert activity_json(reply)["attachments"][0]["content"]["title"] == "Hi"
