"""A one-sentence card for confirmations ("“Design review” was cancelled.")."""

from __future__ import annotations

from typing import Any

from microsoft_teams.cards import TextBlock

from bot.i18n import Catalog
from cards.schema import dump_card, new_card
from cards.text import display_text


def notice_card(catalog: Catalog, message: str) -> dict[str, Any]:
    """`message` (plain text, usually a catalog sentence quoting a subject) as an AC 1.5 card.

    `catalog` is taken for symmetry with the other builders; the message is already localized.
    """
    shown = display_text(message)
    if not shown:
        raise ValueError("a notice needs visible text")
    return dump_card(new_card([TextBlock(text=shown, wrap=True)]))
