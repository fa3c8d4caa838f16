"""The ids Meetbot puts into Graph URL paths, checked before any request is made.

Event ids arrive from users' card actions (`eventId` in a button's data) and from Graph's own
answers (stored with reminders); user ids from the Teams sender. A path segment that is "." or
".." is resolved away on the way out (httpx sends `/users/u/events/..` as `/users/u`, and
`/users/u/events/../cancel` as `/users/u/cancel`), and percent-encoding cannot stop it: the
dot is unreserved. So each id must look like what Graph issues, or nothing is sent:

- an event id is base64, standard or URL-safe alphabet with `=` padding ("AAMkAGI2...AAA=");
  the standard alphabet's "/" and "+" occur in real ids (microsoft-graph-docs#3598) and are
  percent-encoded like any other segment;
- a user id is an Entra object id (a GUID) or, in local mode only, the channel's user id
  ("29:1abc..."): letters, digits and `-_.:@+=`, and not only dots.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from bot.graph.errors import InvalidGraphId

_EVENT_ID = re.compile(r"[A-Za-z0-9+/=_-]{1,1024}")
_USER_ID = re.compile(r"[A-Za-z0-9._:@+=-]{1,256}")


def event_segment(event_id: str) -> str:
    """`event_id` as a URL path segment; InvalidGraphId when Graph would never have issued it."""
    if not isinstance(event_id, str) or not _EVENT_ID.fullmatch(event_id):
        raise InvalidGraphId("event", event_id)
    return quote(event_id, safe="")


def user_segment(user_id: str) -> str:
    """`user_id` as a URL path segment; InvalidGraphId for a dot segment or a stray character."""
    if not isinstance(user_id, str) or not _USER_ID.fullmatch(user_id) or not user_id.strip("."):
        raise InvalidGraphId("user", user_id)
    return quote(user_id, safe="")
