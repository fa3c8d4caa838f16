"""Subjects reach Graph (and so every attendee's invitation) clean: no control characters,
bidi overrides or zero-width characters, whichever way they were typed: the chat line, the
`meet now` line, the dialog's answer or the schedule form. The same rule as the cards'
(`cards.text.clean`)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from tests.conftest import Post, RunningConnector, RunningGraph
from tests.factories import USER_AAD_ID, make_message, new_conversation_id

LA = ZoneInfo("America/Los_Angeles")
MORNING = datetime(2026, 11, 21, 9, 0, tzinfo=LA)
# Zero-width space, right-to-left override, BEL, pop directional, word joiner, a tab.
DIRTY = "Pay\u200broll \u202eweiver\u202c\x07 q3\u2060\tsync"
CLEAN = "Payroll weiver q3 sync"


def _subjects(graph: RunningGraph) -> list[str]:
    """The subject of every create (events, onlineMeetings/createOrGet) Graph received."""
    posts = [r for r in graph.emulator.requests if r.method == "POST" and "/v1.0/" in r.path]
    return [r.json["subject"] for r in posts]


async def test_a_subject_typed_in_chat_is_cleaned_before_graph(
    post: Post, graph: RunningGraph, connector: RunningConnector
) -> None:
    await post(make_message(f"meet {DIRTY} tomorrow 3pm", service_url=connector.url))
    await post(make_message(f"meet now {DIRTY}", service_url=connector.url))

    assert _subjects(graph) == [CLEAN, CLEAN]
    [event] = graph.emulator.events(USER_AAD_ID)
    assert event["subject"] == CLEAN


async def test_a_subject_of_invisible_characters_only_is_asked_for(
    post: Post, graph: RunningGraph, connector: RunningConnector
) -> None:
    conversation = new_conversation_id()
    await post(
        make_message(
            "meet \u200b\u202e\u2060 tomorrow 3pm",
            service_url=connector.url,
            conversation_id=conversation,
        )
    )
    assert graph.emulator.events(USER_AAD_ID) == []
    [asked] = connector.emulator.activities(conversation)
    assert asked.body["text"] == "What is the meeting about?"


async def test_a_subject_answered_in_the_dialog_is_cleaned_before_graph(
    post: Post, graph: RunningGraph, connector: RunningConnector
) -> None:
    conversation = new_conversation_id()
    for text in ("meet", "\u200b\u202e", DIRTY, "tomorrow 3pm"):
        await post(
            make_message(
                text, service_url=connector.url, conversation_id=conversation, local_now=MORNING
            )
        )
    asked = [str(c.body.get("text")) for c in connector.emulator.activities(conversation)]
    assert asked[:2] == ["What is the meeting about?"] * 2  # the invisible answer is no subject
    assert asked[2].startswith(f"When should \u201c{CLEAN}\u201d be?")
    assert _subjects(graph) == [CLEAN]


async def test_a_subject_from_the_schedule_form_is_cleaned_before_graph(
    post: Post, graph: RunningGraph, connector: RunningConnector
) -> None:
    value = {
        "meetbot": "schedule_form",
        "subject": DIRTY,
        "date": "2026-11-23",
        "time": "14:30",
        "duration": "30",
        "attendees": "",
    }
    submit = make_message("", service_url=connector.url, local_now=MORNING, value=value)
    await post(submit)
    assert _subjects(graph) == [CLEAN]
