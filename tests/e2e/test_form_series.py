"""The schedule form's repeat, place, optional and agenda inputs end to end: the submit posted
to /api/messages, the create body the Graph emulator received, and the card that replaced the
form; an unusable new value comes back in the form and books nothing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Post, RunningConnector, RunningGraph
from tests.e2e.test_conversations import form_submit, sent_form
from tests.e2e.test_meet import card_text
from tests.e2e.test_meet_details import create_body
from tests.factories import USER_AAD_ID, new_conversation_id


def replaced_card(connector: RunningConnector, conversation: str, form_id: str) -> dict[str, Any]:
    [update] = [c for c in connector.emulator.activities(conversation) if c.kind == "update"]
    assert update.activity_id == form_id
    card: dict[str, Any] = update.body["attachments"][0]["content"]
    return card


async def test_a_weekly_form_with_place_room_optional_and_agenda_reaches_graph(
    post: Post, graph: RunningGraph, connector: RunningConnector
) -> None:
    conversation = new_conversation_id()
    form_id = await sent_form(post, connector, conversation)
    await post(
        form_submit(
            connector,
            conversation,
            form_id,
            subject="Design review",
            attendees="adele@contoso.com",
            repeat="weekly",  # Monday 23 November 2026: weekly on Mondays
            repeatUntil="2026-12-31",
            place="Fourth Coffee; Home Office; baker@contoso.com",
            optional="megan@contoso.com",
            agenda="Q3 numbers\n<b>Launch</b> & risks",
        )
    )

    body = create_body(graph)
    zone = body["start"]["timeZone"]
    assert body["start"]["dateTime"] == "2026-11-23T14:30:00"
    assert body["recurrence"] == {
        "pattern": {
            "type": "weekly",
            "interval": 1,
            "daysOfWeek": ["Monday"],
            "firstDayOfWeek": "Sunday",
        },
        "range": {
            "type": "endDate",
            "startDate": "2026-11-23",
            "endDate": "2026-12-31",
            "recurrenceTimeZone": zone,
        },
    }
    assert body["locations"] == [{"displayName": "Fourth Coffee"}, {"displayName": "Home Office"}]
    # The room is the location that carries its mailbox (meetpipe's create body).
    assert body["location"] == {
        "displayName": "Conf Room Baker",
        "locationEmailAddress": "baker@contoso.com",
    }
    assert [(a["emailAddress"]["address"], a["type"]) for a in body["attendees"]] == [
        ("adele@contoso.com", "required"),
        ("megan@contoso.com", "optional"),
        ("baker@contoso.com", "resource"),
    ]
    assert body["body"] == {
        "contentType": "HTML",
        "content": "Q3 numbers<br>&lt;b&gt;Launch&lt;/b&gt; &amp; risks",
    }

    card = replaced_card(connector, conversation, form_id)
    shown = {
        fact["title"].replace("\u00a0", " "): fact["value"]
        for element in card["body"]
        if element.get("type") == "FactSet"
        for fact in element["facts"]
    }
    assert shown["Repeats"] == "Every Monday until Dec 31, 2026"
    assert shown["Place"] == "Fourth Coffee; Home Office"
    assert shown["Room"] == "Conf Room Baker"
    assert shown["Invited"] == "adele@contoso.com"
    assert shown["Optional"] == "megan@contoso.com"


@pytest.mark.parametrize(
    ("field", "typed"),
    [
        ("place", "baker@"),
        ("optional", "megan@"),
        ("repeat", "yearly"),
        ("repeatUntil", "2026-11-01"),  # before the first meeting
    ],
)
async def test_an_unusable_new_value_is_sent_back_in_the_form(
    post: Post,
    graph: RunningGraph,
    connector: RunningConnector,
    field: str,
    typed: str,
) -> None:
    conversation = new_conversation_id()
    form_id = await sent_form(post, connector, conversation)
    values = {"repeat": "weekly"} if field == "repeatUntil" else {}
    await post(form_submit(connector, conversation, form_id, **values, **{field: typed}))

    assert graph.emulator.events(USER_AAD_ID) == []
    card = replaced_card(connector, conversation, form_id)
    assert typed in card_text(card)
    # The form comes back with its inputs, so nothing typed is lost.
    assert any(node.get("id") == "agenda" for node in card["body"])
