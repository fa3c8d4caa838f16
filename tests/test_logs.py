"""The log line format, the context fields and the masking of secrets."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import sys
from collections.abc import Iterator
from pathlib import PurePosixPath
from typing import Any

import pytest
from pythonjsonlogger.orjson import OrjsonFormatter

from bot.logs import (
    MASK,
    ContextFilter,
    JsonLineFormatter,
    LoopBatchedHandler,
    Redactor,
    TextFormatter,
    configure_logging,
    graph_fields,
    log_context,
)

SECRET = 'p@ss"w\\ord~Secret1'  # quote and backslash: JSON escapes them


@pytest.fixture
def capture() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonLineFormatter(Redactor([SECRET])))
    handler.addFilter(ContextFilter())
    logger = logging.getLogger("meetbot.test.logs")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    yield logger, stream
    logger.removeHandler(handler)


def _lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_line_is_one_json_object_with_the_standard_fields(
    capture: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = capture
    logger.info("meeting %s made", "AAMk-1", extra={"graph_status": 201})
    [line] = _lines(stream)
    assert line["level"] == "INFO"
    assert line["logger"] == "meetbot.test.logs"
    assert line["message"] == "meeting AAMk-1 made"
    assert line["graph_status"] == 201
    assert line["time"].endswith("Z") and "T" in line["time"]


def test_lines_inside_a_context_carry_its_fields_and_lines_after_do_not(
    capture: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = capture
    with log_context(activity_id="1700", conversation_id="a:1on1"):
        with log_context(reminder_id="r-9", conversation_id=None):
            logger.info("inner")
        logger.info("outer")
    logger.info("after")
    inner, outer, after = _lines(stream)
    assert (inner["activity_id"], inner["conversation_id"], inner["reminder_id"]) == (
        "1700",
        "a:1on1",
        "r-9",
    )
    assert "reminder_id" not in outer and outer["activity_id"] == "1700"
    assert not {"activity_id", "conversation_id", "reminder_id"} & after.keys()


async def test_the_context_follows_tasks_started_inside_it(
    capture: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = capture

    async def work() -> None:
        logger.info("in a task")

    with log_context(activity_id="1701"):
        task = asyncio.create_task(work())
    await task
    [line] = _lines(stream)
    assert line["activity_id"] == "1701"


def test_graph_fields_name_the_call_and_its_request_id(
    capture: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = capture
    logger.info("graph", extra=graph_fields("POST", "/users/u/events", 201, "req-1"))
    [line] = _lines(stream)
    assert line["graph_request_id"] == "req-1"
    assert (line["graph_method"], line["graph_path"], line["graph_status"]) == (
        "POST",
        "/users/u/events",
        201,
    )


def test_a_configured_secret_is_masked_in_messages_extras_and_tracebacks(
    capture: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = capture
    logger.warning("connecting with %s", SECRET, extra={"detail": {"password": SECRET}})
    try:
        raise RuntimeError(f"login failed for secret {SECRET}")
    except RuntimeError:
        logger.exception("failed")
    text = stream.getvalue()
    assert SECRET not in text
    assert json.dumps(SECRET)[1:-1] not in text
    first, second = _lines(stream)
    assert first["message"] == f"connecting with {MASK}"
    assert first["detail"] == {"password": MASK}
    assert MASK in second["exc_info"] and "RuntimeError" in second["exc_info"]


@pytest.mark.parametrize(
    "leak",
    [
        "Authorization: Bearer abcdefghijklmnopqrstuvwxyz0123456789",
        "token eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJhcGkifQ.c2lnbmF0dXJl",
    ],
)
def test_token_shapes_are_masked_even_when_not_configured(leak: str) -> None:
    masked = Redactor()(leak)
    assert MASK in masked
    assert "abcdefghijklmnop" not in masked and "eyJhdWQ" not in masked


def test_short_values_are_not_treated_as_secrets() -> None:
    # Masking every "ab" would garble the logs; real secrets are long.
    assert Redactor(["ab", None, ""])("abc grab") == "abc grab"


def test_the_text_format_puts_the_context_after_the_message() -> None:
    record = logging.LogRecord("meetbot", logging.INFO, __file__, 1, "hello %s", (SECRET,), None)
    record.activity_id = "1702"
    record.graph_request_id = "req-2"
    line = TextFormatter(Redactor([SECRET])).format(record)
    assert line.endswith(f"meetbot: hello {MASK} [activity_id=1702 graph_request_id=req-2]")


def test_configure_logging_replaces_handlers_and_quiets_per_request_libraries(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    saved_levels = {name: logging.getLogger(name).level for name in ("httpx", "msal")}
    for flag in ("_srcfile", "logThreads", "logProcesses", "logMultiprocessing"):
        monkeypatch.setattr(logging, flag, getattr(logging, flag))  # put back afterwards
    try:
        configure_logging("DEBUG", "json", secrets=[SECRET])
        [handler] = root.handlers
        assert isinstance(handler.formatter, JsonLineFormatter)
        records: list[logging.LogRecord] = []

        def keep(record: logging.LogRecord) -> bool:
            records.append(record)
            return True

        handler.addFilter(keep)
        logging.getLogger("meetbot.test.caller").info("where from?")
        # No caller lookup, thread or process fields: no line shows them.
        [record] = records
        assert (record.lineno, record.thread, record.process) == (0, None, None)
        assert root.level == logging.DEBUG
        assert logging.getLogger("httpx").level == logging.WARNING
        assert logging.getLogger("msal").level == logging.WARNING
        with pytest.raises(ValueError, match="Unknown level"):
            configure_logging("LOUD")
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in saved[0]:
            root.addHandler(handler)
        root.setLevel(saved[1])
        for name, level in saved_levels.items():
            logging.getLogger(name).setLevel(level)


class _Writes(io.StringIO):
    """A stream that remembers each write."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[str] = []

    def write(self, text: str) -> int:
        self.writes.append(text)
        return super().write(text)


@pytest.fixture
def batched() -> Iterator[tuple[logging.Logger, _Writes, LoopBatchedHandler]]:
    stream = _Writes()
    handler = LoopBatchedHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logger = logging.getLogger("meetbot.test.batched")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    yield logger, stream, handler
    logger.removeHandler(handler)


async def test_lines_of_one_loop_iteration_go_out_in_one_write(
    batched: tuple[logging.Logger, _Writes, LoopBatchedHandler],
) -> None:
    logger, stream, _ = batched
    logger.info("one")
    logger.info("two")
    logger.debug("three")
    assert stream.writes == []  # the loop has not come round yet
    await asyncio.sleep(0)  # one iteration: the handler's flush callback runs
    assert stream.writes == ["INFO one\nINFO two\nDEBUG three\n"]


async def test_a_warning_goes_out_at_once_after_the_lines_before_it(
    batched: tuple[logging.Logger, _Writes, LoopBatchedHandler],
) -> None:
    logger, stream, _ = batched
    logger.info("before")
    logger.warning("careful")
    assert stream.getvalue() == "INFO before\nWARNING careful\n"
    await asyncio.sleep(0)
    assert stream.getvalue() == "INFO before\nWARNING careful\n"  # nothing written twice


def test_outside_an_event_loop_every_line_goes_out_at_once(
    batched: tuple[logging.Logger, _Writes, LoopBatchedHandler],
) -> None:
    logger, stream, _ = batched
    logger.info("start-up")
    assert stream.writes == ["INFO start-up\n"]


async def test_flush_writes_what_waits_and_a_thread_keeps_the_order(
    batched: tuple[logging.Logger, _Writes, LoopBatchedHandler],
) -> None:
    logger, stream, handler = batched
    logger.info("in the loop")
    await asyncio.to_thread(logger.info, "in a thread")  # no loop there: written at once
    assert stream.getvalue() == "INFO in the loop\nINFO in a thread\n"
    logger.info("again")
    handler.flush()  # as logging.shutdown does at exit
    assert stream.getvalue().endswith("INFO again\n")


def test_lines_waiting_for_a_loop_that_stopped_go_out_with_the_next_line(
    batched: tuple[logging.Logger, _Writes, LoopBatchedHandler],
) -> None:
    logger, stream, _ = batched

    async def log_and_stop() -> None:
        logger.info("last words")
        asyncio.get_running_loop().stop()  # its flush callback never runs

    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(log_and_stop())
    except RuntimeError:
        pass  # the loop stopped before the coroutine's result was set
    finally:
        loop.close()
    logger.info("from elsewhere")
    assert stream.getvalue() == "INFO last words\nINFO from elsewhere\n"


def _reference_formatter() -> logging.Formatter:
    """python-json-logger's own formatter, configured as Meetbot's once was: the oracle."""

    class Reference(OrjsonFormatter):
        def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
            return JsonLineFormatter(Redactor()).formatTime(record)

        def format(self, record: logging.LogRecord) -> str:
            return Redactor([SECRET])(super().format(record))

    return Reference(
        "{asctime}{levelname}{name}{message}",
        style="{",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
    )


def _records() -> Iterator[logging.LogRecord]:
    def record(msg: str, *args: Any, **extra: Any) -> logging.LogRecord:
        made = logging.getLogger("meetbot.test.oracle").makeRecord(
            "meetbot.test.oracle", logging.INFO, "f.py", 1, msg, args, None, extra=extra
        )
        ContextFilter().filter(made)
        return made

    yield record("plain")
    yield record("meeting %s made in %d ms", "AAMk-1", 12, graph_status=201, graph_path="/x")
    with log_context(activity_id="act-1", conversation_id="a:conv"):
        yield record("with context", status=201, duration_ms=2.5, activity_type="message")
        yield record("the context loses to an extra", activity_id="explicit")
    yield record("odd values", path=PurePosixPath("meetbot", "x.db"), raw=b"\x00\xff")
    yield record("an exception value", error=ValueError("bad"), kind=ValueError)
    yield record("a secret %s and a token", SECRET, header="Bearer abcdefghijklmnop")
    yield record("a jwt eyJhbGciOi.eyJzdWIiOi.sig in the message", _private="left out")
    yield record("unicode: 会议 ünïcödé", 会议="同步")
    try:
        raise RuntimeError(f"boom {SECRET}")
    except RuntimeError:
        failed = record("failed")
        failed.exc_info = sys.exc_info()
        yield failed
    stacked = record("with a stack")
    stacked.stack_info = "Stack (most recent call last):\n  File x"
    yield stacked


def test_lines_are_what_python_json_logger_writes_for_the_same_records() -> None:
    ours, reference = JsonLineFormatter(Redactor([SECRET])), _reference_formatter()
    for record in _records():
        assert json.loads(ours.format(record)) == json.loads(reference.format(record))
        assert list(json.loads(ours.format(record))) == list(json.loads(reference.format(record)))
