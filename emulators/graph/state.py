"""The emulated tenant's mailboxes: one calendar, its events and Teams meetings per user.

Any user id is accepted and provisioned on first use, so a zero-config local bot works for
whoever talks to it; `configure_user` changes a user's knobs without losing their data.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from emulators.graph.config import UserConfig
from emulators.graph.events import Organizer, StoredEvent
from emulators.graph.series import Series, member, parse_occurrence_id


def _calendar_id() -> str:
    return "AQMkAD" + base64.urlsafe_b64encode(secrets.token_bytes(20)).decode()


def _change_key() -> str:
    return base64.b64encode(secrets.token_bytes(22)).decode()


@dataclass(frozen=True)
class Cancellation:
    """An event its organizer cancelled: gone from the calendar, kept here for inspection."""

    event: StoredEvent
    comment: str | None
    at: datetime


@dataclass
class UserState:
    """One mailbox. `in_flight` counts requests being served, for MailboxConcurrency."""

    id: str
    config: UserConfig
    calendar_id: str = field(default_factory=_calendar_id)
    calendar_change_key: str = field(default_factory=_change_key)
    events: dict[str, StoredEvent] = field(default_factory=dict)
    transactions: dict[str, str] = field(default_factory=dict)
    meetings: dict[str, dict[str, Any]] = field(default_factory=dict)
    cancelled: list[Cancellation] = field(default_factory=list)
    # Exceptions and cancelled occurrences of each series, by its master's id.
    series: dict[str, Series] = field(default_factory=dict)
    in_flight: int = 0
    # With `mutable_ids`: the REST id of each event that moved, and back (emulators.graph.quirks).
    rest_ids: dict[str, str] = field(default_factory=dict)
    by_rest_id: dict[str, str] = field(default_factory=dict)

    def calendar_json(self) -> dict[str, Any]:
        """The default calendar as `GET /users/{id}/calendar` shows it (seed 000)."""
        return {
            "id": self.calendar_id,
            "name": "Calendar",
            "color": "auto",
            "changeKey": self.calendar_change_key,
            "canShare": True,
            "canViewPrivateItems": True,
            "canEdit": True,
            "allowedOnlineMeetingProviders": list(self.config.allowed_providers),
            "defaultOnlineMeetingProvider": self.config.resolved_default_provider(),
            "isTallyingResponses": True,
            "isRemovable": False,
            "owner": {
                "name": self.config.name_for(self.id),
                "address": self.config.email_for(self.id),
            },
        }

    def add_event(self, event: StoredEvent) -> None:
        self.events[event.id] = event
        if event.transaction_id is not None:
            self.transactions[event.transaction_id] = event.id

    def event_for_transaction(self, transaction_id: Any) -> StoredEvent | None:
        if not isinstance(transaction_id, str):
            return None
        event_id = self.transactions.get(transaction_id)
        return self.events.get(event_id) if event_id is not None else None

    def find_event(self, event_id: str) -> StoredEvent | None:
        """An event by id: one stored, or an occurrence or exception of a stored series."""
        event = self.events.get(event_id)
        if event is not None:
            return event
        master, day = self._series_member(event_id)
        if master is None or day is None:
            return None
        return member(master, self.series_of(master.id), day)

    def series_of(self, master_id: str) -> Series:
        return self.series.setdefault(master_id, Series())

    def save_exception(self, event: StoredEvent) -> None:
        """Keep a changed occurrence as an exception of its series, under its original date."""
        master, day = self._series_member(event.id)
        if master is not None and day is not None:
            event.event_type = "exception"
            self.series_of(master.id).exceptions[day] = event

    def settle_patch(self, event: StoredEvent, before: tuple[datetime, datetime, Any]) -> None:
        """After a PATCH: a changed occurrence is kept as an exception; a master whose time or
        pattern (`before`: its start, end and recurrence) changed drops its exceptions and
        cancellations, as Outlook does when a series is rescheduled."""
        after = (event.start, event.end, event.props["recurrence"])
        if event.id not in self.events:
            self.save_exception(event)
        elif before[2] is not None and before != after:
            self.series_of(event.id).forget_changes()

    def remove_occurrence(self, event: StoredEvent) -> None:
        """Take one occurrence (or exception) out of its series; the series stays."""
        master, day = self._series_member(event.id)
        if master is not None and day is not None:
            series = self.series_of(master.id)
            series.exceptions.pop(day, None)
            series.cancelled.add(day)

    def _series_member(self, event_id: str) -> tuple[StoredEvent | None, date | None]:
        parsed = parse_occurrence_id(event_id)
        if parsed is None:
            return None, None
        master = self.events.get(parsed[0])
        if master is None or master.props["recurrence"] is None:
            return None, None
        return master, parsed[1]

    def remove_event(self, event_id: str) -> StoredEvent:
        event = self.events.pop(event_id)
        self.series.pop(event_id, None)
        # A deleted event no longer holds its transactionId; a later create may reuse it.
        if event.transaction_id is not None:
            self.transactions.pop(event.transaction_id, None)
        return event

    def cancel_event(self, event_id: str, comment: str | None, now: datetime) -> None:
        """Cancel an event: Graph moves it to Deleted Items, so it leaves the calendar. An
        occurrence leaves its series alone; a master takes all its occurrences with it."""
        if event_id in self.events:
            event = self.remove_event(event_id)
        else:
            found = self.find_event(event_id)
            if found is None:
                raise KeyError(event_id)
            event = found
            self.remove_occurrence(event)
        event.is_cancelled = True
        event.touch(now)
        self.cancelled.append(Cancellation(event, comment, now))


class Directory:
    """All mailboxes of the tenant, keyed case-insensitively like Graph's user ids and UPNs."""

    def __init__(self, tenant_id: str) -> None:
        self.tenant_id = tenant_id
        self._users: dict[str, UserState] = {}

    def get(self, user_id: str) -> UserState | None:
        return self._users.get(user_id.lower())

    def provision(self, user_id: str) -> UserState:
        user = self.get(user_id)
        if user is None:
            user = self._users[user_id.lower()] = UserState(id=user_id, config=UserConfig())
        return user

    def configure(self, user_id: str, config: UserConfig) -> UserState:
        user = self.provision(user_id)
        user.config = config
        return user

    def organizer(self, user: UserState) -> Organizer:
        return Organizer(user_id=user.id, tenant_id=self.tenant_id, config=user.config)

    def users(self) -> list[UserState]:
        return list(self._users.values())

    def clear(self) -> None:
        self._users = {}
