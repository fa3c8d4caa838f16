"""The error card: what went wrong, in the user's words, plus Graph's request id for support."""

from __future__ import annotations

import re
from typing import Any

from microsoft_teams.cards import CardElement, TextBlock

from bot.i18n import Catalog
from cards.schema import dump_card, new_card
from cards.text import display_text

# Graph request ids are GUIDs; anything else is trimmed to the characters a GUID can hold, which
# also means the id needs no markdown escaping and copies exactly as shown.
_REQUEST_ID_JUNK = re.compile(r"[^0-9A-Za-z\-]")
_REQUEST_ID_LIMIT = 100


def error_card(catalog: Catalog, message: str, *, request_id: str | None = None) -> dict[str, Any]:
    """The error card as Adaptive Card 1.5 JSON.

    `message` is plain text (usually a catalog sentence that may quote user input) and is escaped.
    """
    body: list[CardElement] = [
        TextBlock(text=catalog.error_title, weight="Bolder", color="Attention", wrap=True),
    ]
    if shown := display_text(message):
        body.append(TextBlock(text=shown, wrap=True))
    reference = _REQUEST_ID_JUNK.sub("", request_id or "")[:_REQUEST_ID_LIMIT].strip("-")
    if reference:
        body.append(
            TextBlock(
                text=catalog.reference_label.format(request_id=reference),
                size="Small",
                is_subtle=True,
                wrap=True,
            )
        )
    return dump_card(new_card(body))
