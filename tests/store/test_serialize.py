"""Stored state reads back as jsonpickle reads it, with jsonpickle skipped where it has no work."""

from __future__ import annotations

import json
from typing import Any

import jsonpickle
import pytest
from botbuilder.dialogs import DialogInstance, DialogState
from hypothesis import given
from hypothesis import strategies as st

from bot.store.serialize import _flatten, _may_hold_tags, _restore

_PLAIN = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


def _as_jsonpickle_reads(text: str, etag: int) -> Any:
    value = jsonpickle.Unpickler().restore(json.loads(text))
    if isinstance(value, dict):
        value["e_tag"] = str(etag)
    return value


def _shape(value: Any) -> Any:
    """The value with every type spelled out, so 1 == 1.0 == True cannot pass for equal."""
    if isinstance(value, dict):
        return ("dict", [(key, _shape(item)) for key, item in value.items()])
    if isinstance(value, list | tuple):
        return (type(value).__name__, [_shape(item) for item in value])
    return (type(value).__name__, value)


@given(st.dictionaries(st.text(), _PLAIN, max_size=5))
def test_plain_state_reads_back_as_jsonpickle_reads_it(state: dict[str, Any]) -> None:
    text = _flatten(state)
    assert _shape(_restore(text, 7)) == _shape(_as_jsonpickle_reads(text, 7))


@pytest.mark.parametrize(
    "text",
    [
        '{"DialogStates": {}}',
        '{"pair": {"py/tuple": [1, 2]}}',
        '{"pair": {"py\\/tuple": [1, 2]}}',  # the tag spelled with an escaped slash
        '{"pair": {"\\u0070y/tuple": [1, 2]}}',  # ... or an escaped letter
        '{"say": "py/tuple is just text here"}',
        '{"line": "a \\"quoted\\" word"}',
    ],
)
def test_tagged_and_escaped_state_reads_back_as_jsonpickle_reads_it(text: str) -> None:
    assert _shape(_restore(text, 3)) == _shape(_as_jsonpickle_reads(text, 3))


def test_a_tag_spelled_with_escapes_is_still_restored() -> None:
    assert _restore('{"pair": {"py\\/tuple": [1, 2]}}', 1)["pair"] == (1, 2)
    assert _restore('{"pair": {"\\u0070y/tuple": [1, 2]}}', 1)["pair"] == (1, 2)


def test_dialog_state_still_goes_through_jsonpickle() -> None:
    stack = DialogState([DialogInstance(id="meet", state={"subject": "Design review"})])
    text = _flatten({"DialogStates": {"user": stack}})
    assert _may_hold_tags(text)
    restored = _restore(text, 2)["DialogStates"]["user"]
    assert isinstance(restored, DialogState)
    assert restored.dialog_stack[0].state == {"subject": "Design review"}


def test_the_usual_state_skips_jsonpickle() -> None:
    assert not _may_hold_tags('{"DialogStates": {}}')
