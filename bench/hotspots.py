"""CPU time of chosen functions inside the running bot, per `meet`: what each part of a turn
costs where it is spent.

A function timed alone runs from warm caches. In the bot, under load, it shares the core with
everything else a turn does, and the same code takes longer, several times as long for some
(bench/README.md has the figures). Profilers do not settle it either: cProfile's per-call
overhead inflates small Python functions several times over, and py-spy's samples of a
coroutine's frames lose their callers on this interpreter.

This starts the two emulators and Meetbot (`meetbot run`, LOG_LEVEL INFO, pinned to the first
CPU as `compare.py` pins it), with each named function wrapped to add up the CPU time of its
calls (`time.thread_time_ns`, so time spent in other threads and waits is not counted); drives
warm-up `meet`s, resets the sums, drives `--messages` more at `--conversations`, stops the bot
and prints, per function, calls and CPU µs per `meet`.

    python bench/hotspots.py [--conversations 16] [--messages 4000] FUNCTION...

FUNCTION is `module:name` or `module:Class.method`, such as `cards.meeting:meeting_card` or
`botbuilder.core.bot_state:CachedBotState.compute_hash`; a module function is replaced
wherever it was imported by name. Only plain functions: a coroutine's CPU time would include
whatever ran while it waited. A function called inside another is counted in both, and each
call carries the wrapper's own small cost. The figures drift with the machine like every CPU
figure here; compare functions within one run.
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import collections
import importlib
import json
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
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
    pin_self,
    plan_placement,
    post_meets,
    start_emulators,
)

from bot.cli import run_loop

WARM_UP = 20  # messages per conversation before the sums are reset
START_TIMEOUT_S = 60.0

# The bot's side: run with `python -c` before `meetbot run` (see `_bootstrap`).
_spent: collections.Counter[str] = collections.Counter()
_calls: collections.Counter[str] = collections.Counter()


def install(specs: list[str], out: str) -> None:
    """Wrap each function; reset the sums on SIGUSR1; write them to `out` at exit."""
    for spec in specs:
        module_name, _, attribute = spec.partition(":")
        module = importlib.import_module(module_name)
        owner_name, _, method = attribute.rpartition(".")
        if owner_name:
            owner = getattr(module, owner_name)
            setattr(owner, method, _timed(spec, owner.__dict__[method]))
        else:
            original = getattr(module, attribute)
            _replace_everywhere(original, _timed(spec, original))
    signal.signal(signal.SIGUSR1, lambda *_: (_spent.clear(), _calls.clear()))
    atexit.register(lambda: Path(out).write_text(json.dumps({"spent": _spent, "calls": _calls})))


def _timed(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    clock = time.thread_time_ns

    def timed(*args: Any, **kwargs: Any) -> Any:
        started = clock()
        try:
            return function(*args, **kwargs)
        finally:
            _spent[name] += clock() - started
            _calls[name] += 1

    return timed


def _replace_everywhere(original: Any, replacement: Any) -> None:
    for module in list(sys.modules.values()):
        names = getattr(module, "__dict__", None)
        if names is None:
            continue
        for key, value in list(names.items()):
            if value is original:
                names[key] = replacement


def _bootstrap(specs: list[str], out: Path) -> str:
    return (
        "import sys\n"
        f"sys.path[:0] = [{str(ROOT / 'bench')!r}, {str(ROOT)!r}]\n"
        f"import hotspots; hotspots.install({specs!r}, {str(out)!r})\n"
        "from bot.cli import main; sys.argv = ['meetbot', 'run']; sys.exit(main())\n"
    )


# The harness's side.


async def measure(specs: list[str], conversations: int, messages: int) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="meetbot-hotspots-"))
    out = work / "sums.json"
    placement = plan_placement(pin=True)
    bot_cpus, other_cpus = placement.bot, placement.others
    if other_cpus is not None:
        pin_self(other_cpus)
    children = Children(work, child_env(work))
    try:
        graph_url, service_url = await start_emulators(children, other_cpus)
        bot = await children.spawn(
            "meetbot",
            [PYTHON, "-c", _bootstrap(specs, out)],
            bot_cpus,
            PORT="0",
            LOG_LEVEL="INFO",
            GRAPH_BASE_URL=graph_url,
            DATABASE_URL=f"sqlite:///{work / 'meetbot.db'}",
        )
        url = (await children.read_line(bot, "listening on", START_TIMEOUT_S)).rsplit(" ", 1)[1]
        per_conversation = messages // conversations
        async with aiohttp.ClientSession() as session:
            templates = [
                BodyTemplate.build(
                    COMMAND, service_url, f"a:hot-{index}", f"{index:08d}-0000-4000-8000-{0:012d}"
                )
                for index in range(conversations)
            ]
            await asyncio.gather(*(post_meets(session, url, t, WARM_UP) for t in templates))
            # Every warm-up answer is in; the bot resets its sums before it runs any more Python.
            bot.process.send_signal(signal.SIGUSR1)
            await asyncio.gather(
                *(post_meets(session, url, t, per_conversation) for t in templates)
            )
        await children.stop(bot, 30.0)
    finally:
        await children.close()
    sums = json.loads(out.read_text())
    return {"meets": per_conversation * conversations, **sums}


def report(figures: dict[str, Any], specs: list[str]) -> None:
    meets = figures["meets"]
    print(f"{meets} meets; per meet: calls, CPU µs (thread time, wrappers included)")
    for spec in sorted(specs, key=lambda s: -figures["spent"].get(s, 0)):
        calls = figures["calls"].get(spec, 0)
        spent_us = figures["spent"].get(spec, 0) / 1000
        per_call = spent_us / calls if calls else 0.0
        print(
            f"  {calls / meets:6.2f} calls  {spent_us / meets:7.1f} µs"
            f"  ({per_call:.1f} µs a call)  {spec}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=16)
    parser.add_argument("--messages", type=int, default=4000)
    parser.add_argument("functions", nargs="+", metavar="FUNCTION")
    args = parser.parse_args()
    figures = run_loop(measure(args.functions, args.conversations, args.messages))
    report(figures, args.functions)
    return 0


if __name__ == "__main__":
    sys.exit(main())
