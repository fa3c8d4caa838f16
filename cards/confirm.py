"""The cancel confirmation: "Cancel “Design review” on ...?" with Cancel and Keep buttons.

Both buttons send `CancelMeeting` (`cards.actions`), `confirm` true on the first only;
`for` is the user who asked, so the handler can ignore clicks by others in a channel.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from microsoft_teams.cards import SubmitAction, TextBlock

from bot.i18n import Catalog
from cards.actions import CancelMeeting
from cards.agenda import AgendaItem
from cards.dates import format_when
from cards.schema import dump_card, new_card
from cards.text import SUBJECT_LIMIT, clean, display_text, truncate


def cancel_confirm_card(
    catalog: Catalog, item: AgendaItem, zone: ZoneInfo, *, for_user: str
) -> dict[str, Any]:
    """The confirmation card as Adaptive Card 1.5 JSON."""
    if not for_user.strip():
        raise ValueError("for_user must name the user the card is for")
    question = catalog.cancel_confirm.format(
        subject=truncate(clean(item.subject), SUBJECT_LIMIT) or catalog.untitled_meeting,
        when=format_when(item.start, item.end, zone, catalog),
    )
    # The whole sentence is plain text that quotes the subject, so all of it is escaped.
    body = [TextBlock(text=display_text(question), wrap=True)]
    actions = [
        SubmitAction(
            title=catalog.cancel_confirm_yes,
            style="destructive",
            data=_data(item, for_user, confirm=True),
        ),
        SubmitAction(title=catalog.cancel_confirm_no, data=_data(item, for_user, confirm=False)),
    ]
    return dump_card(new_card(body, actions))


def _data(item: AgendaItem, for_user: str, *, confirm: bool) -> dict[str, Any]:
    # The subject is plain text for the "was cancelled" notice; escaped there.
    return CancelMeeting(
        event_id=item.event_id, for_user=for_user, confirm=confirm, subject=item.subject
    ).data()
