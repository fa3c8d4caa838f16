"""Knobs of the Graph emulator: the tenant, the app registrations, and per-user settings.

Per-user settings exist so that every branch the bot must handle (no Teams on the calendar, no
audio-conferencing licence, no application access policy, no Exchange Online mailbox, event ids
that change when the event moves) can be reached locally and in tests; `emulators.graph.quirks`
says how Graph behaves under each.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import Any

from emulators.graph.people import person

TEAMS = "teamsForBusiness"
PROVIDERS = ("unknown", "teamsForBusiness", "skypeForBusiness", "skypeForConsumer")
CALENDARS_READ_WRITE = "Calendars.ReadWrite"
ONLINE_MEETINGS_READ_WRITE_ALL = "OnlineMeetings.ReadWrite.All"
ONLINE_MEETINGS_READ_WRITE = "OnlineMeetings.ReadWrite"  # its delegated counterpart
DEFAULT_ROLES = (CALENDARS_READ_WRITE, ONLINE_MEETINGS_READ_WRITE_ALL)
TENANT_DOMAIN = "contoso.com"
# The wordings of the missing-application-access-policy 403, by error code (emulators.graph.quirks).
ACCESS_POLICY_CODES = ("Forbidden", "General", "Unauthorized")


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class UserConfig:
    """How one user's mailbox and Teams licence look to Graph."""

    allowed_providers: list[str] = field(default_factory=lambda: [TEAMS])
    default_provider: str | None = None
    audio_conferencing: bool = True
    toll_free: bool = True
    access_policy: bool = True
    display_name: str | None = None
    email: str | None = None
    # issue 24: what real Graph does (emulators.graph.quirks)
    access_policy_error: str = "Forbidden"  # which wording the missing policy's 403 takes
    mailbox: bool = True  # False: no Exchange Online mailbox, Outlook routes answer 404
    mutable_ids: bool = False  # True: an event's id changes when it moves, unless ImmutableId

    def resolved_default_provider(self) -> str:
        """The calendar's defaultOnlineMeetingProvider when none was configured."""
        if self.default_provider is not None:
            return self.default_provider
        if TEAMS in self.allowed_providers:
            return TEAMS
        return self.allowed_providers[0] if self.allowed_providers else "unknown"

    def name_for(self, user_id: str) -> str:
        if self.display_name is not None:
            return self.display_name
        known = person(user_id)
        return known.name if known else f"User {_short(user_id)}"

    def email_for(self, user_id: str) -> str:
        if self.email is not None:
            return self.email
        if known := person(user_id):
            return known.email
        # A user addressed by UPN already has an address; a GUID gets a derived one.
        return user_id if "@" in user_id else f"user-{_short(user_id)}@{TENANT_DOMAIN}"


@functools.lru_cache(maxsize=4096)
def _short(user_id: str) -> str:
    # Cached: every rendered event names its organizer, and this regex is pure.
    return re.sub(r"[^0-9A-Za-z]", "", user_id.partition("@")[0])[:8].lower() or "unknown"


@dataclass
class GraphEmulatorConfig:
    """The tenant and the app registrations the emulator's identity endpoints accept."""

    tenant_id: str = "6c7e1f0a-5b3d-4e2f-9a8b-0c1d2e3f4a5b"
    clients: dict[str, str] = field(
        default_factory=lambda: {"meetbot-local": "meetbot-local-secret"}
    )
    client_roles: dict[str, list[str]] = field(default_factory=dict)
    token_lifetime_s: int = 3599
    mailbox_concurrency: int = 4
    clock: Callable[[], datetime] = _utc_now

    def roles_for(self, client_id: str) -> tuple[str, ...]:
        return tuple(self.client_roles.get(client_id, DEFAULT_ROLES))


class UserConfigError(ValueError):
    """A user setting sent to the admin API that UserConfig cannot hold."""


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


_CAMEL = {_camel(f.name): f.name for f in fields(UserConfig)}
_KINDS: dict[str, Callable[[Any], bool]] = {
    "allowed_providers": lambda v: isinstance(v, list) and all(p in PROVIDERS for p in v),
    "default_provider": lambda v: v is None or v in PROVIDERS,
    "audio_conferencing": lambda v: isinstance(v, bool),
    "toll_free": lambda v: isinstance(v, bool),
    "access_policy": lambda v: isinstance(v, bool),
    "display_name": lambda v: v is None or isinstance(v, str),
    "email": lambda v: v is None or isinstance(v, str),
    "access_policy_error": lambda v: v in ACCESS_POLICY_CODES,
    "mailbox": lambda v: isinstance(v, bool),
    "mutable_ids": lambda v: isinstance(v, bool),
}


def user_config_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    """UserConfig keyword arguments from admin JSON that uses camelCase or snake_case keys."""
    result: dict[str, Any] = {}
    for key, value in data.items():
        name = _CAMEL.get(key, key)
        if name not in _KINDS:
            raise UserConfigError(f"Unknown user setting '{key}'.")
        if not _KINDS[name](value):
            raise UserConfigError(f"Invalid value for user setting '{key}': {value!r}.")
        result[name] = value
    return result


def user_config_json(config: UserConfig) -> dict[str, Any]:
    return {camel: getattr(config, name) for camel, name in _CAMEL.items()}
