"""`check_activity` names the first field of a malformed activity, and refuses what nests too
deep or holds text that is not valid Unicode; the security suite's activities pass it."""

from __future__ import annotations

import json
from typing import Any

import orjson
import pytest

from bot.teams.shape import MAX_DEPTH, MalformedActivity, check_activity
from tests.security.test_security_activity_properties import _bases


def _verdict(body: Any) -> str | None:
    try:
        check_activity(body)
    except MalformedActivity as refused:
        return str(refused)
    return None


def _nested(depth: int) -> Any:
    node: Any = "leaf"
    for _ in range(depth):
        node = [node]
    return node


@pytest.mark.parametrize("body", _bases())
def test_teams_activities_pass(body: dict[str, Any]) -> None:
    assert _verdict(json.loads(json.dumps(body))) is None


TOO_DEEP = f"The activity nests deeper than {MAX_DEPTH} levels."
NOT_UNICODE = "The activity holds text that is not valid Unicode."


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (
            {"entities": [{"type": "mention", "mentioned": {"id": 5}}]},
            "'entities[0].mentioned.id' must be a string.",
        ),
        (
            {"entities": [{"type": "mention", "mentioned": "Adele"}]},
            "'entities[0].mentioned' must be an object.",
        ),
        ({"entities": [None]}, "'entities[0]' must not be null."),
        ({"entities": [{"type": "x"}, 3]}, "'entities[1]' must be an object."),
        (
            {"attachments": [{"contentType": "x", "content": {}}, {"contentType": ["x"]}]},
            "'attachments[1].contentType' must be a string.",
        ),
        ({"from": {"id": "29:a", "name": 7}}, "'from.name' must be a string."),
        (
            {"conversation": {"id": "a:c", "isGroup": "yes"}},
            "'conversation.isGroup' must be true or false.",
        ),
        ({"recipient": []}, "'recipient' must be an object."),
        ({"timestamp": 12}, "'timestamp' must be a date-time string."),
        (
            {"membersAdded": [{"id": "x"}, {"id": {"no": 1}}]},
            "'membersAdded[1].id' must be a string.",
        ),
        ({"channelId": 5}, "'channelId' must be a string."),
        ({"value": _nested(MAX_DEPTH + 2)}, TOO_DEEP),
        ({"value": {"\ud800": 1}}, NOT_UNICODE),
        ({"text": "\udfff"}, NOT_UNICODE),
        ({"localTimestamp": True}, "'localTimestamp' must be a date-time string."),
        ({"serviceUrl": "ftp://files.example"}, "'serviceUrl' must be an http(s) URL."),
        # A port no reply can reach (seen as bytes inserted into a URL by the mangling test).
        ({"serviceUrl": "http://127.0.0.1:38705null"}, "'serviceUrl' must be an http(s) URL."),
        ({"serviceUrl": "https://smba.example:0"}, "'serviceUrl' must be an http(s) URL."),
        ({"conversation": {"id": " "}}, "'conversation.id' is required."),
        ({"type": ""}, "The body is not a Bot Framework activity."),
    ],
)
def test_hand_made_problems_are_named(change: dict[str, Any], words: str) -> None:
    assert _verdict(_bases()[0] | change) == words


def test_a_body_that_is_not_an_object_is_refused() -> None:
    assert _verdict([]) == "The body is not a Bot Framework activity."


def _chain(containers: int, leaf: Any, *, lists: bool) -> Any:
    node = leaf
    for _ in range(containers):
        node = [node] if lists else {"k": node}
    return node


@pytest.mark.parametrize("lists", [True, False])
@pytest.mark.parametrize("leaf", [1, [], {}])
@pytest.mark.parametrize("containers", range(MAX_DEPTH - 4, MAX_DEPTH + 2))
def test_nesting_is_refused_beyond_the_limit(containers: int, leaf: Any, lists: bool) -> None:
    """The root and `conversation` are two levels, the chain the rest; its leaf is a level
    below the innermost container."""
    body = orjson.loads(
        orjson.dumps(
            {
                "type": "event",
                "channelId": "msteams",
                "serviceUrl": "https://smba.example",
                "conversation": {
                    "id": "c",
                    "properties": _chain(containers - 2, leaf, lists=lists),
                },
            }
        )
    )
    expected = TOO_DEEP if containers + 1 > MAX_DEPTH else None
    assert _verdict(body) == expected
