"""The emulator's request log: what clients sent, in arrival order, with secrets blanked.

Tests and `meetbot` users read it to see exactly which calls the bot made (and how often it went
for a token), so nothing here may leak a bearer token or a client secret.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from emulators import json_body
from emulators.graph.identity import IssuedToken, TokenKind

_SECRET_FORM_FIELDS = ("client_secret", "client_assertion")


@dataclass(frozen=True)
class RecordedRequest:
    """One request as received; `json` is the JSON body, or a token request's form fields."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    json: Any | None
    status: int  # 0: no answer (an injected dropped connection)
    request_id: str | None = None  # the `request-id` header of the answer
    fault: str | None = None  # the injected fault that fired on it: "504 after", "drop before"
    token: TokenKind | None = None  # the kind of access token it carried, once accepted
    oid: str | None = None  # a delegated token's user


class _Entry:
    """A request as it arrived, kept raw until someone reads the log.

    Under load the emulator records every request; building the RecordedRequest (the headers
    and query as dicts, the body parsed) for each one as it arrives cost CPU on the hot path and
    kept several objects per request alive, each walked by every later garbage collection.
    Kept here instead: strings, bytes and tuples of strings, which the collector does not
    track, so `record()` computes exactly what recording on arrival used to.
    """

    __slots__ = (
        "body",
        "caller",
        "content_type",
        "fault",
        "headers",
        "method",
        "path",
        "query",
        "request_id",
        "status",
    )

    def __init__(self, request: web.Request, body: bytes) -> None:
        self.method = request.method
        self.path = request.path
        # `dict(request.query)` keeps the first value of a repeated name, `dict(pairs)` the
        # last: so the pairs are taken from the dict. Most requests have no query at all.
        self.query = tuple(dict(request.query).items()) if request.query_string else ()
        self.headers = tuple(request.headers.items())
        self.content_type = request.content_type
        self.body = body
        self.status: int | None = None
        self.request_id: str | None = None
        self.fault: str | None = None
        self.caller: IssuedToken | None = None

    def finish(
        self,
        status: int,
        request_id: str | None = None,
        fault: str | None = None,
        caller: IssuedToken | None = None,
    ) -> None:
        self.status = status
        self.request_id = request_id
        self.fault = fault
        self.caller = caller

    def record(self) -> RecordedRequest:
        """The request as the log shows it (once `finish` has given it a status)."""
        assert self.status is not None
        return RecordedRequest(
            method=self.method,
            path=self.path,
            query=dict(self.query),
            headers=_redacted_headers(self.headers),
            json=_parsed_body(self.content_type, self.body),
            status=self.status,
            request_id=self.request_id,
            fault=self.fault,
            token=self.caller.kind if self.caller else None,
            oid=self.caller.oid if self.caller else None,
        )


class RequestLog:
    """Requests in the order they arrived; each shows up once its response status is known."""

    def __init__(self) -> None:
        self._entries: list[_Entry] = []

    def begin(self, request: web.Request, body: bytes) -> _Entry:
        entry = _Entry(request, body)
        self._entries.append(entry)
        return entry

    def entries(self) -> list[RecordedRequest]:
        return [entry.record() for entry in self._entries if entry.status is not None]

    def count(self) -> int:
        """How many requests `entries()` would list."""
        return sum(1 for entry in self._entries if entry.status is not None)

    def clear(self) -> None:
        self._entries = []


def _redacted_headers(pairs: tuple[tuple[str, str], ...]) -> dict[str, str]:
    headers = dict(pairs)
    for name in headers:
        if name.lower() == "authorization":
            scheme = headers[name].partition(" ")[0] or "Bearer"
            headers[name] = f"{scheme} <redacted>"
    return headers


def _parsed_body(content_type: str, body: bytes) -> Any | None:
    if not body:
        return None
    if content_type == "application/x-www-form-urlencoded":
        form = dict(parse_qsl(body.decode("utf-8", "replace")))
        return {k: "<redacted>" if k in _SECRET_FORM_FIELDS else v for k, v in form.items()}
    try:
        return json_body.loads(body)
    except ValueError:
        return None
