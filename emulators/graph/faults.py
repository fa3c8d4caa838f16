"""Injected failures, per route: a Graph that throttles, errs, stalls, hangs up or answers oddly.

A rule matches a method and a route pattern and fires on the next `times` matching requests
(`times=None`: on every one until it is removed). What it does:

    status 429             TooManyRequests, with `Retry-After` (`retry_after`, default 1 s)
    status 500             generalException
    status 502             BadGateway
    status 503             serviceNotAvailable, with `Retry-After` only when `retry_after` is set
    status 504             GatewayTimeout
    slow                   the answer is held until `release()` (or for `delay` seconds)
    drop                   the connection is closed without an answer
    quirk                  the request is served, the way real Graph sometimes serves it
                           (`emulators.graph.quirks`): `notOnline` (a create that asked for
                           Teams makes an offline event), `onlineMeetingLate` (a create
                           answered before its `onlineMeeting` was filled in)

A quirk only changes the routes it is about (event creates); elsewhere it fires and does nothing.
With `after=True` the request is applied first (the event is created, the meeting cancelled)
and only then does the fault answer, as real Graph sometimes does: the client cannot tell that
the work was done, which is exactly what idempotency keys (`transactionId`, `externalId`) are
for. With `after=False` (the default) nothing is applied; a held (`slow`) request is applied
when it is released, as a request that reached Graph late would be.

Rules are checked after authentication and routing: a request Graph would refuse anyway (a bad
token, an unknown path) is refused as usual. Every answer a rule gives carries Graph's
`request-id`, except a dropped connection, which answers nothing at all (the request log
records it with status 0).

Route patterns are paths under `/v1.0`, segment by segment: literal segments match
case-insensitively, `{name}` or `*` matches any one segment, `**` any number of them.
`"POST /users/{user}/events"`, `"* /users/*/events/{event}/cancel"`, `"GET **"`.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from emulators.graph.errors import GraphError
from emulators.graph.quirks import QUIRKS

FAULT_STATUSES: Mapping[int, tuple[str, str]] = {
    429: ("TooManyRequests", "Too many requests. Retry after the delay in Retry-After."),
    500: ("generalException", "An unspecified error has occurred."),
    502: ("BadGateway", "The gateway received an invalid response from the upstream server."),
    503: (
        "serviceNotAvailable",
        "The service is temporarily unavailable for maintenance or is overloaded. You may "
        "repeat the request after a delay, which may be given in a Retry-After header.",
    ),
    504: ("GatewayTimeout", "The gateway did not receive a timely response from the server."),
}
_METHODS = {"*", "GET", "POST", "PATCH", "PUT", "DELETE"}


class FaultError(ValueError):
    """A fault rule that cannot be injected (unknown status, two kinds at once, bad route)."""


class Dropped(Exception):
    """Raised inside the emulator to close the connection without answering."""


@dataclass
class FaultRule:
    """One injected fault. `fired` counts the requests it hit; `remaining` is None when it
    fires until removed."""

    id: int
    method: str
    path: str  # as given, e.g. "/users/{user}/events"
    status: int | None = None
    retry_after: float | None = None
    slow: bool = False
    drop: bool = False
    after: bool = False
    remaining: int | None = 1
    delay: float | None = None
    quirk: str | None = None
    fired: int = 0
    pattern: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        self.pattern = tuple(part.lower() for part in self.path.split("/") if part)

    @property
    def route(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def kind(self) -> str:
        if self.quirk is not None:
            return self.quirk
        if self.slow:
            return "slow"
        if self.drop:
            return "drop"
        return str(self.status)

    def label(self) -> str:
        """How the request log names what this rule did: "504 after", "drop before",
        "notOnline", ..."""
        if self.quirk is not None:
            return self.quirk
        return f"{self.kind} {'after' if self.after else 'before'}"

    def matches(self, method: str, segments: tuple[str, ...]) -> bool:
        if self.method != "*" and self.method != method.upper():
            return False
        return _match(self.pattern, tuple(s.lower() for s in segments))

    def error(self) -> GraphError:
        """The Graph error this rule answers with (status rules only)."""
        assert self.status is not None
        code, message = FAULT_STATUSES[self.status]
        headers: dict[str, str] = {}
        retry_after = self.retry_after
        if retry_after is None and self.status == 429:
            retry_after = 1
        if retry_after is not None:
            headers["Retry-After"] = f"{retry_after:g}"
        return GraphError(self.status, code, message, headers)

    def json(self) -> dict[str, Any]:
        shown: dict[str, Any] = {
            "id": self.id,
            "route": self.route,
            "kind": self.kind,
            "status": self.status,
            "retryAfter": self.retry_after,
            "after": self.after,
            "times": self.remaining,
            "delaySeconds": self.delay,
            "fired": self.fired,
        }
        if self.quirk is not None:
            shown["quirk"] = self.quirk
        return shown


class FaultInjector:
    """The emulator's fault rules, first match wins, in the order they were added."""

    def __init__(self) -> None:
        self._rules: list[FaultRule] = []
        self._ids = itertools.count(1)
        self._held: list[tuple[FaultRule, asyncio.Event]] = []  # one per held answer
        self._in_progress = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._hold_started = asyncio.Event()

    def inject(
        self,
        route: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        slow: bool = False,
        drop: bool = False,
        after: bool = False,
        times: int | None = 1,
        delay: float | None = None,
        quirk: str | None = None,
    ) -> FaultRule:
        """Add a rule. `route` is "METHOD /path/pattern" (METHOD may be `*`); exactly one of
        `status`, `slow`, `drop`, `quirk`. Raises FaultError for a rule that makes no sense."""
        method, _, path = route.strip().partition(" ")
        method = method.upper()
        if method not in _METHODS or not path.strip():
            raise FaultError(f"Route must look like 'POST /users/{{user}}/events', not {route!r}.")
        if (status is not None) + slow + drop + (quirk is not None) != 1:
            raise FaultError("Give exactly one of status, slow, drop and quirk.")
        if quirk is not None and quirk not in QUIRKS:
            raise FaultError(f"quirk must be one of {', '.join(QUIRKS)}, not {quirk!r}.")
        if quirk is not None and after:
            raise FaultError("A quirk is how Graph answers: it has no before or after.")
        if status is not None and status not in FAULT_STATUSES:
            raise FaultError(f"Status must be one of {sorted(FAULT_STATUSES)}, not {status}.")
        if retry_after is not None and (status not in (429, 503) or retry_after < 0):
            raise FaultError("retryAfter goes with status 429 or 503 and is not negative.")
        if times is not None and times < 1:
            raise FaultError("times must be at least 1 (or null: until cleared).")
        if delay is not None and (not slow or delay < 0):
            raise FaultError("delaySeconds goes with slow and is not negative.")
        rule = FaultRule(
            id=next(self._ids),
            method=method,
            path="/" + path.strip().lstrip("/"),
            status=status,
            retry_after=retry_after,
            slow=slow,
            drop=drop,
            after=after,
            remaining=times,
            delay=delay,
            quirk=quirk,
        )
        self._rules.append(rule)
        return rule

    def rules(self) -> list[FaultRule]:
        return list(self._rules)

    def remove(self, rule_id: int) -> bool:
        """Remove one rule; its held answers are released."""
        found = next((rule for rule in self._rules if rule.id == rule_id), None)
        if found is None:
            return False
        self._rules.remove(found)
        self._release(lambda held: held is found)
        return True

    def clear(self) -> None:
        """Remove every rule and release every held answer."""
        self._rules = []
        self.release()

    def release(self) -> None:
        """Let every answer held so far go (the rules stay, and hold later requests)."""
        self._release(lambda _: True)

    def _release(self, which: Callable[[FaultRule], bool]) -> None:
        for rule, gate in self._held:
            if which(rule):
                gate.set()

    @property
    def held(self) -> int:
        """Requests whose answer is being held right now."""
        return len(self._held)

    def take(self, method: str, segments: tuple[str, ...]) -> FaultRule | None:
        """The rule that fires on this request, if any, counted as fired."""
        for rule in self._rules:
            if rule.matches(method, segments):
                rule.fired += 1
                if rule.remaining is not None:
                    rule.remaining -= 1
                    if rule.remaining == 0:
                        self._rules.remove(rule)
                return rule
        return None

    async def hold(self, rule: FaultRule) -> None:
        """Hold a slow answer until it is released (or its rule's `delay` passes)."""
        entry = (rule, asyncio.Event())
        self._held.append(entry)
        self._hold_started.set()
        try:
            await asyncio.wait_for(entry[1].wait(), rule.delay)
        except TimeoutError:
            pass
        finally:
            self._held.remove(entry)

    async def until_held(self, count: int = 1) -> None:
        """Return once at least `count` answers are being held: a test's cue that its
        requests reached the emulator, without polling or sleeping."""
        while len(self._held) < count:
            self._hold_started.clear()
            await self._hold_started.wait()

    @contextlib.contextmanager
    def serving(self) -> Iterator[None]:
        """Marks a faulted request as being served, for `settled()`."""
        self._in_progress += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._in_progress -= 1
            if self._in_progress == 0:
                self._idle.set()

    async def settled(self) -> None:
        """Wait until no faulted request is still being served (held ones must be released
        first): a released request may still be applying its work."""
        await self._idle.wait()


def _match(pattern: tuple[str, ...], segments: tuple[str, ...]) -> bool:
    if not pattern:
        return not segments
    head, rest = pattern[0], pattern[1:]
    if head == "**":
        return any(_match(rest, segments[i:]) for i in range(len(segments) + 1))
    if not segments:
        return False
    if head == "*" or (head.startswith("{") and head.endswith("}")) or head == segments[0]:
        return _match(rest, segments[1:])
    return False
