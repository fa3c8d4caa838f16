"""`emulators.json_body.loads` reads every body exactly as `json.loads` does."""

from __future__ import annotations

import json
import math
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emulators.json_body import loads

PROPERTY = settings(
    derandomize=True,  # a fixed seed: CI sees the same cases every run
    deadline=None,
    max_examples=1000,
    suppress_health_check=[HealthCheck.too_slow],
)

texts = st.text(st.characters(codec=None, exclude_categories=()), max_size=10)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats()
    | texts,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4),
    max_leaves=12,
)
documents = st.builds(
    lambda value, compact, ascii_only: json.dumps(
        value,
        separators=(",", ":") if compact else None,
        ensure_ascii=ascii_only,
    ).encode("utf-8", "surrogatepass"),
    json_values,
    st.booleans(),
    st.booleans(),
)


def outcome(raw: bytes) -> tuple[str, Any]:
    try:
        return "value", json.loads(raw)
    except ValueError:
        return "refused", None


def same(a: Any, b: Any) -> bool:
    """Equal, with the same types all the way down (1 and 1.0 differ, NaN equals NaN)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[key], b[key]) for key in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)


def loads_outcome(raw: bytes) -> tuple[str, Any]:
    try:
        return "value", loads(raw)
    except ValueError:
        return "refused", None


@PROPERTY
@given(raw=documents)
def test_documents_are_read_as_json_loads_reads_them(raw: bytes) -> None:
    expected, ours = outcome(raw), loads_outcome(raw)
    assert expected[0] == ours[0] and same(expected[1], ours[1])


@PROPERTY
@given(
    raw=documents,
    edits=st.lists(st.tuples(st.integers(min_value=0), st.binary(max_size=3)), max_size=3),
)
def test_damaged_documents_are_refused_or_read_as_json_loads_does(
    raw: bytes, edits: list[tuple[int, bytes]]
) -> None:
    damaged = bytearray(raw)
    for offset, replacement in edits:
        at = offset % (len(damaged) + 1)
        damaged[at : at + len(replacement)] = replacement
    expected, ours = outcome(bytes(damaged)), loads_outcome(bytes(damaged))
    assert expected[0] == ours[0] and same(expected[1], ours[1])


def test_what_orjson_alone_would_read_differently() -> None:
    for raw in (
        b"123456789012345678901234567890",  # orjson: a float
        b'{"n": -9223372036854775809}',  # orjson: a float
        b"1e400",  # orjson refuses; json.loads: inf
        b'"\\ud800"',  # a lone surrogate: orjson refuses
        b'\xef\xbb\xbf{"bom": true}',  # orjson refuses the UTF-8 BOM
        b"[NaN, Infinity, -Infinity]",
        '{"utf16": 1}'.encode("utf-16"),
    ):
        expected, ours = outcome(raw), loads_outcome(raw)
        assert expected[0] == ours[0] == "value" and same(expected[1], ours[1]), raw
