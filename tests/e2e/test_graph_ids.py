"""Ids that reach Graph URL paths: a button's `eventId` of ".." must not move the call.

httpx resolves dot segments (`/users/u/events/..` is sent as `/users/u`), so before the
check a tampered make-online button PATCHed the user and a cancel button POSTed
`/users/u/cancel`. Now nothing is sent and the sender is told why.
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.i18n import catalog_for
from tests.conftest import Post, RunningConnector, RunningGraph
from tests.e2e.test_meet import card_text, sent_cards
from tests.factories import USER_AAD_ID, make_message, new_conversation_id

EN = catalog_for("en")
TAMPERED = ["..", ".", "../../calendar", "AAMk AD", "AAMkAD\u202e", ""]


def _button(action: str, event_id: str) -> dict[str, Any]:
    value: dict[str, Any] = {"meetbot": action, "eventId": event_id, "for": USER_AAD_ID}
    if action == "cancel_meeting":
        value |= {"confirm": True, "subject": "Design review"}
    return value


@pytest.mark.parametrize("action", ["make_online", "cancel_meeting"])
@pytest.mark.parametrize("event_id", [e for e in TAMPERED if e.strip()])
async def test_a_button_with_an_id_graph_never_issues_sends_nothing(
    post: Post, graph: RunningGraph, connector: RunningConnector, action: str, event_id: str
) -> None:
    conversation = new_conversation_id()
    value = _button(action, event_id)
    response = await post(
        make_message("", service_url=connector.url, conversation_id=conversation, value=value)
    )

    assert response.status_code in {200, 201}
    graph_calls = [r for r in graph.emulator.requests if r.path.startswith("/v1.0/")]
    assert [(r.method, r.path) for r in graph_calls if r.method != "GET"] == []
    assert all(r.path == f"/v1.0/users/{USER_AAD_ID}/calendar" for r in graph_calls)
    [card] = sent_cards(connector, conversation)
    assert EN.invalid_graph_id.split(",")[0] in card_text(card)


async def test_a_real_event_id_with_slash_and_plus_still_reaches_its_event(
    post: Post, graph: RunningGraph, connector: RunningConnector
) -> None:
    """Standard-alphabet base64 ids hold "/" and "+" (microsoft-graph-docs#3598): they are
    sent (percent-encoded), not refused; the emulator records the decoded path."""
    conversation = new_conversation_id()
    value = _button("make_online", "AAMkADRiMDjYwOABGv/GAA+A=")
    await post(
        make_message("", service_url=connector.url, conversation_id=conversation, value=value)
    )
    [patch] = [r for r in graph.emulator.requests if r.method == "PATCH"]
    assert patch.path == f"/v1.0/users/{USER_AAD_ID}/events/AAMkADRiMDjYwOABGv/GAA+A="
