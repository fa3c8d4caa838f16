"""Card parts dumped once from their models and filled in per card.

Validating a `microsoft_teams.cards` model and dumping it costs a microsecond or two per model,
and a meeting card holds about forty of them, most of which say the same thing on every card
in a language (labels, notes, the reminder choices). A `Template` is a part built once from the
models with *holes* where the varying strings go, dumped like every card (`cards.schema`), and
compiled into a function that returns fresh JSON with the holes filled in. The models still
define every key, type and constant of the card; only the values of the holes skip validation,
so a hole takes a string (or None, which leaves its key out, as dumping leaves out nulls).

    subject = Template(dump_part(TextBlock(text=hole("text"), weight="Bolder", wrap=True)))
    subject(text="Design review")  # {"type": "TextBlock", "text": "Design review", ...}

A list item with `spread(name)` in a field stands for the items given as `name` (a list of
JSON objects, such as other templates' output):

    facts = Template(dump_part(FactSet(facts=[Fact(title=spread("facts"))])))
    facts(facts=[fact(title="When", value="Sun, Nov 22")])

Every call returns new dicts and lists all the way down (spread items are the caller's own), so
whoever gets a card may change it without changing the next one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

_MARK = "\x00"  # never in catalog text or model constants: `Template` refuses them
_HOLE = _MARK + "hole:"
_SPREAD = _MARK + "spread:"

_Values = Mapping[str, Any]
_Build = Callable[[_Values], Any]


def hole(name: str) -> str:
    """The placeholder for a string field, filled with the value given as `name`."""
    return f"{_HOLE}{name}{_MARK}"


def spread(name: str) -> str:
    """The placeholder that makes a list item stand for the items given as `name`."""
    return f"{_SPREAD}{name}{_MARK}"


class Template:
    """Dumped card JSON with holes, compiled once; calling it returns a fresh, filled copy."""

    __slots__ = ("_build", "_count", "holes")

    def __init__(self, dumped: Mapping[str, Any]) -> None:
        holes: set[str] = set()
        self._build = _compile_dict(dumped, holes)
        self.holes = frozenset(holes)
        self._count = len(holes)

    def __call__(self, **values: Any) -> dict[str, Any]:
        if len(values) != self._count:  # (a misspelt name fails with KeyError)
            unknown = sorted(values.keys() - self.holes)
            missing = sorted(self.holes - values.keys())
            raise TypeError(f"template values: unknown {unknown}, missing {missing}")
        built: dict[str, Any] = self._build(values)
        return built


def _name(text: str, prefix: str) -> str | None:
    if text.startswith(prefix) and text.endswith(_MARK) and len(text) > len(prefix):
        return text[len(prefix) : -1]
    return None


def _constant(value: Any) -> None:
    if isinstance(value, str) and _MARK in value:
        raise ValueError(f"a placeholder inside other text, or a spread outside a list: {value!r}")


def _compile(node: Any, holes: set[str]) -> _Build | None:
    """A builder for a dict or list, or None for a constant scalar."""
    if isinstance(node, Mapping):
        return _compile_dict(node, holes)
    if isinstance(node, list):
        return _compile_list(node, holes)
    _constant(node)
    return None


def _compile_dict(node: Mapping[str, Any], holes: set[str]) -> _Build:
    base: dict[str, Any] = {}
    filled: list[tuple[str, str]] = []  # (key, hole name)
    nested: list[tuple[str, _Build]] = []  # (key, builder of a fresh dict or list)
    for key, value in node.items():
        _constant(key)
        base[key] = value  # holes and containers are replaced; the key keeps its place
        name = _name(value, _HOLE) if isinstance(value, str) else None
        if name is not None:
            holes.add(name)
            filled.append((key, name))
        elif (part := _compile(value, holes)) is not None:
            nested.append((key, part))
    if not filled and not nested:
        return lambda values: base.copy()

    def build(values: _Values) -> dict[str, Any]:
        out = base.copy()
        for key, name in filled:
            value = values[name]
            if value.__class__ is str:
                out[key] = value
            else:
                _fill_other(out, key, name, value)
        for key, make in nested:
            out[key] = make(values)
        return out

    return build


def _fill_other(out: dict[str, Any], key: str, name: str, value: Any) -> None:
    if value is None:
        del out[key]
    elif isinstance(value, str):
        out[key] = value if type(value) is str else str.__str__(value)  # a plain str, always
    else:
        raise TypeError(f"template hole {name!r} takes a string, not {type(value).__name__}")


# A list item is a constant, a dict or list built afresh, or a run of given items.
_CONSTANT, _NESTED, _SPREAD_ITEMS = range(3)


def _compile_list(node: list[Any], holes: set[str]) -> _Build:
    items: list[tuple[int, Any]] = []
    for item in node:
        name = _spread_name(item)
        if name is not None:
            holes.add(name)
            items.append((_SPREAD_ITEMS, name))
        elif (part := _compile(item, holes)) is not None:
            items.append((_NESTED, part))
        else:
            items.append((_CONSTANT, item))
    if len(items) == 1 and items[0][0] == _SPREAD_ITEMS:
        only: str = items[0][1]
        return lambda values: _spread_items(values, only)

    def build(values: _Values) -> list[Any]:
        out: list[Any] = []
        for kind, what in items:
            if kind == _NESTED:
                out.append(what(values))
            elif kind == _SPREAD_ITEMS:
                out += _spread_items(values, what)
            else:
                out.append(what)
        return out

    return build


def _spread_items(values: _Values, name: str) -> list[Any]:
    given = values[name]
    if not isinstance(given, list | tuple):
        raise TypeError(f"template spread {name!r} takes a list, not {type(given).__name__}")
    return list(given)


def _spread_name(item: Any) -> str | None:
    if not isinstance(item, Mapping):
        return None
    names = [
        name
        for value in item.values()
        if isinstance(value, str) and (name := _name(value, _SPREAD)) is not None
    ]
    if len(names) > 1:
        raise ValueError(f"a list item with more than one spread: {names}")
    return names[0] if names else None
