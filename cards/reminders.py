"""The reminder card (sent before a meeting starts) and the `reminders` list.

The reminder card is the meeting card with how soon it starts on top: Join button, dial-in
numbers with one-tap links, conference ID. One sent without re-reading the meeting (no
sign-in, in delegated mode) is marked as such. The list shows the sender's pending reminders,
each with a "Cancel reminder" button carrying `CancelReminder` (`cards.actions`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from microsoft_teams.cards import ActionSet, CardElement, Container, SubmitAction, TextBlock

from bot.i18n import Catalog
from cards.actions import CancelReminder
from cards.agenda import subject_text
from cards.dates import format_range, format_time
from cards.meeting import MeetingView, meeting_card
from cards.schema import dump_card, new_card

MAX_LISTED = 20


def reminder_card(
    view: MeetingView,
    catalog: Catalog,
    *,
    now: datetime,
    rechecked: bool = True,
    series: bool = False,
) -> dict[str, Any]:
    """The meeting card headed by "Starts in 10 min" (or "Starting now", "Started 2 min ago").

    Not `rechecked`: the view is what was stored when the reminder was made, not the meeting
    as the calendar has it now (the organizer must sign in again), and the card says so under
    its heading; of a `series`, it also says the next meeting cannot be found until then."""
    warning = None
    if not rechecked:
        warning = (
            catalog.reminder_not_rechecked_series if series else catalog.reminder_not_rechecked
        )
    note = starts_in_text(view.start, now, catalog)
    return meeting_card(view, catalog, note=note, warning=warning)


def starts_in_text(start: datetime, now: datetime, catalog: Catalog) -> str:
    seconds = (start - now).total_seconds()
    if seconds >= 60:
        return catalog.reminder_starts_in.format(minutes=math.ceil(seconds / 60))
    if seconds > -60:
        return catalog.reminder_starting_now
    return catalog.reminder_started.format(minutes=math.floor(-seconds / 60))


@dataclass(frozen=True, slots=True)
class ReminderItem:
    reminder_id: str
    subject: str
    start: datetime  # aware
    end: datetime
    due: datetime  # when the reminder goes out


def reminders_card(
    catalog: Catalog,
    items: Sequence[ReminderItem],
    zone: ZoneInfo,
    *,
    for_user: str,
    watching: bool = False,
) -> dict[str, Any]:
    """The sender's pending reminders, soonest first, each with a cancel button."""
    if not for_user.strip():
        raise ValueError("for_user must name the user the card is for")
    body: list[CardElement] = [
        TextBlock(text=catalog.reminders_title, weight="Bolder", size="Medium", wrap=True)
    ]
    if watching:
        body.append(TextBlock(text=catalog.reminders_watch_on, wrap=True, is_subtle=True))
    if not items:
        body.append(TextBlock(text=catalog.reminders_empty, wrap=True))
        return dump_card(new_card(body))
    body.append(
        TextBlock(
            text=catalog.zone_note.format(zone=zone.key), size="Small", is_subtle=True, wrap=True
        )
    )
    for item in items[:MAX_LISTED]:
        due = catalog.reminders_due.format(time=format_time(item.due.astimezone(zone), catalog))
        body.append(
            Container(
                separator=True,
                spacing="Medium",
                items=[
                    TextBlock(text=subject_text(item.subject, catalog), weight="Bolder", wrap=True),
                    TextBlock(
                        text=format_range(item.start, item.end, zone, catalog),
                        is_subtle=True,
                        spacing="Small",
                        wrap=True,
                    ),
                    TextBlock(text=due, spacing="Small", wrap=True),
                    ActionSet(
                        actions=[
                            SubmitAction(
                                title=catalog.reminders_cancel_button,
                                data=CancelReminder(
                                    reminder_id=item.reminder_id, for_user=for_user
                                ).data(),
                            )
                        ]
                    ),
                ],
            )
        )
    if len(items) > MAX_LISTED:
        more = catalog.more_items.format(count=len(items) - MAX_LISTED)
        body.append(TextBlock(text=more, is_subtle=True, wrap=True))
    return dump_card(new_card(body))
