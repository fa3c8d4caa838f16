"""The emulator's request log: what clients sent, in arrival order, with secrets blanked.

Tests and `meetbot` users read it to see exactly which calls the bot made (and how often it went
for a token), so nothing here may leak a bearer token or a client secret.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

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


class _Entry:
    """A request whose response status is not known yet."""

    def __init__(self, request: web.Request, body: bytes) -> None:
        self.request = RecordedRequest(
            method=request.method,
            path=request.path,
            query=dict(request.query),
            headers=_redacted_headers(request),
            json=_parsed_body(request.content_type, body),
            status=0,
        )
        self.status: int | None = None
        self.request_id: str | None = None
        self.fault: str | None = None

    def finish(self, status: int, request_id: str | None = None, fault: str | None = None) -> None:
        self.status = status
        self.request_id = request_id
        self.fault = fault


class RequestLog:
    """Requests in the order they arrived; each shows up once its response status is known."""

    def __init__(self) -> None:
        self._entries: list[_Entry] = []

    def begin(self, request: web.Request, body: bytes) -> _Entry:
        entry = _Entry(request, body)
        self._entries.append(entry)
        return entry

    def entries(self) -> list[RecordedRequest]:
        return [
            replace(
                entry.request, status=entry.status, request_id=entry.request_id, fault=entry.fault
            )
            for entry in self._entries
            if entry.status is not None
        ]

    def clear(self) -> None:
        self._entries = []


def _redacted_headers(request: web.Request) -> dict[str, str]:
    headers = dict(request.headers.items())
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
        return json.loads(body)
    except ValueError:
        return None
