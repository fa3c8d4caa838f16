"""Instructions per `meet`: what Meetbot (or the floor bot) executes in user space, counted by
valgrind, steadier than CPU time.

CPU time per message on a shared virtual machine drifts between runs of `bench/compare.py`,
unchanged code included. Instruction counts do not depend on the machine's speed: this runs the
bot under `valgrind --tool=callgrind` against the two emulators, sends warm-up messages and then
N `meet`s, stops it, and reads the total; twice, with N1 and N2 messages, so start-up, warm-up
and shutdown cancel out and the difference is what N2 - N1 messages cost. Every thread of the
bot is counted (the store's too); the kernel's work (system calls, the network, the disk) is
not. Under valgrind the bot runs ~50 times slower, and what depends on timing (how many turns
share a store commit, when the garbage collector runs) still varies from run to run by a few
percent (bench/README.md). Run it a few times and compare the ranges.

    python bench/instructions.py [--bot meetbot|floor] [--conversations 16]
                                 [--messages 160,480] [--keep DIR]

Needs valgrind (Debian's `valgrind` package). It takes about two minutes. `--keep DIR` leaves
the callgrind files there, for `callgrind_annotate`.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))

from compare import (
    COMMAND,
    PYTHON,
    ROOT,
    BodyTemplate,
    Children,
    child_env,
    post_meets,
    start_emulators,
)

from bot.cli import run_loop

WARM_UP = 20  # messages per conversation before counting starts to matter
START_TIMEOUT_S = 180.0  # Meetbot's start under valgrind (seconds natively)
STOP_TIMEOUT_S = 300.0  # valgrind writes its counts as the bot exits


async def count(bot: str, conversations: int, messages: int, work: Path) -> int:
    """Instructions the bot executed in all, from start to stop, for `messages` `meet`s."""
    children = Children(work, child_env(work))
    try:
        graph_url, service_url = await start_emulators(children)
        program = [PYTHON, "-m", "bot", "run"]
        if bot == "floor":
            program = [PYTHON, str(ROOT / "bench" / "floor_bot.py")]
        out = work / f"callgrind.{bot}.{messages}"
        child = await children.spawn(
            bot,
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", *program],
            PORT="0",
            GRAPH_BASE_URL=graph_url,
            DATABASE_URL=f"sqlite:///{work / f'{bot}-{messages}.db'}",
        )
        line = await children.read_line(child, "listening on", START_TIMEOUT_S)
        url = line.rsplit(" ", 1)[1]
        async with aiohttp.ClientSession() as session:

            async def user(index: int) -> None:
                template = BodyTemplate.build(
                    COMMAND, service_url, f"a:count-{index}", f"{index:08d}-0000-4000-8000-{0:012d}"
                )
                await post_meets(session, url, template, WARM_UP + messages // conversations)

            await asyncio.gather(*(user(index) for index in range(conversations)))
        await children.stop(child, STOP_TIMEOUT_S)
        return _totals(work, out.name)
    finally:
        await children.close()


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
