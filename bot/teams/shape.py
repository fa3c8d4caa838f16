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
_KIND_NAMES = {"str": "a string", "iso-8601": "a date-time string", "bool": "true or false"}


class MalformedActivity(ValueError):
    """The JSON is not an activity Meetbot can handle; the message says which field is wrong."""


def check_activity(body: Any) -> None:
    """Raise `MalformedActivity` unless `body` (parsed JSON) is a usable activity."""
    if not isinstance(body, dict):
        raise MalformedActivity("The body is not a Bot Framework activity.")
    _check_tree(body)
    if not isinstance(body.get("type"), str) or not body["type"]:
        raise MalformedActivity("The body is not a Bot Framework activity.")
    _check_model(body, Activity, "")
    _require(body)
    _check_mentions(body.get("entities"))


def _check_tree(body: Any) -> None:
    """Depth and Unicode over the whole document, without recursion (the checks below recurse,
    and may, once the depth is known to be bounded)."""
    stack: list[tuple[Any, int]] = [(body, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise MalformedActivity(f"The activity nests deeper than {MAX_DEPTH} levels.")
        if isinstance(node, str):
            _check_unicode(node)
        elif isinstance(node, dict):
            for key, value in node.items():
                _check_unicode(key)
                stack.append((value, depth + 1))
        elif isinstance(node, list):
            stack.extend((item, depth + 1) for item in node)


def _check_unicode(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise MalformedActivity("The activity holds text that is not valid Unicode.") from None


def _check_model(data: dict[str, Any], model: type, where: str) -> None:
    kinds = _kinds(model)
    for key, value in data.items():
        if value is not None and key in kinds:
            for kind in kinds[key]:
                _check_value(value, kind, f"{where}{key}")


def _check_value(value: Any, kind: str, where: str) -> None:
    """`value` has the declared type `kind` (`str`, `[Entity]`, `{object}`, `ChannelAccount`...)."""
    if kind.startswith("[") and kind.endswith("]"):
        if not isinstance(value, list):
            raise MalformedActivity(f"'{where}' must be a list.")
        for index, item in enumerate(value):
            if item is None:
                raise MalformedActivity(f"'{where}[{index}]' must not be null.")
            _check_value(item, kind[1:-1], f"{where}[{index}]")
        return
    if kind.startswith("{") and kind.endswith("}"):
        if not isinstance(value, dict):
            raise MalformedActivity(f"'{where}' must be an object.")
        for key, item in value.items():
            if item is not None:
                _check_value(item, kind[1:-1], f"{where}.{key}")
        return
    primitive = _PRIMITIVES.get(kind)
    if primitive is not None:
        # bool is an int in Python; JSON's true is not a number
        if not isinstance(value, primitive) or (kind == "int" and isinstance(value, bool)):
            raise MalformedActivity(f"'{where}' must be {_KIND_NAMES.get(kind, kind)}.")
        return
    model = _models().get(kind)
    if model is None:  # a type botbuilder added later: leave it to msrest
        return
    if not isinstance(value, dict):
        raise MalformedActivity(f"'{where}' must be an object.")
    _check_model(value, model, f"{where}.")


@functools.cache
def _kinds(model: type) -> dict[str, tuple[str, ...]]:
    """The model's JSON keys and their declared types (a key two attributes share: both)."""
    attributes: dict[str, dict[str, str]] = model._attribute_map  # type: ignore[attr-defined]
    kinds: dict[str, tuple[str, ...]] = {}
    for spec in attributes.values():
        kinds[spec["key"]] = (*kinds.get(spec["key"], ()), spec["type"])
    return kinds


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
            _check_model(mentioned, _models()["ChannelAccount"], f"entities[{index}].mentioned.")
        if entity.get("text") is not None and not isinstance(entity["text"], str):
            raise MalformedActivity(f"'entities[{index}].text' must be a string.")


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _http_url(value: str) -> bool:
    try:
        parts = urlsplit(value)
        # `port` raises for one that is not a number ("host:443junk"), which no reply could reach.
        return parts.scheme in ("http", "https") and bool(parts.hostname) and parts.port != 0
    except ValueError:
        return False
