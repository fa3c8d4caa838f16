"""Structured logs: one JSON object per line, carrying who and what each line is about.

Every line has `time` (UTC, ISO 8601), `level`, `logger` and `message`. Lines written while a
Teams activity is handled also carry `activity_id` and `conversation_id`, lines about a reminder
carry `reminder_id`, and Graph calls add `graph_request_id`, `graph_status`, `graph_method` and
`graph_path` (the `request-id` Microsoft support asks for). The context travels in a
`contextvars.ContextVar`, so it follows `await` and tasks started inside it, and code logging
deep down needs no parameters for it.

Secrets are kept out twice over: nothing logs a secret or token on purpose, and the formatter
masks every configured secret (raw or as JSON would escape it) and anything shaped like a bearer
token or a JWT in the finished line, tracebacks included.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import re
import sys
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from types import MappingProxyType
from typing import Any, Final, Literal

import orjson
from pythonjsonlogger.orjson import orjson_default

CONTEXT_FIELDS: Final = ("activity_id", "conversation_id", "reminder_id")
MASK: Final = "[redacted]"
LogFormat = Literal["json", "text"]

_NO_CONTEXT: Final[Mapping[str, str]] = MappingProxyType({})
_context: ContextVar[Mapping[str, str]] = ContextVar("meetbot_log_context", default=_NO_CONTEXT)

# "Bearer <anything>" and the three base64url parts of a JWT (header and payload start "eyJ").
_TOKEN_SHAPES: Final = re.compile(
    r"(?i:bearer)\s+[A-Za-z0-9._~+/=-]{8,}|eyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*"
)
_QUIET_LIBRARIES: Final = ("httpx", "httpcore", "msal", "urllib3", "asyncio", "aiohttp.access")


@contextmanager
def log_context(**fields: str | None) -> Iterator[None]:
    """Add fields to every log line written inside the block (None values are left out)."""
    token = _context.set({**_context.get(), **{k: v for k, v in fields.items() if v}})
    try:
        yield
    finally:
        _context.reset(token)


def current_context() -> Mapping[str, str]:
    return _context.get()


class ContextFilter(logging.Filter):
    """Copies the current log context onto each record (explicit `extra` fields win)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in _context.get().items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


class Redactor:
    """Masks known secrets and token-shaped strings in finished log text."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        forms: set[str] = set()
        for secret in secrets:
            if secret and len(secret) >= 4:  # masking "ab" everywhere would garble the logs
                forms.add(secret)
                forms.add(json.dumps(secret)[1:-1])  # as it appears inside a JSON string
        ordered = sorted(forms, key=len, reverse=True)
        self._secrets = re.compile("|".join(map(re.escape, ordered))) if ordered else None

    def __call__(self, text: str) -> str:
        if self._secrets is not None:
            text = self._secrets.sub(MASK, text)
        if "eyJ" in text or "bearer" in text.lower():  # what every token shape starts with
            text = _TOKEN_SHAPES.sub(MASK, text)
        return text


class JsonLineFormatter(logging.Formatter):
    """One JSON object per line (orjson): `time` (UTC), `level`, `logger` and `message`, then
    the record's extra fields (the log context's among them) in the order they were set, and
    `exc_info` / `stack_info` when there are any; the finished line masked.

    The same lines python-json-logger's `OrjsonFormatter` writes for this configuration (the
    tests compare the two), and its encoders for values JSON has no type for; but the line is
    built in one pass over the record. Its general machinery (field lists, renames, a
    reserved-name probe per record attribute) made the two lines Meetbot writes per Teams
    message a measurable part of the running bot's CPU (`bench/README.md`, INFO against
    WARNING).
    """

    def __init__(self, redact: Redactor) -> None:
        super().__init__()
        self._redact = redact

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return _utc_iso(record.created)

    def format(self, record: logging.LogRecord) -> str:
        line: dict[Any, Any] = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _RECORD_ATTRIBUTES and not (isinstance(key, str) and key[:1] == "_"):
                line[key] = value
        if record.exc_info:
            line["exc_info"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exc_info"] = record.exc_text
        if record.stack_info:
            line["stack_info"] = self.formatStack(record.stack_info)
        text = orjson.dumps(line, default=orjson_default, option=orjson.OPT_NON_STR_KEYS).decode()
        return self._redact(text)


# What every LogRecord carries (and what formatting adds): not extra fields.
_RECORD_ATTRIBUTES: Final = frozenset(
    {*logging.makeLogRecord({}).__dict__, "message", "asctime", "taskName"}
)


class TextFormatter(logging.Formatter):
    """One human-readable line, with the context fields after the message."""

    def __init__(self, redact: Redactor) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")
        self._redact = redact

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return _utc_iso(record.created)

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        extras = [f"{key}={getattr(record, key)}" for key in _LINE_FIELDS if hasattr(record, key)]
        if extras:
            head, _, rest = line.partition("\n")
            line = f"{head} [{' '.join(extras)}]" + (f"\n{rest}" if rest else "")
        return self._redact(line)


_LINE_FIELDS: Final = (*CONTEXT_FIELDS, "graph_request_id", "graph_status")


class LoopBatchedHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """A stream handler that writes the lines an event loop logs once per loop iteration.

    `logging.StreamHandler` flushes after every record, and stderr is line-buffered anyway: one
    `write` system call per line, two or three per Teams message. Here a line logged by code
    running in an event loop waits, at most until the loop has run the callbacks that are ready,
    and goes out with the others of that iteration in one write. Lines logged outside a loop
    (start-up, other threads) and WARNING or above are written at once, after whatever is
    waiting, so lines keep their order. `flush()` (called by `logging.shutdown` at exit) writes
    what is waiting.
    """

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._waiting: list[str] = []
        self._flush_on: asyncio.AbstractEventLoop | None = None  # the loop that will write them

    def emit(self, record: logging.LogRecord) -> None:  # called with the handler's lock held
        try:
            line = self.format(record) + self.terminator
            loop = _running_loop()
            if loop is None or record.levelno >= logging.WARNING or loop is not self._flush_on:
                self._write_waiting()  # what waits for another loop goes out now, in order
            if loop is None or record.levelno >= logging.WARNING:
                self.stream.write(line)
                self.stream.flush()
                return
            if not self._waiting:
                loop.call_soon(self.flush)
                self._flush_on = loop
            self._waiting.append(line)
        except Exception:
            self.handleError(record)

    def flush(self) -> None:
        with self.lock:  # type: ignore[union-attr]
            self._write_waiting()

    def _write_waiting(self) -> None:
        self._flush_on = None
        if self._waiting:
            text = "".join(self._waiting)
            self._waiting.clear()
            self.stream.write(text)
            self.stream.flush()


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def configure_logging(
    level: str, fmt: LogFormat = "json", *, secrets: Iterable[str | None] = ()
) -> None:
    """Send every logger's records to stderr, one line each, in the chosen format."""
    redact = Redactor(secrets)
    handler = LoopBatchedHandler(sys.stderr)
    handler.setFormatter(JsonLineFormatter(redact) if fmt == "json" else TextFormatter(redact))
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # No line shows a process or thread name or id; leave them off every record (the logging
    # HOWTO's "Optimization": a getpid() system call and two lookups per record saved).
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    # Nor where a call was made from (file, line, function): the HOWTO's same table says to set
    # `logging._srcfile` to None, which spares every record a walk up the caller's frames.
    logging._srcfile = None
    # A line per HTTP request is noise at INFO; Meetbot's own lines name the calls that matter.
    for chatty in _QUIET_LIBRARIES:
        logging.getLogger(chatty).setLevel(max(logging.WARNING, root.level))


def _utc_iso(created: float) -> str:
    seconds = int(created)
    millis = int((created - seconds) * 1000)
    return f"{_utc_second(seconds)}.{millis:03d}Z"


@functools.lru_cache(maxsize=4)
def _utc_second(seconds: int) -> str:
    """The second's part of a log time, formatted once per second (lines come many a second)."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))


def graph_fields(
    method: str, path: str, status: int | None, request_id: str | None
) -> dict[str, Any]:
    """The `extra` for a log line about one Graph call."""
    return {
        "graph_method": method,
        "graph_path": path,
        "graph_status": status,
        "graph_request_id": request_id,
    }
