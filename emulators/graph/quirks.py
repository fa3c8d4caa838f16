"""What real Graph does that a client must cope with, as switches of the emulator.

Each one is off unless the admin API turns it on, so the everyday emulator stays predictable:

- A create answered 201 without a Teams meeting although Teams was asked for:
  `isOnlineMeeting: false`, provider `unknown`, no `onlineMeeting` (microsoft-graph-docs#9740,
  #22355). The event stays offline until a PATCH makes it online. Fault rule `notOnline` on
  `POST /users/{user}/events` (`emulators.graph.faults`: once, N times or until removed).
- A create answered before Teams filled the meeting in: online, provider `teamsForBusiness`,
  `onlineMeeting: null`; a read after it has the join details. Fault rule `onlineMeetingLate`.
- Event ids that change when the event moves: Exchange's default (REST) ids are not immutable
  ("Obtain immutable identifiers for Outlook resources",
  https://learn.microsoft.com/graph/outlook-immutable-id). With the user setting `mutableIds`,
  a request without `Prefer: IdType="ImmutableId"` sees REST ids: a move (new start or end)
  gives the event a new one and the old one answers 404. With the preference, the id is the
  event's immutable id, the same for its whole life, as that page documents.
- A user without an Exchange Online mailbox: every Outlook route answers 404
  `MailboxNotEnabledForRESTAPI` (user setting `mailbox: false`; docs-contrib#6519,
  microsoft/MicrosoftCloud#41).
- The missing application access policy's 403 in the wording seen in the wild (user setting
  `accessPolicyError`): `Forbidden` "No Application Access Policy found for this app."
  (docs-contrib#470), `General` "No application access policy found for this app."
  (msgraph-sdk-dotnet#2350), and the older `Unauthorized` "App ... is not authorized to Create
  meeting on behalf of user ..." that Graph's access-policy page showed before
  microsoft-graph-docs#21541.
"""

from __future__ import annotations

import base64
import re
import secrets

from emulators.graph.config import UserConfig
from emulators.graph.errors import GraphError
from emulators.graph.events import StoredEvent
from emulators.graph.state import UserState

NOT_ONLINE = "notOnline"
ONLINE_MEETING_LATE = "onlineMeetingLate"
QUIRKS = (NOT_ONLINE, ONLINE_MEETING_LATE)
# What a create asks for that `notOnline` ignores.
ONLINE_FIELDS = ("isOnlineMeeting", "onlineMeetingProvider")
_IMMUTABLE_IDS = re.compile(r'(?:^|[,;\s])IdType\s*=\s*"?ImmutableId"?', re.IGNORECASE)


def mailbox_not_enabled() -> GraphError:
    return GraphError(
        404,
        "MailboxNotEnabledForRESTAPI",
        "The mailbox is either inactive, soft-deleted, or is hosted on-premise.",
    )


def access_policy_missing(config: UserConfig, app_id: str, user_id: str) -> GraphError:
    """The 403 of createOrGet for a user no application access policy covers."""
    if config.access_policy_error == "General":
        return GraphError(403, "General", "No application access policy found for this app.")
    if config.access_policy_error == "Unauthorized":
        message = f"App {app_id} is not authorized to Create meeting on behalf of user {user_id}"
        return GraphError(403, "Unauthorized", message)
    return GraphError(403, "Forbidden", "No Application Access Policy found for this app.")


def wants_immutable_ids(prefer: list[str]) -> bool:
    """Whether the request's `Prefer` headers (one, or repeated: RFC 7240 allows both) ask
    for immutable ids."""
    return any(_IMMUTABLE_IDS.search(value.strip()) for value in prefer)


def find_event(user: UserState, event_id: str, *, immutable: bool) -> StoredEvent | None:
    """The event (stored, or an occurrence of a stored series) that `event_id` names in this
    request, or None."""
    if immutable or not user.config.mutable_ids:
        return user.find_event(event_id)
    event = user.find_event(user.by_rest_id.get(event_id, event_id))
    if event is not None and shown_id(user, event.id, immutable=False) == event_id:
        return event
    return None  # a REST id the event had before it moved, or none at all


def shown_id(user: UserState, stored_id: str, *, immutable: bool) -> str:
    """The id this request is answered with for the event stored as `stored_id`."""
    if immutable or not user.config.mutable_ids:
        return stored_id
    return user.rest_ids.get(stored_id, stored_id)


def moved(user: UserState, stored_id: str) -> None:
    """The event got a new start or end: with mutable ids, a new REST id (the old one is gone)."""
    if not user.config.mutable_ids:
        return
    old = user.rest_ids.get(stored_id)
    if old is not None:
        del user.by_rest_id[old]
    new = "AAMkAD" + base64.urlsafe_b64encode(secrets.token_bytes(41)).decode()
    user.rest_ids[stored_id] = new
    user.by_rest_id[new] = stored_id
