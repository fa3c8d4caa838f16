"""Hostile requests to /api/messages: every one is answered 4xx with a JSON error (never a 500),
reaches neither Graph nor the connector, and leaves the bot serving."""

from __future__ import annotations

import gzip
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from bot.app import MAX_BODY_BYTES
from bot.commands import MAX_TEXT_LENGTH
from bot.i18n import en
from tests.conftest import Post, RunningConnector, RunningGraph
from tests.factories import USER_AAD_ID, make_message, new_conversation_id


@pytest.fixture
async def client(bot_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=bot_url, timeout=30) as client:
        yield client


async def assert_still_serving(post: Post, connector: RunningConnector) -> None:
    activity = make_message("help", service_url=connector.url)
    assert (await post(activity)).status_code in (200, 201)
    assert connector.emulator.activities(activity["conversation"]["id"])


def assert_untouched(graph: RunningGraph, connector: RunningConnector) -> None:
    assert graph.emulator.requests == []
    assert connector.emulator.calls == []


def assert_problem(response: httpx.Response, status: int) -> None:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    assert isinstance(response.json()["error"], str)


def _padded(connector: RunningConnector, size: int) -> bytes:
    """A valid message activity whose JSON is `size` bytes long."""
    activity = make_message("help", service_url=connector.url)
    activity["value"] = ""
    overhead = len(json.dumps(activity).encode())
    activity["value"] = "x" * (size - overhead)
    body = json.dumps(activity).encode()
    assert len(body) == size
    return body


# --- size -------------------------------------------------------------------------------------


async def test_a_body_over_the_cap_is_413(
    client: httpx.AsyncClient, post: Post, graph: RunningGraph, connector: RunningConnector
) -> None:
    body = _padded(connector, MAX_BODY_BYTES + 1)
    response = await client.post(
        "/api/messages", content=body, headers={"Content-Type": "application/json"}
    )
    assert_problem(response, 413)
    assert_untouched(graph, connector)
    await assert_still_serving(post, connector)


async def test_a_body_at_the_cap_is_read(
    client: httpx.AsyncClient, graph: RunningGraph, connector: RunningConnector
) -> None:
    body = _padded(connector, MAX_BODY_BYTES)
    response = await client.post(
        "/api/messages", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code in (200, 201)


async def test_a_chunked_body_over_the_cap_is_413(
    client: httpx.AsyncClient, post: Post, graph: RunningGraph, connector: RunningConnector
) -> None:
    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: Transfer-Encoding: chunked
        body = _padded(connector, 4 * MAX_BODY_BYTES)
        for start in range(0, len(body), 16 * 1024):
            yield body[start : start + 16 * 1024]

    request = client.build_request(
        "POST", "/api/messages", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert "Content-Length" not in request.headers
    assert request.headers["Transfer-Encoding"] == "chunked"
    assert_problem(await client.send(request), 413)
    assert_untouched(graph, connector)
    await assert_still_serving(post, connector)


async def test_a_compressed_body_that_inflates_past_the_cap_is_413(
    client: httpx.AsyncClient, post: Post, graph: RunningGraph, connector: RunningConnector
) -> None:
    bomb = gzip.compress(_padded(connector, 40 * MAX_BODY_BYTES))
    assert len(bomb) < MAX_BODY_BYTES // 10
    response = await client.post(
        "/api/messages",
        content=bomb,
        headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
    )
    assert_problem(response, 413)
    assert_untouched(graph, connector)
    await assert_still_serving(post, connector)


async def test_text_past_the_command_limit_gets_the_too_long_answer_and_no_graph_call(
    post: Post, graph: RunningGraph, connector: RunningConnector
) -> None:
    for text in ("meet now " + "x" * MAX_TEXT_LENGTH, "meet " + "y" * (100 * MAX_TEXT_LENGTH)):
        activity = make_message(
            text, service_url=connector.url, conversation_id=new_conversation_id()
        )
        assert (await post(activity)).status_code in (200, 201)
        [reply] = connector.emulator.activities(activity["conversation"]["id"])
        assert reply.body["text"] == en.CATALOG.too_long
    assert graph.emulator.requests == []


# --- content type and JSON ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {},  # no Content-Type at all: botbuilder's own `process` would raise KeyError (a 500)
        {"Content-Type": "text/plain"},
        {"Content-Type": "application/x-www-form-urlencoded"},
        {"Content-Type": "multipart/form-data; boundary=x"},
        {"Content-Type": "application/jsonp"},
    ],
    ids=["none", "text", "form", "multipart", "jsonp"],
)
async def test_anything_but_json_is_415(
    headers: dict[str, str],
    client: httpx.AsyncClient,
    graph: RunningGraph,
    connector: RunningConnector,
) -> None:
    body = json.dumps(make_message("meet now x", service_url=connector.url)).encode()
    response = await client.post("/api/messages", content=body, headers=headers)
    assert_problem(response, 415)
    assert_untouched(graph, connector)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"{nope",
        b"\xff\xfe{}",  # not UTF-8
        b"[" * 100_000 + b"]" * 100_000,  # deeper than the JSON parser's recursion limit
        b'"just a string"',
        b"[1, 2]",
        b"null",
    ],
    ids=["empty", "truncated", "not-utf8", "deep-array", "string", "array", "null"],
)
async def test_a_body_that_is_not_an_activity_object_is_400(
    body: bytes,
    client: httpx.AsyncClient,
    post: Post,
    graph: RunningGraph,
    connector: RunningConnector,
) -> None:
    response = await client.post(
        "/api/messages", content=body, headers={"Content-Type": "application/json"}
    )
    assert_problem(response, 400)
    assert_untouched(graph, connector)
    await assert_still_serving(post, connector)


# --- malformed activities -----------------------------------------------------------------------

_DEEP: Any = "bottom"
for _ in range(40):
    _DEEP = {"a": [_DEEP]}

MALFORMED: dict[str, tuple[str, Any]] = {
    # (dotted path to set, or delete with ...; value)
    "type-number": ("type", 5),
    "type-empty": ("type", ""),
    "type-missing": ("type", ...),
    "conversation-string": ("conversation", "a:1"),
    "conversation-list": ("conversation", [1]),
    "conversation-id-number": ("conversation.id", 5),
    "conversation-id-missing": ("conversation.id", ...),
    "conversation-missing": ("conversation", ...),
    "conversation-tenant-number": ("conversation.tenantId", 5),
    "conversation-is-group-string": ("conversation.isGroup", "yes"),
    "from-number": ("from", 5),
    "from-string": ("from", "29:user"),
    "from-id-list": ("from.id", ["29:user"]),
    "from-aad-number": ("from.aadObjectId", 5),
    "from-missing": ("from", ...),
    "recipient-string": ("recipient", "28:bot"),
    "recipient-id-dict": ("recipient.id", {"id": "28:bot"}),
    "entities-string": ("entities", "mention"),
    "entities-numbers": ("entities", [1, 2]),
    "entities-object": ("entities", {"type": "mention"}),
    "entities-null-item": ("entities", [None]),
    "entity-type-number": ("entities", [{"type": 5}]),
    "mention-mentioned-string": ("entities", [{"type": "mention", "mentioned": "28:bot"}]),
    "mention-mentioned-id-number": ("entities", [{"type": "mention", "mentioned": {"id": 5}}]),
    "mention-text-list": (
        "entities",
        [{"type": "mention", "text": ["<at>x</at>"], "mentioned": {"id": "28:x"}}],
    ),
    "attachments-string": ("attachments", "file"),
    "attachments-numbers": ("attachments", [1]),
    "attachment-content-type-number": ("attachments", [{"contentType": 5}]),
    "members-added-string": ("membersAdded", "28:bot"),
    "members-added-numbers": ("membersAdded", [1]),
    "text-number": ("text", 5),
    "text-object": ("text", {"text": "meet now"}),
    "text-lone-surrogate": ("text", "meet now \ud800"),
    "locale-number": ("locale", 5),
    "local-timezone-list": ("localTimezone", ["America/Los_Angeles"]),
    "local-timestamp-garbage": ("localTimestamp", "yesterday-ish"),
    "local-timestamp-number": ("localTimestamp", 1700000000),
    "timestamp-garbage": ("timestamp", "x"),
    "service-url-number": ("serviceUrl", 5),
    "service-url-not-a-url": ("serviceUrl", "connector"),
    "service-url-javascript": ("serviceUrl", "javascript:alert(1)"),
    "service-url-missing": ("serviceUrl", ...),
    "id-number": ("id", 5),
    "reply-to-id-object": ("replyToId", {"id": "1"}),
    "suggested-actions-string": ("suggestedActions", "none"),
    "relates-to-string": ("relatesTo", "x"),
    "nested-junk-too-deep": ("value", _DEEP),
    "key-lone-surrogate": ("channelData", {"\udc00": 1}),
}


def mutated(activity: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    *parents, last = path.split(".")
    node = activity
    for key in parents:
        node = node[key]
    if value is ...:
        node.pop(last, None)
    else:
        node[last] = value
    return activity


@pytest.mark.parametrize("case", list(MALFORMED), ids=list(MALFORMED))
async def test_a_malformed_activity_is_400_and_touches_nothing(
    case: str,
    client: httpx.AsyncClient,
    post: Post,
    graph: RunningGraph,
    connector: RunningConnector,
) -> None:
    path, value = MALFORMED[case]
    activity = mutated(make_message("meet now Quick sync", service_url=connector.url), path, value)
    body = json.dumps(activity).encode()  # ensure_ascii: a lone surrogate travels as \\ud800
    response = await client.post(
        "/api/messages", content=body, headers={"Content-Type": "application/json"}
    )
    assert_problem(response, 400)
    assert_untouched(graph, connector)
    await assert_still_serving(post, connector)


@pytest.mark.parametrize(
    "value",
    [
        "meet now",
        ["meetbot", "make_online"],
        12,
        {"meetbot": 5},
        {"meetbot": "make_online", "eventId": {"id": "x"}, "for": USER_AAD_ID},
        {"meetbot": "make_online", "eventId": "x", "for": [USER_AAD_ID]},
        {"meetbot": "cancel_meeting", "eventId": ["x"], "for": USER_AAD_ID, "confirm": True},
        {"meetbot": "set_reminder", "reminderId": 7, "for": USER_AAD_ID, "minutes": {"m": 5}},
        {"meetbot": "schedule_form", "subject": ["x"], "date": 20261123, "time": None},
    ],
    ids=["text", "list", "number", "action-number", "event-id-object", "for-list",
         "confirm-string", "reminder-id-number", "form-wrong-types"],
)  # fmt: skip
async def test_a_card_value_of_the_wrong_shape_is_answered_without_graph(
    value: Any, post: Post, graph: RunningGraph, connector: RunningConnector
) -> None:
    activity = make_message("", service_url=connector.url)
    activity["value"] = value
    assert (await post(activity)).status_code in (200, 201)
    assert [r.path for r in graph.emulator.requests if "/users/" in r.path] == []
    replies = connector.emulator.activities(activity["conversation"]["id"])
    assert len(replies) == 1 and "Sorry" not in json.dumps(replies[0].body)


async def test_an_activity_posing_as_the_bots_own_proactive_turn_is_400(
    client: httpx.AsyncClient,
    post: Post,
    graph: RunningGraph,
    connector: RunningConnector,
) -> None:
    """The middleware lets the bot's own `ContinueConversation` turns through untouched (a
    reminder's send): one posted from outside must not get that pass."""
    activity = make_message("", service_url=connector.url, type="event")
    activity["name"] = "ContinueConversation"
    response = await client.post("/api/messages", json=activity)
    assert_problem(response, 400)
    assert "ContinueConversation" in response.json()["error"]
    assert_untouched(graph, connector)
    await assert_still_serving(post, connector)
