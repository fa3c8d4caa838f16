"""The reminder commands and buttons: the `reminders` list, setting and cancelling one, and
the calendar watch.

Each answers with a card or a sentence for the router to send; nothing here sends. Only the
sender's own reminders can change (`Reminders` checks the user id on every change).
"""

from __future__ import annotations

from typing import Any

from bot.commands import WatchCommand
from bot.reminders import Reminders
from cards import ReminderItem, ReminderSetting, reminder_text, reminders_card
from cards.actions import SetReminder
from dialogs.meet import Requester


class ReminderFlow:
    def __init__(self, reminders: Reminders) -> None:
        self._reminders = reminders

    async def listing(self, who: Requester) -> dict[str, Any]:
        """The sender's pending reminders, each with its "Cancel reminder" button."""
        pending = await self._reminders.pending(who.user_id)
        items = [ReminderItem(r.id, r.subject, r.starts_at, r.ends_at, r.due_at) for r in pending]
        watching = await self._reminders.watching(who.user_id) is not None
        return reminders_card(who.catalog, items, who.zone, for_user=who.user_id, watching=watching)

    async def cancel(self, who: Requester, reminder_id: str) -> dict[str, Any]:
        """Cancel one of the sender's reminders; the list as it is now."""
        await self._reminders.cancel(reminder_id, who.user_id)
        return await self.listing(who)

    async def set_lead(self, who: Requester, click: SetReminder) -> str:
        """The reminder's new lead (or none), said in a sentence."""
        catalog = who.catalog
        lead = click.lead
        changed = await self._reminders.set_lead(click.reminder_id, who.user_id, lead)
        if changed is None:
            return catalog.reminder_gone
        subject = changed.subject or catalog.untitled_meeting
        if lead is None:
            return catalog.reminder_removed.format(subject=subject)
        setting = ReminderSetting(changed.id, who.user_id, changed.starts_at, lead)
        when = reminder_text(setting, who.zone, catalog)
        return catalog.reminder_set.format(subject=subject, when=when)

    async def watch(self, who: Requester, command: WatchCommand, *, personal: bool) -> str:
        """Turn the calendar watch on (only from a 1:1 chat, where its reminders go) or off."""
        catalog = who.catalog
        if not command.on:
            stopped = await self._reminders.unwatch(who.user_id)
            return catalog.watch_stopped if stopped else catalog.watch_was_off
        if not personal:
            return catalog.watch_personal_only
        watch, new = await self._reminders.watch(who.spot)
        minutes = int(watch.lead.total_seconds() // 60)
        text = catalog.watch_started if new else catalog.watch_already
        return text.format(minutes=minutes)
