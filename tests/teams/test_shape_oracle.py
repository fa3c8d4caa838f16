"""`check_activity` refuses exactly what its earlier, slower version refused, with the same
words (`tests/teams/shape_reference.py` is that version), over the security suite's mutated
activities and a few hand-made ones."""

from __future__ import annotations

import copy
import json
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.teams import shape
from bot.teams.shape import MAX_DEPTH, MalformedActivity, check_activity
from tests.security.test_security_activity_properties import _bases, mutate, mutations
from tests.teams import shape_reference

_TREE = ("nests deeper", "not valid Unicode")


def _verdict(check: Any, body: Any) -> str | None:
    try:
        check(copy.deepcopy(body))
    except MalformedActivity as refused:
        return str(refused)
    return None


def _same(body: Any, source: bytes | None = None) -> None:
    """Our verdict (given the bytes orjson parsed, when there are some) is the reference's."""
    ours = _verdict(lambda parsed: check_activity(parsed, orjson_source=source), body)
    theirs = _verdict(shape_reference.check_activity, body)
    if ours is not None and theirs is not None and any(t in theirs for t in _TREE):
        # Two problems of the whole tree: the walk order decides which one is named first.
        assert any(t in ours for t in _TREE), (ours, theirs)
        return
    assert ours == theirs


def _from_wire(activity: dict[str, Any]) -> tuple[Any, bytes]:
    source = orjson.dumps(activity)
    return orjson.loads(source), source


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(base=st.sampled_from(_bases()), changes=mutations)
def test_mutated_activities_get_the_same_verdict(base: dict[str, Any], changes: Any) -> None:
    """As a Python value, and as orjson parsed it from the wire, with its bytes given."""
    activity = json.loads(json.dumps(base))
    for path, value in changes:
        mutate(activity, path, value)
    _same(activity)
    try:
        body, source = _from_wire(activity)
    except orjson.JSONEncodeError:  # a lone surrogate: no wire carries it to orjson.loads
        return
    _same(body, source)


def _nested(depth: int) -> Any:
    node: Any = "leaf"
    for _ in range(depth):
        node = [node]
    return node


@pytest.mark.parametrize(
    "change",
    [
        {"entities": [{"type": "mention", "mentioned": {"id": 5}}]},
        {"entities": [{"type": "mention", "mentioned": "Adele"}]},
        {"entities": [None]},
        {"entities": [{"type": "x"}, 3]},
        {"attachments": [{"contentType": "x", "content": {}}, {"contentType": ["x"]}]},
        {"from": {"id": "29:a", "name": 7}},
        {"conversation": {"id": "a:c", "isGroup": "yes"}},
        {"recipient": []},
        {"timestamp": 12},
        {"membersAdded": [{"id": "x"}, {"id": {"no": 1}}]},
        {"channelId": 5},
        {"value": _nested(MAX_DEPTH + 2)},
        {"value": {"\ud800": 1}},
        {"text": "\udfff"},
        {"localTimestamp": True},
    ],
)
def test_hand_made_problems_get_the_same_words(change: dict[str, Any]) -> None:
    activity = _bases()[0] | change
    assert _verdict(check_activity, activity) is not None
    _same(activity)


def _chain(containers: int, leaf: Any, *, lists: bool) -> Any:
    node = leaf
    for _ in range(containers):
        node = [node] if lists else {"k": node}
    return node


@pytest.mark.parametrize("lists", [True, False])
@pytest.mark.parametrize("leaf", [1, [], {}])
@pytest.mark.parametrize("containers", range(MAX_DEPTH - 4, MAX_DEPTH + 2))
def test_nesting_at_the_limit_from_the_wire_gets_the_same_verdict(
    containers: int, leaf: Any, lists: bool
) -> None:
    """The fewest brackets there can be around a value at each depth near the limit: the root
    and `conversation` are two, the chain the rest (a leaf inside the innermost is a level
    below it)."""
    body, source = _from_wire(
        {
            "type": "event",
            "channelId": "msteams",
            "serviceUrl": "https://smba.example",
            "conversation": {"id": "c", "properties": _chain(containers - 2, leaf, lists=lists)},
        }
    )
    assert source.count(b"{") + source.count(b"[") == containers + (1 if leaf != 1 else 0)
    _same(body, source)


@pytest.mark.parametrize(
    "source",
    [b'{"text": "\\ud800"}', b'{"\\udfff": 1}', b'{"text": "\xed\xa0\x80"}'],
)
def test_orjson_refuses_what_the_tree_walk_would(source: bytes) -> None:
    """The shortcut's premise: orjson never hands over text that is not valid Unicode."""
    with pytest.raises(orjson.JSONDecodeError):
        orjson.loads(source)


def test_a_message_from_the_wire_is_not_walked_unless_it_could_nest_too_deep(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    walked: list[Any] = []
    monkeypatch.setattr(shape, "_check_tree", walked.append)
    body, source = _from_wire(_bases()[0])
    check_activity(body, orjson_source=source)
    assert walked == []

    deep, deep_source = _from_wire(_bases()[0] | {"value": _nested(MAX_DEPTH - 2)})
    check_activity(deep, orjson_source=deep_source)
    assert walked == [deep]


def test_too_deep_from_the_wire_is_still_refused() -> None:
    body, source = _from_wire(_bases()[0] | {"value": _nested(MAX_DEPTH + 2)})
    with pytest.raises(MalformedActivity, match="nests deeper"):
        check_activity(body, orjson_source=source)
