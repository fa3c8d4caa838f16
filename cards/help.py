"""The help card: what Meetbot does and example commands to copy."""

from __future__ import annotations

from typing import Any

from microsoft_teams.cards import CardElement, Container, TextBlock

from bot.i18n import Catalog
from cards.schema import dump_card, new_card
from cards.text import display_text


def help_card(catalog: Catalog, *, note: str | None = None) -> dict[str, Any]:
    """The help card as Adaptive Card 1.5 JSON.

    `note` is plain text shown first, such as the "unknown command" sentence; it may quote what
    the user typed, so it is escaped.
    """
    body: list[CardElement] = []
    if note and (shown := display_text(note)):
        body.append(TextBlock(text=shown, wrap=True))
    body.append(TextBlock(text=catalog.help_title, weight="Bolder", size="Medium", wrap=True))
    body.append(TextBlock(text=catalog.help_intro, wrap=True))
    body.extend(_example(command, purpose) for command, purpose in catalog.help_examples)
    return dump_card(new_card(body))


def _example(command: str, purpose: str) -> Container:
    return Container(
        spacing="Medium",
        items=[
            # Escaped so the command reads exactly as it must be typed.
            TextBlock(text=display_text(command), font_type="Monospace", wrap=True),
            TextBlock(text=purpose, is_subtle=True, spacing="Small", wrap=True),
        ],
    )
