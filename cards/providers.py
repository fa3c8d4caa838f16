"""The providers card: which online meeting providers the sender's calendar allows, which one
is the default, and a warning when Teams is not among them (Meetbot can then not create Teams
meetings on that calendar)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from microsoft_teams.cards import CardElement, TextBlock

from bot.i18n import Catalog
from cards.schema import dump_card, new_card
from cards.text import clean, display_text

TEAMS = "teamsForBusiness"


def providers_card(catalog: Catalog, allowed: Sequence[str], default: str | None) -> dict[str, Any]:
    """The providers card as Adaptive Card 1.5 JSON.

    `allowed` and `default` are Graph `onlineMeetingProviderType` values as the calendar
    reports them; unknown values are shown as they are (escaped).
    """
    keys = _unique(allowed)
    names = ", ".join(provider_name(key, catalog) for key in keys) or catalog.provider_none
    body: list[CardElement] = [
        TextBlock(text=catalog.providers_title, weight="Bolder", size="Medium", wrap=True),
        # Plain text that may hold provider values we don't know, so escaped as a whole.
        TextBlock(text=display_text(catalog.providers_allowed.format(providers=names)), wrap=True),
    ]
    if default and (default_key := clean(default)):
        line = catalog.providers_default.format(provider=provider_name(default_key, catalog))
        body.append(TextBlock(text=display_text(line), wrap=True))
    if TEAMS not in keys:
        warning = catalog.teams_not_allowed.format(providers=names)
        # "Attention", not "Warning": Teams' light theme draws Warning yellow on white (1.5:1).
        body.append(TextBlock(text=display_text(warning), color="Attention", wrap=True))
    return dump_card(new_card(body))


def provider_name(key: str, catalog: Catalog) -> str:
    """The name users know a provider by ("Microsoft Teams"); unknown keys as given."""
    return dict(catalog.provider_names).get(key, key)


def _unique(values: Sequence[str]) -> list[str]:
    kept: list[str] = []
    for value in values:
        key = clean(value)
        if key and key not in kept:
            kept.append(key)
    return kept
