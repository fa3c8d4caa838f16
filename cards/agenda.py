"""Lists of the sender's upcoming events: the agenda (`upcoming`) and the events that can still
be made online (`online`).

The bot's handler turns Graph events into `AgendaItem`s; the cards show at most `MAX_ITEMS` of
them, in the order given, and say how many more there are. Buttons carry the event id and the
id of the user the card was made for, so the handler can refuse clicks by anyone else (cards in
channels are visible to everyone).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from microsoft_teams.cards import (
    ActionSet,
    CardElement,
    Container,
    OpenUrlAction,
    SubmitAction,
    TextBlock,
)

from bot.i18n import Catalog
from cards.actions import MakeOnline
from cards.dates import format_range
from cards.schema import dump_card, new_card
from cards.text import SUBJECT_LIMIT, display_text, link_target

MAX_ITEMS = 20


@dataclass(frozen=True, slots=True)
class AgendaItem:
    """One calendar event as the list cards show it."""

    event_id: str  # Graph event id, sent back in button data
    subject: str
    start: datetime  # aware
    end: datetime  # aware
    join_url: str | None = None
    is_online: bool = False
    is_organizer: bool = False
    repeats: str | None = None  # an occurrence of a series: how it repeats (catalog text)

    def __post_init__(self) -> None:
        if not self.event_id.strip():
            raise ValueError("AgendaItem needs an event id")
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("AgendaItem needs timezone-aware start and end")


def upcoming_card(catalog: Catalog, items: Sequence[AgendaItem], zone: ZoneInfo) -> dict[str, Any]:
    """The agenda as Adaptive Card 1.5 JSON: each event with its time in `zone` and, for online
    events with a usable join URL, a Join button."""
    return _list_card(
        catalog,
        title=catalog.upcoming_title,
        empty=catalog.no_upcoming,
        items=items,
        zone=zone,
        action=lambda item: _join_action(item, catalog),
    )


def online_candidates_card(
    catalog: Catalog, items: Sequence[AgendaItem], zone: ZoneInfo, *, for_user: str
) -> dict[str, Any]:
    """The events in `items` that are not online yet, each with a "Make online" button whose
    data is `MakeOnline` (`cards.actions`) for the event and `for_user`."""
    if not for_user.strip():
        raise ValueError("for_user must name the user the card is for")
    return _list_card(
        catalog,
        title=catalog.online_candidates_title,
        empty=catalog.no_offline_candidates,
        items=[item for item in items if not item.is_online],
        zone=zone,
        action=lambda item: SubmitAction(
            title=catalog.make_online_button,
            data=MakeOnline(event_id=item.event_id, for_user=for_user).data(),
        ),
    )


def subject_text(subject: str, catalog: Catalog) -> str:
    """A subject ready for a TextBlock: escaped and capped, or the catalog's "Untitled"."""
    return display_text(subject, limit=SUBJECT_LIMIT) or catalog.untitled_meeting


def _list_card(
    catalog: Catalog,
    *,
    title: str,
    empty: str,
    items: Sequence[AgendaItem],
    zone: ZoneInfo,
    action: Callable[[AgendaItem], OpenUrlAction | SubmitAction | None],
) -> dict[str, Any]:
    body: list[CardElement] = [TextBlock(text=title, weight="Bolder", size="Medium", wrap=True)]
    if not items:
        body.append(TextBlock(text=empty, wrap=True))
        return dump_card(new_card(body))
    # An IANA key, so it needs no escaping (see `cards.dates.format_when`).
    body.append(
        TextBlock(
            text=catalog.zone_note.format(zone=zone.key),
            size="Small",
            is_subtle=True,
            spacing="Small",
            wrap=True,
        )
    )
    body.extend(_item(item, zone, catalog, action(item)) for item in items[:MAX_ITEMS])
    if len(items) > MAX_ITEMS:
        more = catalog.more_items.format(count=len(items) - MAX_ITEMS)
        body.append(TextBlock(text=more, is_subtle=True, spacing="Medium", wrap=True))
    return dump_card(new_card(body))


def _item(
    item: AgendaItem,
    zone: ZoneInfo,
    catalog: Catalog,
    action: OpenUrlAction | SubmitAction | None,
) -> Container:
    parts: list[CardElement] = [
        TextBlock(text=subject_text(item.subject, catalog), weight="Bolder", wrap=True),
        TextBlock(
            text=format_range(item.start, item.end, zone, catalog),
            is_subtle=True,
            spacing="Small",
            wrap=True,
        ),
    ]
    if item.repeats:
        parts.append(repeats_text(item.repeats))
    if action is not None:
        parts.append(ActionSet(actions=[action]))
    return Container(items=parts, separator=True, spacing="Medium")


def repeats_text(repeats: str) -> TextBlock:
    """The small line that marks an occurrence of a series ("Repeats weekly")."""
    return TextBlock(text=display_text(repeats), size="Small", is_subtle=True, spacing="Small")


def _join_action(item: AgendaItem, catalog: Catalog) -> OpenUrlAction | None:
    if not item.is_online:
        return None
    # http too: the local Graph emulator serves plain-http join URLs (as on the meeting card).
    url = link_target(item.join_url, schemes=("https", "http"))
    return OpenUrlAction(title=catalog.join_button, url=url) if url else None
