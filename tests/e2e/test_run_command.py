"""`meetbot run` as a user starts it: a real process, no configuration at all."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import RunningConnector
from tests.factories import make_message
from tests.processes import read_until as _read_until
from tests.processes import start


@dataclass
class BotProcess:
    url: str
    process: asyncio.subprocess.Process
    log_lines: list[str]


@pytest.fixture
async def bot_process(tmp_path: Path) -> AsyncIterator[BotProcess]:
    process = await start(["run"], tmp_path, PORT="0")
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


async def test_a_standalone_graph_emulator_is_found_through_graph_base_url(
    tmp_path: Path, connector: RunningConnector
) -> None:
    emulator = await start(["graph-emulator", "--port", "0"], tmp_path)
    assert emulator.stdout is not None
    try:
        line = await asyncio.wait_for(_read_until(emulator.stdout, "GRAPH_BASE_URL=", []), 30)
        graph_base_url = line.split("GRAPH_BASE_URL=", 1)[1].split()[0]
        # No certificate setting: the bot finds the emulator's certificate by its port.
        bot = await start(["run"], tmp_path, PORT="0", GRAPH_BASE_URL=graph_base_url)
        assert bot.stdout is not None
        try:
            line = await asyncio.wait_for(_read_until(bot.stdout, "listening on", []), 30)
            bot_url = line.rsplit(" ", 1)[1].removesuffix("/api/messages")
            activity = make_message("meet now Sync", service_url=connector.url)
            async with httpx.AsyncClient(base_url=bot_url, timeout=30) as client:
                await client.post("/api/messages", json=activity)
        finally:
            bot.terminate()
            await bot.wait()
        [reply] = connector.emulator.activities(activity["conversation"]["id"])
        card = reply.body["attachments"][0]["content"]
        assert any(a["type"] == "Action.OpenUrl" for a in card["actions"])
    finally:
        emulator.terminate()
        assert await asyncio.wait_for(emulator.wait(), 10) == 0


async def test_an_inconsistent_configuration_stops_with_one_line(tmp_path: Path) -> None:
    process = await start(["run"], tmp_path, MicrosoftAppPassword="secret")
    _stdout, stderr = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 2
    lines = stderr.decode().strip().splitlines()
    assert len(lines) == 1 and "MicrosoftAppPassword" in lines[0]
