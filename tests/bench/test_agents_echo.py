"""The Agents SDK peer of bench/compare.py: the quickstart echo agent answers a Teams message
with its echo, and the performance guard reads Meetbot's CPU against both echo peers."""

from __future__ import annotations

import asyncio
import functools
import importlib.util
import os
import socket
import subprocess
import sys
from dataclasses import fields
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx

from tests import outside
from tests.conftest import RunningConnector
from tests.factories import make_message
from tests.processes import read_until

BENCH = Path(__file__).resolve().parents[2] / "bench"
AGENTS_PYTHON = BENCH / ".venv-agents" / "bin" / "python"
PROBE = "import dotenv, microsoft_agents.authentication.msal, microsoft_agents.hosting.aiohttp"


@functools.cache
def _compare() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_compare", BENCH / "compare.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def _agents_python() -> Path:
    """The Agents SDK's own virtualenv; skipped (failed under CI) when it is not installed."""
    installed = AGENTS_PYTHON.exists() and (
        subprocess.run([AGENTS_PYTHON, "-c", PROBE], capture_output=True, check=False).returncode
        == 0
    )
    if not installed:
        outside.missing(
            "the Agents SDK echo agent", "bench/.venv-agents lacks it (bash bench/setup_agents.sh)"
        )
    return AGENTS_PYTHON


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_the_agents_echo_answers_a_message_with_its_echo(
    connector: RunningConnector, tmp_path: Path
) -> None:
    python, port = _agents_python(), _free_port()
    env = os.environ | {
        "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__ANONYMOUS_ALLOWED": "true",
        "PORT": str(port),
        "PYTHONUNBUFFERED": "1",
    }
    process = await asyncio.create_subprocess_exec(
        python,
        str(BENCH / "agents_echo.py"),
        cwd=tmp_path,  # no stray .env for the quickstart's load_dotenv()
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        assert process.stdout is not None
        await asyncio.wait_for(read_until(process.stdout, f"127.0.0.1:{port}", []), 30)
        activity = make_message("hello there", service_url=connector.url, activity_id="in-1")
        conversation = activity["conversation"]["id"]
        async with httpx.AsyncClient(timeout=30) as client:
            answer = await client.post(f"http://127.0.0.1:{port}/api/messages", json=activity)
        await connector.emulator.wait_for(lambda e: bool(e.activities(conversation)), 10)
    finally:
        process.terminate()
        await process.wait()

    assert answer.status_code == 202
    [reply] = connector.emulator.activities(conversation)
    assert reply.kind == "reply"
    assert reply.body["text"] == "you said: hello there"
    assert reply.body["replyToId"] == "in-1"


def _bot(compare: ModuleType, name: str, cpu_ms: dict[int, float]) -> Any:
    zeros: dict[str, Any] = {field.name: 0 for field in fields(compare.LevelFigures)}
    levels = [
        compare.LevelFigures(**zeros | {"concurrency": c, "cpu_ms_per_message": ms})
        for c, ms in cpu_ms.items()
    ]
    return compare.BotFigures(name, cold_start_s=1.0, levels=levels)


def _verdicts(meet: dict[int, float], stock: dict[int, float], agents: dict[int, float]) -> Any:
    compare = _compare()
    return compare.guard(
        _bot(compare, "meetbot", meet),
        _bot(compare, "stock", stock),
        _bot(compare, "agents", agents),
    )


def test_the_guard_reads_the_16_conversation_level_of_all_three_bots() -> None:
    cheaper, dearer = _verdicts({1: 3.0, 16: 1.5}, {1: 9.8, 16: 9.6}, {1: 2.0, 16: 1.6})

    assert (cheaper.passed, dearer.passed) == (True, True)
    assert cheaper.measured == "0.94 (1.500 / 1.600 ms)"
    assert dearer.measured == "6.40x (9.600 / 1.500 ms)"
    assert "1 conv 1.50" in cheaper.detail


def test_a_meet_dearer_than_the_agents_echo_or_under_6x_the_stock_echo_fails() -> None:
    over_agents, under_stock = _verdicts({16: 1.7}, {16: 9.6}, {16: 1.6})
    assert (over_agents.passed, under_stock.passed) == (False, False)  # 1.06 > 1, 5.65x < 6x


def test_without_the_16_conversation_level_the_guard_is_not_measured() -> None:
    verdicts = _verdicts({1: 1.0, 64: 1.0}, {1: 9.0, 64: 9.0}, {1: 2.0, 64: 2.0})
    assert [verdict.passed for verdict in verdicts] == [None, None]
