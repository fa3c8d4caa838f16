"""Python bytecodes per `meet`: what the bot's event-loop thread executes, counted exactly.

CPU time per message drifts on a shared virtual machine and instruction counts
(`instructions.py`) vary by a few percent, which hides a change worth 1-2%. The number of
bytecodes the interpreter executes for a `meet` is the same on every run: this starts Meetbot
against the two emulators, warms it up, then counts every bytecode of its main thread
(`sys.settrace` with opcode events, switched on and off by SIGUSR1 and SIGUSR2) while N `meet`s
are answered, and prints the count per `meet`, by package and for the costliest functions. Only
Python code is counted: C code (aiohttp's parser, uvloop, orjson, SQLite, regular expressions,
the system) is not, and a bytecode's cost varies, so this ranks Python-level work; it does not
measure time. The store's thread is not traced. Tracing makes the bot ~20 times slower.

    python bench/bytecodes.py [--conversations 16] [--messages 1600] [--top 25] [--json PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import collections
import json
import os
import re
import signal
import sys
import tempfile
from pathlib import Path
from types import CodeType, FrameType
from typing import Any

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

WARM_UP = 20  # messages per conversation before counting starts
DUMP_ENV = "MEETBOT_BYTECODES_DUMP"
SCRIPT = str(Path(__file__).resolve())


# -- in the bot's process ---------------------------------------------------------------------


def _traced_bot() -> int:
    """`meetbot run`, counting its main thread's bytecodes between SIGUSR1 and SIGUSR2; the
    counts are written at exit to the file named by MEETBOT_BYTECODES_DUMP."""
    executed: collections.Counter[CodeType] = collections.Counter()
    entered: collections.Counter[CodeType] = collections.Counter()

    def opcode(frame: FrameType, event: str, _arg: Any) -> Any:
        if event == "opcode":
            executed[frame.f_code] += 1
        return opcode

    def call(frame: FrameType, _event: str, _arg: Any) -> Any:
        frame.f_trace_opcodes = True
        entered[frame.f_code] += 1  # a call, or a coroutine resumed
        return opcode

    def dump() -> None:
        rows = [
            [code.co_filename, code.co_firstlineno, code.co_qualname, n, entered[code]]
            for code, n in executed.items()
        ]
        Path(os.environ[DUMP_ENV]).write_text(json.dumps(rows), encoding="utf-8")

    signal.signal(signal.SIGUSR1, lambda *_: sys.settrace(call))
    signal.signal(signal.SIGUSR2, lambda *_: sys.settrace(None))
    atexit.register(dump)
    from bot.cli import main  # noqa: PLC0415 (after the handlers: nothing runs before them)

    return main(["run"])


# -- the harness ------------------------------------------------------------------------------


async def measure(conversations: int, messages: int, work: Path) -> list[list[Any]]:
    dump = work / "bytecodes.json"
    children = Children(work, child_env(work))
    try:
        graph_url, service_url = await start_emulators(children)
        bot = await children.spawn(
            "meetbot",
            [PYTHON, SCRIPT, "--traced-bot"],
            PORT="0",
            GRAPH_BASE_URL=graph_url,
            DATABASE_URL=f"sqlite:///{work / 'meetbot.db'}",
            **{DUMP_ENV: str(dump), "PYTHONPATH": str(ROOT)},
        )
        line = await children.read_line(bot, "listening on")
        url = line.rsplit(" ", 1)[1]
        per_conversation = messages // conversations
        async with aiohttp.ClientSession() as session:

            async def user(index: int, count: int) -> None:
                template = BodyTemplate.build(
                    COMMAND, service_url, f"a:bc-{index}", f"{index:08d}-0000-4000-8000-{0:012d}"
                )
                await post_meets(session, url, template, count)

            await asyncio.gather(*(user(index, WARM_UP) for index in range(conversations)))
            bot.process.send_signal(signal.SIGUSR1)
            await asyncio.gather(*(user(i, per_conversation) for i in range(conversations)))
            bot.process.send_signal(signal.SIGUSR2)
            # The handler runs before the bot's next Python code: this request's.
            async with session.get(url.replace("/api/messages", "/healthz")) as answer:
                await answer.read()
        await children.stop(bot, 60)
        rows: list[list[Any]] = json.loads(dump.read_text(encoding="utf-8"))
        return rows
    finally:
        await children.close()


def _package(path: str) -> str:
    path = re.sub(r".*site-packages/", "", path)
    path = re.sub(r".*/lib/python3\.\d+/", "stdlib/", path)
    path = path.removeprefix(str(ROOT) + "/")
    parts = path.split("/")
    return "/".join(parts[:2]) if parts[0] in ("bot", "stdlib", "cards", "dialogs") else parts[0]


def report(rows: list[list[Any]], meets: int, top: int) -> None:
    total = sum(row[3] for row in rows)
    print(f"meetbot: {total / meets:,.0f} bytecodes per meet on the event loop's thread")
    packages: collections.Counter[str] = collections.Counter()
    for path, _line, _name, count, _calls in rows:
        packages[_package(path)] += count
    print("\nby package (bytecodes per meet, share):")
    for name, count in packages.most_common(top):
        print(f"  {count / meets:8,.0f}  {100 * count / total:5.1f}%  {name}")
    print("\ncostliest functions (bytecodes per meet, calls or resumptions per meet):")
    for path, line, name, count, calls in sorted(rows, key=lambda row: -row[3])[:top]:
        where = re.sub(r".*site-packages/", "", path).removeprefix(str(ROOT) + "/")
        print(f"  {count / meets:8,.0f}  {calls / meets:6.2f}  {where}:{line} {name}")


async def run(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="meetbot-bytecodes-") as scratch:
        rows = await measure(args.conversations, args.messages, Path(scratch))
    meets = args.messages // args.conversations * args.conversations
    if args.json:
        args.json.write_text(json.dumps({"meets": meets, "rows": rows}), encoding="utf-8")
    report(rows, meets, args.top)
    return 0


def main() -> int:
    if sys.argv[1:] == ["--traced-bot"]:
        return _traced_bot()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=16)
    parser.add_argument("--messages", type=int, default=1600, help="meets counted (default 1600)")
    parser.add_argument("--top", type=int, default=25, help="packages and functions listed")
    parser.add_argument("--json", type=Path, help="also write every function's counts here")
    args = parser.parse_args()
    return run_loop(run(args))


if __name__ == "__main__":
    sys.exit(main())
