"""Event collections as Graph pages them: `calendarView` (a time window) and the `events` list.

calendarView takes `startDateTime` and `endDateTime` (ISO 8601; no offset means UTC) and returns
the events that overlap that window, a recurring series as its occurrences and exceptions
(never the master: https://learn.microsoft.com/graph/api/user-list-calendarview). Both
collections page with `$top` (10 by default) and `$skip`, and say there is more with an
`@odata.nextLink` that repeats the query with the next `$skip`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from yarl import URL

from emulators.graph.errors import GraphError, bad_request
from emulators.graph.events import StoredEvent
from emulators.graph.series import Series, instances, overlaps
from emulators.graph.zones import parse_instant

DEFAULT_TOP = 10
NO_WINDOW = (
    "This request requires a time window specified by the query string parameters "
    "StartDateTime and EndDateTime."
)
# An unencoded "+01:00" offset reaches the server as " 01:00" (a "+" in a query is a space).
_SPACED_OFFSET = re.compile(r" (\d{2}:?\d{2})$")
_ORDER_KEYS: dict[str, Callable[[StoredEvent], Any]] = {
    "start/datetime": lambda event: event.start,
    "end/datetime": lambda event: event.end,
    "createddatetime": lambda event: event.created,
    "lastmodifieddatetime": lambda event: event.modified,
    "subject": lambda event: event.subject.lower(),
}


def query_value(query: Mapping[str, str], name: str) -> str | None:
    """A query parameter by name, matched without regard to case as Graph does."""
    return next((value for key, value in query.items() if key.lower() == name.lower()), None)


def time_window(query: Mapping[str, str]) -> tuple[datetime, datetime]:
    """calendarView's window, both ends as UTC instants."""
    raw_start = query_value(query, "startDateTime")
    raw_end = query_value(query, "endDateTime")
    if not raw_start or not raw_end:
        raise bad_request(NO_WINDOW, code="ErrorInvalidParameter")
    return _instant(raw_start, "startDateTime"), _instant(raw_end, "endDateTime")


def _instant(raw: str, name: str) -> datetime:
    return parse_instant(_SPACED_OFFSET.sub(r"+\1", raw.strip()), name)


def in_window(
    events: Iterable[StoredEvent],
    start: datetime,
    end: datetime,
    series: Mapping[str, Series],
) -> list[StoredEvent]:
    """The events that overlap [start, end), soonest first (ties in creation order); a series
    (its exceptions and cancellations in `series` by master id) as its instances."""
    found: list[StoredEvent] = []
    for event in events:
        if event.props["recurrence"] is not None:
            found.extend(instances(event, series.get(event.id) or Series(), start, end))
        elif event.type != "seriesMaster" and overlaps(event, start, end):
            found.append(event)
    return sorted(found, key=lambda event: event.start)


def ordered(events: list[StoredEvent], orderby: str | None) -> list[StoredEvent]:
    """`events` sorted as `$orderby` asks; without one, as given."""
    if not orderby:
        return events
    if "," in orderby:
        raise _order_not_implemented(orderby)
    prop, _, direction = orderby.strip().partition(" ")
    direction = direction.strip().lower() or "asc"
    key = _ORDER_KEYS.get(prop.lower())
    if direction not in ("asc", "desc"):
        raise bad_request(f"The $orderby direction '{direction}' is not valid; use asc or desc.")
    if key is None:
        raise _order_not_implemented(orderby)
    return sorted(events, key=key, reverse=direction == "desc")


def _order_not_implemented(orderby: str) -> GraphError:
    supported = ", ".join(["start/dateTime", "end/dateTime", "createdDateTime", "subject"])
    return GraphError(
        501,
        "NotImplemented",
        f"The local Graph emulator does not order by '{orderby}' (it orders by {supported}).",
    )


@dataclass(frozen=True)
class Page:
    """One page of a collection: which items, and the `$skip` of the next page if any."""

    items: list[StoredEvent]
    next_skip: int | None


def page(events: list[StoredEvent], query: Mapping[str, str]) -> Page:
    top = _count(query_value(query, "$top"), "$top", DEFAULT_TOP)
    skip = _count(query_value(query, "$skip"), "$skip", 0)
    items = events[skip : skip + top]
    more = top > 0 and skip + top < len(events)
    return Page(items, skip + top if more else None)


def _count(raw: str | None, name: str, default: int) -> int:
    if raw is None or raw == "":
        return default
    text = raw.strip()
    if not (text.isascii() and text.isdigit()):  # str.isdigit() alone lets "²" through to int()
        raise bad_request(f"Invalid value '{raw}' for the query option {name}.")
    return int(text)


def next_link(url: URL, skip: int) -> str:
    """The request's own URL with `$skip` moved on, as Graph writes `@odata.nextLink`."""
    query = [(k, v) for k, v in url.query.items() if k.lower() != "$skip"]
    return str(url.with_query([*query, ("$skip", str(skip))]))
