"""What can go wrong talking to the Bot Connector, as a small exception tree.

    ConnectorError                a connector call failed; carries the call and its status
    ├── ConnectorThrottled        429: carries retry_after seconds (None: the answer named none)
    ├── ConnectorGone             403, 404: the bot was removed, or the conversation is gone
    ├── ConnectorUnavailable      412, 5xx: the connector could not do it now; try again later
    │   └── ConnectorUnreachable  no answer at all: refused, dropped or timed out; status 0
    ├── ConnectorRefused          any other answer the call did not accept (400, 401, 413, ...)
    └── ConnectorAnswerTooLarge   the answer passed the bot's cap; the rest was not read

`connector_error` is the one place that maps a status code to a class; the connector
transport (`bot.teams.connector`) raises what it returns once its own retries are over. The
tree lives outside `bot.teams` so that reminder delivery (`bot.reminders.delivery`) can sort
failures by type without importing the Teams layer.
"""

from __future__ import annotations

GONE_STATUSES = frozenset({403, 404})


class ConnectorError(Exception):
    def __init__(self, call: str, status: int, detail: str) -> None:
        """`call`: `METHOD /path` (no host, query or headers: nothing secret)."""
        super().__init__(f"connector {call}: {detail}")
        self.call = call
        self.status = status
        self.detail = detail


class ConnectorThrottled(ConnectorError):
    def __init__(self, call: str, retry_after: float | None) -> None:
        super().__init__(call, 429, "HTTP 429")
        self.retry_after = retry_after


class ConnectorGone(ConnectorError):
    pass


class ConnectorUnavailable(ConnectorError):
    pass


class ConnectorUnreachable(ConnectorUnavailable):
    """The connection failed, dropped or timed out before the connector answered."""

    def __init__(self, call: str, cause: str) -> None:
        super().__init__(call, 0, cause)


class ConnectorRefused(ConnectorError):
    pass


class ConnectorAnswerTooLarge(ConnectorError):
    def __init__(self, call: str, status: int, limit: int) -> None:
        super().__init__(call, status, f"the answer is larger than {limit} bytes")


def connector_error(call: str, status: int, retry_after: float | None) -> ConnectorError:
    """The error for an answer with `status` that the call did not accept."""
    if status == 429:
        return ConnectorThrottled(call, retry_after)
    if status in GONE_STATUSES:
        return ConnectorGone(call, status, f"HTTP {status}")
    if status == 412 or status >= 500:
        return ConnectorUnavailable(call, status, f"HTTP {status}")
    return ConnectorRefused(call, status, f"HTTP {status}")
