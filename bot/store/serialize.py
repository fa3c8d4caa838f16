"""How botbuilder state values become text and back, for every engine.

Values are serialized with jsonpickle exactly like botbuilder's own Azure storages, because
dialog state holds botbuilder objects (`DialogState`, `DialogInstance`), not plain JSON. The
`e_tag` is kept in its own column, never inside the stored value.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import jsonpickle


class EtagConflict(KeyError):
    """Someone else wrote the value since it was read."""


def _flatten(value: Any) -> str:
    data = jsonpickle.Pickler(unpicklable=True, make_refs=False).flatten(value)
    if isinstance(data, dict):
        data.pop("e_tag", None)
    return json.dumps(data)


def _restore(text: str, etag: int) -> Any:
    value = json.loads(text)
    if _may_hold_tags(text):
        value = jsonpickle.Unpickler().restore(value)
    _set_etag(value, str(etag))
    return value


def _may_hold_tags(text: str) -> bool:
    """Whether stored JSON may name a jsonpickle tag (every tag is a key starting `py/`).

    Without one, jsonpickle gives the decoded JSON back as it is (new dicts and lists of the
    same items), at several times the cost of `json.loads` alone, so Meetbot's usual
    `{"DialogStates": {}}` skips it. A backslash could spell a tag in escapes
    (`"py\\/object"`), so it counts as one.
    """
    return '"py/' in text or "\\" in text


def _etag_of(value: Any) -> str | None:
    etag = value.get("e_tag") if isinstance(value, dict) else getattr(value, "e_tag", None)
    return None if etag is None else str(etag)


def _set_etag(value: Any, etag: str) -> None:
    if isinstance(value, dict):
        value["e_tag"] = etag
    elif hasattr(value, "e_tag"):
        value.e_tag = etag


# The eTag of a value read as absent: written only while there still is none (stored eTags
# start at 1), so two creators of one key conflict like two writers of an existing one.
NEW = "0"


def _conflict(expected: str | None, current: int | None) -> bool:
    """botbuilder's rule: a read eTag must still match; `*`, none, or a new key always write."""
    return expected not in (None, "*") and current is not None and str(current) != expected


def _utc(moment: datetime) -> datetime:
    """An aware datetime in UTC; a naive one is a caller's bug, not something to guess at."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment.isoformat()}: the store needs aware datetimes")
    return moment.astimezone(UTC)


def _seconds(lead: timedelta) -> int:
    """A lead is kept in whole seconds."""
    return lead // timedelta(seconds=1)
