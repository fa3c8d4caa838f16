"""`meetbot run` as a user starts it: a real process, no configuration at all."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import RunningConnector
from tests.factories import make_message


@dataclass
class BotProcess:
    url: str
    process: asyncio.subprocess.Process
    log_lines: list[str]


async def _read_until(stream: asyncio.StreamReader, marker: str, seen: list[str]) -> str:
    while True:
        raw = await stream.readline()
        if not raw:
            raise AssertionError(f"process ended before printing {marker!r}: {seen}")
        line = raw.decode().rstrip()
        seen.append(line)
        if marker in line:
            return line


@pytest.fixture
async def bot_process(tmp_path: Path) -> AsyncIterator[BotProcess]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("Microsoft", "GRAPH_", "DATABASE_URL", "HOST"))
    }
    env |= {"PORT": "0", "HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    seen: list[str] = []
    line = await asyncio.wait_for(_read_until(process.stdout, "listening on", seen), 30)
    url = line.rsplit(" ", 1)[1].removesuffix("/api/messages")
    log_lines: list[str] = []
    await asyncio.wait_for(_read_until(process.stderr, "simulated", log_lines), 5)
    yield BotProcess(url, process, log_lines)
    process.terminate()
    assert await asyncio.wait_for(process.wait(), 10) == 0


async def test_meetbot_run_with_no_configuration_answers_meet(
    bot_process: BotProcess, connector: RunningConnector
) -> None:
    assert bot_process.url.startswith("http://127.0.0.1:")  # no app id: loopback only
    assert any("Local mode" in line for line in bot_process.log_lines)
    activity = make_message("meet Design review tomorrow 3pm", service_url=connector.url)
    async with httpx.AsyncClient(base_url=bot_process.url, timeout=30) as client:
        assert (await client.get("/healthz")).json()["mode"] == "local"
        response = await client.post("/api/messages", json=activity)
    assert response.status_code in {200, 201}
    [reply] = connector.emulator.activities(activity["conversation"]["id"])
    card = reply.body["attachments"][0]["content"]
    [join] = [a for a in card["actions"] if a["type"] == "Action.OpenUrl"]
    assert join["url"].startswith("https://teams.microsoft.com/l/meetup-join/")
