"""Factories and card-walking helpers shared by the card tests."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from cards import AgendaItem

JOIN_URL = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_ODkyNWFm%40thread.v2/0"
# Sunday 22 November 2020, 3 pm in Los Angeles.
START = datetime(2020, 11, 22, 23, 0, tzinfo=UTC)


def make_item(
    index: int = 0,
    *,
    subject: str = "Design review",
    join_url: str | None = JOIN_URL,
    is_online: bool = True,
    is_organizer: bool = True,
    minutes: int = 45,
) -> AgendaItem:
    start = START + timedelta(days=index)
    return AgendaItem(
        event_id=f"AAMkAD-event-{index}",
        subject=subject,
        start=start,
        end=start + timedelta(minutes=minutes),
        join_url=join_url,
        is_online=is_online,
        is_organizer=is_organizer,
    )


def readable(label: str) -> str:
    """A fact title as the user reads it: no-break spaces and word joiners are layout only."""
    return label.replace("\u00a0", " ").replace("\u2060", "")


def walk(node: Any) -> Iterator[dict[str, Any]]:
    """Every JSON object in a card, depth first, in document order."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def of_type(card: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [node for node in walk(card) if node.get("type") == kind]


def texts(node: Any) -> list[str]:
    return [block["text"] for block in of_type(node, "TextBlock")]


def inputs(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        node["id"]: node
        for node in walk(card)
        if isinstance(node.get("type"), str) and node["type"].startswith("Input.")
    }


def unescape(text: str) -> str:
    """What a markdown renderer shows for backslash-escaped ASCII punctuation."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text)
