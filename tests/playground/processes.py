"""`meetbot run` and the Agents Playground as a developer starts them, on free loopback ports.

The Playground runs through the README's command, `npm run --prefix tests/js playground`, with
the bot's endpoint and the port given by the variables that command reads (`MEETBOT_ENDPOINT`,
the Playground's own `TEAMSAPPTESTER_PORT`): 0 picks a free port, and it prints the one it took.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.processes import clean_env, meetbot_command, read_until

JS_DIR = Path(__file__).resolve().parents[1] / "js"
PLAYGROUND_CLI = JS_DIR / "node_modules" / ".bin" / "agentsplayground"
_STARTUP_S = 60  # a cold start on a busy 2-core machine; both print their port when ready


class Missing(Exception):
    """Something the Playground tests need is not installed."""


def npm_path() -> str:
    if not PLAYGROUND_CLI.is_file():
        raise Missing(f"{PLAYGROUND_CLI} is missing (run npm ci --prefix tests/js)")
    npm = shutil.which("npm")
    if npm is None:
        raise Missing("npm is not on PATH (install Node.js)")
    return npm


@dataclass(frozen=True)
class RunningBot:
    endpoint: str  # http://127.0.0.1:PORT/api/messages
    graph_url: str  # the built-in Graph emulator's root, admin API included
    graph_ca: Path  # its self-signed certificate, where `meetbot run` leaves it

    def graph(self) -> httpx.AsyncClient:
        """A client for the emulator's admin API (`/_emulator/...`)."""
        verify = ssl.create_default_context(cafile=str(self.graph_ca))
        return httpx.AsyncClient(base_url=self.graph_url, verify=verify, timeout=10)


@contextlib.asynccontextmanager
async def meetbot_run(tmp_path: Path, **settings: str) -> AsyncIterator[RunningBot]:
    """`meetbot run` with no configuration (local mode) but `settings`, its log in
    `tmp_path/meetbot.log`."""
    log_path = tmp_path / "meetbot.log"
    with log_path.open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            *meetbot_command(),
            "run",
            cwd=tmp_path,
            env=clean_env(tmp_path, PORT="0", LOG_FORMAT="text", **settings),
            stdout=asyncio.subprocess.PIPE,
            stderr=log,  # a file: a pipe nobody reads would stall the bot once full
        )
        try:
            assert process.stdout is not None
            line = await asyncio.wait_for(read_until(process.stdout, "listening on", []), 30)
            # The built-in emulator leaves its certificate, named by its port, before the bot
            # listens (README, "Local mode"); XDG_CACHE_HOME is clean_env's.
            [certificate] = (tmp_path / "cache" / "meetbot").glob("graph-emulator-*.pem")
            port = certificate.stem.rsplit("-", 1)[1]
            yield RunningBot(
                endpoint=line.rsplit(" ", 1)[1],
                graph_url=f"https://127.0.0.1:{port}",
                graph_ca=certificate,
            )
        finally:
            code = await _stop(process, process.pid, log_path)
        assert code == 0, (await _tail(log_path), code)


@contextlib.asynccontextmanager
async def playground(npm: str, endpoint: str, tmp_path: Path, zone: str) -> AsyncIterator[str]:
    """The README's Playground command against `endpoint`; yields the page's URL.

    `zone` is the Playground's process zone (`TZ`), which it sends as `localTimezone`."""
    log_path = tmp_path / "playground.log"
    env = os.environ | {
        "MEETBOT_ENDPOINT": endpoint,
        "TEAMSAPPTESTER_PORT": "0",
        "TEAMSAPPTESTER_BROWSER": "none",  # the test brings its own browser
        "M365_AGENTS_PLAYGROUND_LOGFILE": str(tmp_path / "playground-server.log"),
        "TZ": zone,
        "npm_config_update_notifier": "false",  # npm would ask the registry about itself
    }
    with log_path.open("wb") as log:
        # A session of its own: npm, its shell and node stop together, by this group's id.
        process = await asyncio.create_subprocess_exec(
            npm,
            "run",
            "--silent",
            "--prefix",
            str(JS_DIR),
            "playground",
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=log,
            start_new_session=True,
        )
        drain: asyncio.Task[bytes] | None = None
        try:
            assert process.stdout is not None
            seen: list[str] = []
            line = await asyncio.wait_for(
                read_until(process.stdout, "Listening on", seen), _STARTUP_S
            )
            # It goes on printing: keep reading, so a full pipe never stalls it.
            drain = asyncio.create_task(process.stdout.read())
            yield f"http://127.0.0.1:{line.rsplit(' ', 1)[1]}"
        finally:
            await _stop(process, process.pid, log_path, group=True)
            if drain is not None:
                await drain


async def _stop(
    process: asyncio.subprocess.Process, pid: int, log_path: Path, *, group: bool = False
) -> int:
    """SIGTERM (to the whole group with `group`), then its exit code within 10 s."""
    if process.returncode is not None:
        return process.returncode

    def kill(sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError):  # it ended in the meantime
            if group:
                os.killpg(pid, sig)
            else:
                process.send_signal(sig)

    kill(signal.SIGTERM)
    try:
        return await asyncio.wait_for(process.wait(), 10)
    except TimeoutError:
        kill(signal.SIGKILL)
        await process.wait()
        tail = await _tail(log_path)
        raise AssertionError(f"{log_path.name}: no exit on SIGTERM:\n{tail}") from None


async def _tail(log_path: Path) -> str:
    text = await asyncio.to_thread(log_path.read_text, encoding="utf-8", errors="replace")
    return text[-3000:]
