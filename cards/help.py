"""The help card: what Meetbot does and example commands to copy.

In delegated mode (issue 25) the card also says whether the sender is signed in, under its
title, and lists `sign in` / `sign out`; in application mode there is nothing to sign in to,
so neither appears.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from microsoft_teams.cards import CardElement, Container, TextBlock

from bot.i18n import Catalog
from cards.schema import dump_card, new_card
from cards.text import display_text


class AccountStatus(Enum):
    """The sender's sign-in in delegated mode; application mode has none (`None`)."""

    SIGNED_IN = "signedIn"
    NOT_SIGNED_IN = "notSignedIn"


def help_card(
    catalog: Catalog, *, note: str | None = None, account: AccountStatus | None = None
) -> dict[str, Any]:
    """The help card as Adaptive Card 1.5 JSON.

    `note` is plain text shown first, such as the "unknown command" sentence; it may quote what
    the user typed, so it is escaped. `account` adds the sign-in status line and the sign-in
    commands (delegated mode).
    """
    body: list[CardElement] = []
    if note and (shown := display_text(note)):
        body.append(TextBlock(text=shown, wrap=True))
    body.append(TextBlock(text=catalog.help_title, weight="Bolder", size="Medium", wrap=True))
    examples = catalog.help_examples
    if account is not None:
        # Catalog text, not the user's: its markdown (the command in bold) is meant.
        body.append(TextBlock(text=_status(catalog, account), spacing="Small", wrap=True))
        examples = (*examples, *catalog.help_sign_in_examples)
    body.append(TextBlock(text=catalog.help_intro, wrap=True))
    body.extend(_example(command, purpose) for command, purpose in examples)
    return dump_card(new_card(body))


def _status(catalog: Catalog, account: AccountStatus) -> str:
    match account:
        case AccountStatus.SIGNED_IN:
            return catalog.help_signed_in
        case AccountStatus.NOT_SIGNED_IN:
            return catalog.help_not_signed_in


def _example(command: str, purpose: str) -> Container:
    return Container(
        spacing="Medium",
        items=[
            # Escaped so the command reads exactly as it must be typed.
            TextBlock(text=display_text(command), font_type="Monospace", wrap=True),
            TextBlock(text=purpose, is_subtle=True, spacing="Small", wrap=True),
        ],
    )
