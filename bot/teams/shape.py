"""Is this JSON a Bot Framework activity Meetbot can work with? Checked before anything reads it.

msrest, which turns the JSON into botbuilder's `Activity`, coerces rather than refuses: a number
where a string belongs becomes that number's text, a dict a `repr`. So the JSON is checked
against the activity's own attribute map first, exactly: every field botbuilder models must
have its declared JSON type (or be null), nested models included. On top of that, what every
turn relies on must be there (`channelId`, `conversation.id`, an http(s) `serviceUrl`; for
messages, `from.id`), mention entities must be shaped like mentions, strings must be valid
Unicode (a lone surrogate cannot be stored or sent on), and nesting is bounded so no recursive
walk downstream (msrest's, jsonpickle's) can run out of stack.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from botbuilder import schema
from botbuilder.schema import Activity

MAX_DEPTH = 32  # Teams activities nest about 6 deep; card submissions a few more

_PRIMITIVES: dict[str, type | tuple[type, ...]] = {
    "str": str,
    "iso-8601": str,
    "bool": bool,
    "int": int,
    "object": object,
}


class MalformedActivity(ValueError):
    """The JSON is not an activity Meetbot can handle; the message says which field is wrong."""


def check_activity(body: Any, *, orjson_source: bytes | None = None) -> None:
    """Raise `MalformedActivity` unless `body` (parsed JSON) is a usable activity.

    `orjson_source`: the bytes `orjson.loads` parsed `body` from. orjson refuses text that is
    not valid Unicode (a lone surrogate, escaped or not), and a document cannot nest deeper
    than it has `{` and `[` bytes (the value inside the innermost one a level below it): when
    there are fewer than `MAX_DEPTH` of them (a Teams message has about ten), the whole-tree
    walk could find nothing and is skipped.
    """
    if not isinstance(body, dict):
        raise MalformedActivity("The body is not a Bot Framework activity.")
    if orjson_source is None or _brackets(orjson_source) >= MAX_DEPTH:
        _check_tree(body)
    if not isinstance(body.get("type"), str) or not body["type"]:
        raise MalformedActivity("The body is not a Bot Framework activity.")
    _check_fields(body, Activity, "")
    _require(body)
    _check_mentions(body.get("entities"))


def _brackets(source: bytes) -> int:
    return source.count(b"{") + source.count(b"[")


def _check_tree(body: Any) -> None:
    """Depth and Unicode over the whole document, a level at a time, without recursion."""
    level: list[Any] = [body]
    depth = 1
    while level:
        if depth > MAX_DEPTH:
            raise MalformedActivity(f"The activity nests deeper than {MAX_DEPTH} levels.")
        below: list[Any] = []
        for node in level:
            if isinstance(node, str):
                if not node.isascii():  # a flag CPython keeps on every str: no scan
                    _check_unicode(node)
            elif isinstance(node, dict):
                for key in node:
                    if not key.isascii():
                        _check_unicode(key)
                below.extend(node.values())
            elif isinstance(node, list):
                below.extend(node)
        level = below
        depth += 1


def _check_unicode(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise MalformedActivity("The activity holds text that is not valid Unicode.") from None


class _Wrong(Exception):
    """A value of the wrong type somewhere in the activity. Where is written on the way out
    (innermost part first), so a well-formed activity never has its paths spelled out."""

    def __init__(self, what: str, *parts: str) -> None:
        super().__init__(what)
        self.what = what
        self.parts = list(parts)

    def said(self, prefix: str) -> MalformedActivity:
        return MalformedActivity(f"'{prefix}{''.join(reversed(self.parts))}' {self.what}")


def _check_fields(data: dict[str, Any], model: type, prefix: str) -> None:
    try:
        _model_check(model)(data)
    except _Wrong as wrong:
        raise wrong.said(prefix) from None


_Check = Callable[[Any], None]


@functools.cache
def _kinds(model: type) -> dict[str, tuple[str, ...]]:
    """The model's JSON keys and their declared types (a key two attributes share: both)."""
    attributes: dict[str, dict[str, str]] = model._attribute_map  # type: ignore[attr-defined]
    kinds: dict[str, tuple[str, ...]] = {}
    for spec in attributes.values():
        kinds[spec["key"]] = (*kinds.get(spec["key"], ()), spec["type"])
    return kinds


@functools.cache
def _model_check(model: type) -> _Check:
    """The model's check, worked out once from its attribute map: a field of one plain type
    (most of them) is an `isinstance` in the loop, anything else a check of its own."""
    plain: dict[str, tuple[type | tuple[type, ...], str]] = {}
    nested: dict[str, _Check] = {}
    for key, kinds in _kinds(model).items():
        if len(kinds) == 1 and kinds[0] in _PRIMITIVES and kinds[0] not in ("int", "object"):
            plain[key] = (_PRIMITIVES[kinds[0]], _must_be(kinds[0]))
        elif (checks := _all_of(kinds)) is not None:
            nested[key] = checks

    def check_model(data: dict[str, Any]) -> None:
        for key, value in data.items():  # a dozen fields sent, of some 45 an Activity declares
            if value is None:
                continue
            expected = plain.get(key)
            if expected is not None:
                if not isinstance(value, expected[0]):
                    raise _Wrong(expected[1], key)
            elif (inner := nested.get(key)) is not None:
                try:
                    inner(value)
                except _Wrong as wrong:
                    wrong.parts.append(key)
                    raise

    return check_model


def _all_of(kinds: tuple[str, ...]) -> _Check | None:
    """One check for a key two attributes share (both must hold), None when nothing is
    checked (`object`, a type botbuilder added later)."""
    checks = [check for kind in kinds if (check := _kind_check(kind)) is not None]
    if not checks:
        return None
    if len(checks) == 1:
        return checks[0]

    def all_of(value: Any) -> None:
        for check in checks:
            check(value)

    return all_of


@functools.cache
def _kind_check(kind: str) -> _Check | None:
    """The check of one declared type (`str`, `[Entity]`, `{object}`, `ChannelAccount`...)."""
    if kind == "object":
        return None
    primitive = _PRIMITIVES.get(kind)
    if primitive is not None:
        wrong = _must_be(kind)
        exact_int = kind == "int"  # bool is an int in Python; JSON's true is not a number

        def primitive_check(value: Any) -> None:
            if not isinstance(value, primitive) or (exact_int and isinstance(value, bool)):
                raise _Wrong(wrong)

        return primitive_check
    if kind.startswith("[") and kind.endswith("]"):
        item_check = _kind_check(kind[1:-1])

        def list_check(value: Any) -> None:
            if not isinstance(value, list):
                raise _Wrong("must be a list.")
            for index, item in enumerate(value):
                if item is None:
                    raise _Wrong("must not be null.", f"[{index}]")
                if item_check is not None:
                    try:
                        item_check(item)
                    except _Wrong as wrong:
                        wrong.parts.append(f"[{index}]")
                        raise

        return list_check
    if kind.startswith("{") and kind.endswith("}"):
        value_check = _kind_check(kind[1:-1])

        def dict_check(value: Any) -> None:
            if not isinstance(value, dict):
                raise _Wrong("must be an object.")
            if value_check is None:
                return
            for key, item in value.items():
                if item is not None:
                    try:
                        value_check(item)
                    except _Wrong as wrong:
                        wrong.parts.append(f".{key}")
                        raise

        return dict_check
    model = _models().get(kind)
    if model is None:  # a type botbuilder added later: leave it to msrest
        return None

    def model_check(value: Any) -> None:
        if not isinstance(value, dict):
            raise _Wrong("must be an object.")
        try:
            _model_check(model)(value)
        except _Wrong as wrong:
            wrong.parts.append(".")
            raise

    return model_check


def _must_be(kind: str) -> str:
    return f"must be {_KIND_NAMES.get(kind, kind)}."


_KIND_NAMES = {"str": "a string", "iso-8601": "a date-time string", "bool": "true or false"}


@functools.cache
def _models() -> dict[str, type]:
    """botbuilder's schema models by the names its attribute maps use."""
    return {
        name: model
        for name in dir(schema)
        if hasattr(model := getattr(schema, name), "_attribute_map")
    }


def _require(body: dict[str, Any]) -> None:
    """What every turn reads: the channel and conversation (the state's key) and where replies
    go."""
    if not _text(body.get("channelId")):
        raise MalformedActivity("'channelId' is required.")
    conversation = body.get("conversation")
    if not isinstance(conversation, dict) or not _text(conversation.get("id")):
        raise MalformedActivity("'conversation.id' is required.")
    if conversation.get("tenantId") is not None and not isinstance(conversation["tenantId"], str):
        raise MalformedActivity("'conversation.tenantId' must be a string.")  # not in the model
    service_url = body.get("serviceUrl")
    if not isinstance(service_url, str) or not _http_url(service_url):
        raise MalformedActivity("'serviceUrl' must be an http(s) URL.")
    if body["type"] == "message":
        sender = body.get("from")
        if not isinstance(sender, dict) or not _text(sender.get("id")):
            raise MalformedActivity("'from.id' is required for a message.")


def _check_mentions(entities: Any) -> None:
    """A mention's extra fields (`mentioned`, `text`) are not in botbuilder's model."""
    for index, entity in enumerate(entities or []):
        if str(entity.get("type", "")).lower() != "mention":
            continue
        mentioned = entity.get("mentioned")
        if mentioned is not None and not isinstance(mentioned, dict):
            raise MalformedActivity(f"'entities[{index}].mentioned' must be an object.")
        if mentioned is not None:
            _check_fields(mentioned, _models()["ChannelAccount"], f"entities[{index}].mentioned.")
        if entity.get("text") is not None and not isinstance(entity["text"], str):
            raise MalformedActivity(f"'entities[{index}].text' must be a string.")


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _http_url(value: str) -> bool:
    try:
        parts = urlsplit(value)
        return parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:
        return False
