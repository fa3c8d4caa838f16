"""Start `meetbot` commands as real processes, the way a user does."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path


async def read_until(stream: asyncio.StreamReader, marker: str, seen: list[str]) -> str:
    while True:
        raw = await stream.readline()
        if not raw:
            raise AssertionError(f"process ended before printing {marker!r}: {seen}")
        line = raw.decode().rstrip()
        seen.append(line)
        if marker in line:
            return line


def meetbot_command() -> list[str]:
    """The installed console script, as the README runs it (`python -m bot` if not installed)."""
    script = Path(sys.executable).with_name("meetbot")
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot"]


def clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("Microsoft", "GRAPH_", "DATABASE_URL", "HOST"))
    }
    return env | {"HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "cache")} | extra


async def start(args: list[str], tmp_path: Path, **env: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        *meetbot_command(),
        *args,
        cwd=tmp_path,
        env=clean_env(tmp_path, **env),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def start_bot(tmp_path: Path, **env: str) -> tuple[asyncio.subprocess.Process, str]:
    """`meetbot run` on a free port; returns the process and its base URL once it listens."""
    process = await start(["run"], tmp_path, PORT="0", **env)
    assert process.stdout is not None and process.stderr is not None
    try:
        line = await asyncio.wait_for(read_until(process.stdout, "listening on", []), 30)
    except AssertionError as ended:  # say why: the process's own last words
        await process.wait()
        said = (await process.stderr.read())[-3000:].decode(errors="replace")
        raise AssertionError(f"{ended} (exit status {process.returncode}):\n{said}") from None
    return process, line.rsplit(" ", 1)[1].removesuffix("/api/messages")


async def stop(process: asyncio.subprocess.Process) -> None:
    """SIGTERM, and a clean exit within 10 s (else it is killed and its stderr shown)."""
    process.terminate()
    try:
        code = await asyncio.wait_for(process.wait(), 10)
    except TimeoutError:
        process.kill()
        await process.wait()
        tail = (await process.stderr.read())[-3000:].decode() if process.stderr else ""
        raise AssertionError(f"the process did not stop on SIGTERM:\n{tail}") from None
    assert code == 0
