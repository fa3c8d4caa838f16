"""The error card: what failed and why, in the user's words, plus Graph's request id for support.

When Graph sent no answer at all (a timeout, a dropped connection) there is no request id, and
the card says so rather than showing nothing, or an id Graph never gave.
"""

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


def error_card(
    catalog: Catalog,
    message: str,
    *,
    request_id: str | None = None,
    title: str | None = None,
    advice: str | None = None,
    no_answer: bool = False,
) -> dict[str, Any]:
    """The error card as Adaptive Card 1.5 JSON.

    `title` says what failed (default: `catalog.error_title`, the meeting was not created),
    `message` why; `advice` is an extra sentence (what to check before trying again). All
    are plain text (a catalog sentence may quote user input) and are escaped. `no_answer`:
    Graph sent no response, so the card says there is no reference instead of quoting one.
    """
    body: list[CardElement] = [
        TextBlock(
            text=display_text(title or catalog.error_title),
            weight="Bolder",
            color="Attention",
            wrap=True,
        ),
    ]
    for line in (message, advice or ""):
        if shown := display_text(line):
            body.append(TextBlock(text=shown, wrap=True))
    reference = _REQUEST_ID_JUNK.sub("", request_id or "")[:_REQUEST_ID_LIMIT].strip("-")
    footer = catalog.reference_label.format(request_id=reference) if reference else None
    if footer is None and no_answer:
        footer = catalog.no_reference
    if footer:
        body.append(TextBlock(text=footer, size="Small", is_subtle=True, wrap=True))
    return dump_card(new_card(body))
