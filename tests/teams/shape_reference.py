"""`bot.teams.shape` as it was before its paths were written lazily and its tree walked a level at
a time, kept as the test oracle: the functions that changed; the rest is imported."""

# ruff: noqa
from __future__ import annotations

from typing import Any

from botbuilder.schema import Activity

from bot.teams.shape import (
    _KIND_NAMES,
    _PRIMITIVES,
    MAX_DEPTH,
    MalformedActivity,
    _kinds,
    _models,
    _require,
)


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
    """Depth and Unicode over the whole document, without recursion."""
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
    if text.isascii():  # a flag CPython keeps on every str: no scan
        return
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise MalformedActivity("The activity holds text that is not valid Unicode.") from None


def _check_model(data: dict[str, Any], model: type, where: str) -> None:
    kinds = _kinds(model)
    for key, value in data.items():  # a dozen fields sent, of some 45 an Activity declares
        if value is not None and key in kinds:
            for kind in kinds[key]:
                _check_value(value, kind, f"{where}{key}")


def _check_value(value: Any, kind: str, where: str) -> None:
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
