"""Instructions per `meet`: what Meetbot (or the floor bot) executes in user space, counted by
valgrind, repeatable where CPU time is not.

CPU time per message on a shared virtual machine drifts (10-15% between runs of
`bench/compare.py` here, unchanged code included), too much to see a change of a few percent.
Instruction counts do not drift: this runs the bot under `valgrind --tool=callgrind` against the
two emulators, sends warm-up messages and then N `meet`s, stops it, and reads the total; twice,
with N1 and N2 messages, so start-up, warm-up and shutdown cancel out and the difference is
what N2 - N1 messages cost. Every thread of the bot is counted (the store's too); the kernel's
work (system calls, the network, the disk) is not. Under valgrind the bot runs ~50 times
slower, so what depends on timing (how many turns share a store commit) differs a little from
a real run; two runs of the same code agree to about 0.5%.

    python bench/instructions.py [--bot meetbot|floor] [--conversations 16]
                                 [--messages 160,480] [--keep DIR]

Needs valgrind (Debian's `valgrind` package). It takes about two minutes. `--keep DIR` leaves
the callgrind files there, for `callgrind_annotate`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import signal
import sys
import tempfile
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))

from compare import COMMAND, PYTHON, ROOT, BodyTemplate

from bot.cli import run_loop

WARM_UP = 20  # messages per conversation before counting starts to matter
START_TIMEOUT_S = 180.0  # Meetbot's start under valgrind (seconds natively)


async def _line(process: asyncio.subprocess.Process, marker: str, within_s: float) -> str:
    stream = process.stdout
    assert stream is not None
    async with asyncio.timeout(within_s):
        while raw := await stream.readline():
            if marker in (line := raw.decode(errors="replace").strip()):
                return line
    raise RuntimeError(f"the process ended before saying {marker!r}")


async def _spawn(argv: list[str], env: dict[str, str], work: Path) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        *argv,
        cwd=work,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )


async def _stop(process: asyncio.subprocess.Process, within_s: float = 300.0) -> None:
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), within_s)  # valgrind writes its file on exit


async def count(bot: str, conversations: int, messages: int, work: Path) -> int:
    """Instructions the bot executed in all, from start to stop, for `messages` `meet`s."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("Microsoft", "GRAPH_", "DATABASE_URL", "HOST", "PORT", "LOG_"))
    }
    env |= {"HOME": str(work), "XDG_CACHE_HOME": str(work / "cache"), "PYTHONUNBUFFERED": "1"}
    started: list[asyncio.subprocess.Process] = []
    try:
        graph = await _spawn([PYTHON, "-m", "bot", "graph-emulator", "--port", "0"], env, work)
        started.append(graph)
        graph_url = (await _line(graph, "GRAPH_BASE_URL=", 30)).split("GRAPH_BASE_URL=")[1]
        graph_url = graph_url.split()[0]
        connector = await _spawn(
            [PYTHON, "-m", "bot", "connector-emulator", "--port", "0"], env, work
        )
        started.append(connector)
        service_url = (await _line(connector, "listening on", 30)).rsplit(" ", 1)[1]
        service_url = service_url.removesuffix("/v3")
        program = [PYTHON, "-m", "bot", "run"]
        if bot == "floor":
            program = [PYTHON, str(ROOT / "bench" / "floor_bot.py")]
        out = work / f"callgrind.{bot}.{messages}"
        process = await _spawn(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", *program],
            env
            | {
                "PORT": "0",
                "GRAPH_BASE_URL": graph_url,
                "DATABASE_URL": f"sqlite:///{work / f'{bot}-{messages}.db'}",
            },
            work,
        )
        started.append(process)
        url = (await _line(process, "listening on", START_TIMEOUT_S)).rsplit(" ", 1)[1]
        async with aiohttp.ClientSession() as session:

            async def user(index: int) -> None:
                template = BodyTemplate.build(
                    COMMAND, service_url, f"a:count-{index}", f"{index:08d}-0000-4000-8000-{0:012d}"
                )
                for _ in range(WARM_UP + messages // conversations):
                    async with session.post(
                        url, data=template.body(), headers={"Content-Type": "application/json"}
                    ) as response:
                        await response.read()
                        if response.status >= 300:
                            raise RuntimeError(f"the bot answered {response.status}")

            await asyncio.gather(*(user(index) for index in range(conversations)))
        await _stop(process)
        return _totals(work, out.name)
    finally:
        for process in reversed(started):
            with contextlib.suppress(ProcessLookupError, TimeoutError):
                await _stop(process, 30)


def _totals(work: Path, name: str) -> int:
    """The `totals:` of every file callgrind wrote under `name` (one per process part)."""
    total = 0
    for path in work.glob(f"{name}*"):
        with path.open() as lines:
            total += next(int(line.split()[1]) for line in lines if line.startswith("totals:"))
    return total


async def run(args: argparse.Namespace) -> int:
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (Debian: apt-get install valgrind)", file=sys.stderr)
        return 2
    work = _workdir(args.keep)
    try:
        few, many = args.messages
        low = await count(args.bot, args.conversations, few, work)
        high = await count(args.bot, args.conversations, many, work)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    per = (high - low) / ((many - few) // args.conversations * args.conversations)
    print(
        f"{args.bot}: {per / 1e6:.3f} million instructions per meet at {args.conversations} "
        f"conversations (user space, every thread; {few} and {many} meets: {low:,} and {high:,})"
    )
    return 0


def _workdir(keep: Path | None) -> Path:
    if keep is None:
        return Path(tempfile.mkdtemp(prefix="meetbot-instructions-"))
    keep.mkdir(parents=True, exist_ok=True)
    return keep


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bot", choices=("meetbot", "floor"), default="meetbot")
    parser.add_argument("--conversations", type=int, default=16)
    parser.add_argument(
        "--messages",
        type=lambda text: tuple(int(part) for part in text.split(",")),
        default=(160, 480),
        help="the two message counts (default 160,480)",
    )
    parser.add_argument("--keep", type=Path, help="keep the callgrind files in this directory")
    args = parser.parse_args()
    if len(args.messages) != 2 or args.messages[0] >= args.messages[1]:
        parser.error("--messages takes two counts, the smaller first")
    return run_loop(run(args))


if __name__ == "__main__":
    sys.exit(main())
