"""Meetbot against two echo bots, Microsoft's stock botbuilder sample and the Microsoft 365
Agents SDK's quickstart, side by side under the same load, with issue 7's acceptance figures and
issue 23's performance guard computed from the one run.

Six processes on loopback: the Graph emulator (`bench/counting_graph.py`: `meetbot
graph-emulator` plus running counts of what it was asked), the Bot Connector emulator
(`bench/counting_connector.py`: the same emulator plus counts of messages, typing indicators and
TCP connections), the stock echo bot (`bench/stock_echo_bot.py`, Microsoft's sample shape), the
Agents SDK echo agent (`bench/agents_echo.py`, the quickstart's shape, anonymous, on the
interpreter of its own virtualenv, `bench/.venv-agents`, which `bench/setup_agents.sh` makes on
first use) and Meetbot (`meetbot run` as deployed: LOG_LEVEL unset, so its default level, its
stderr in a log file; SQLite in a temp directory), plus this one, the load generator. Each bot
in turn (stock, agents, Meetbot) gets 1, 16 and 64 concurrent conversations (one virtual user
each, posting Teams 1:1 messages shaped by `tests/factories.make_message` back to back) for a
bounded time; Meetbot gets `meet Design review tomorrow 3pm for 45m` (a Graph create, a durable
write and a card reply), the echo bots the same text (they echo it). Then Meetbot alone runs a
soak at 16 conversations (`--soak`, default 300 s; none with `--quick` unless given).

    python bench/compare.py [--seconds 10] [--quick] [--levels 1,16,64] [--soak SECONDS]
                            [--floor] [--no-pin] [--json PATH]

With `--floor`, a fourth bot runs the levels after Meetbot: `bench/floor_bot.py`, the I/O of one
`meet` (a TLS POST to Graph, a durable SQLite write on a thread, a reply to the connector) with
no framework and no features. Its rows show what this machine's network and disk work cost,
and so what Meetbot's layers add; it takes no part in the acceptance.

CPU placement: with two or more CPUs allowed, the bot under test is pinned to the first and the
harness and both emulators to the second (`sched_setaffinity`, set in each child before exec so
every thread inherits it), so the bot has a core to itself and the load's own cost cannot
steal from it; `--no-pin` leaves placement to the scheduler.

The load generator is cheap: each virtual user builds its conversation's request body once
(`make_message`'s activity, JSON-encoded, split around the activity id) and each request only
joins a fresh id in and POSTs it, so the harness spends its CPU on aiohttp (on uvloop where it
is installed, as Meetbot and the emulators run), not on building activities; its CPU per
message is reported next to the bot's.

How each figure is taken:

- messages/s: answered POSTs (2xx) / time from the level's start to its last answer. A POST
  counts as answered when its HTTP response has been read; both bots reply to the connector
  within the turn, before answering. replies/s: `message` activities the connector emulator
  recorded during the level, over the same time; typing/s: typing indicators, counted apart.
  "repeated replies" counts message replies beyond the first to one incoming activity.
- p50/p99: nearest-rank percentiles of the answered POSTs' latencies.
- CPU ms/msg, per process: utime+stime (`/proc/<pid>/stat`, all threads) of the bot and of each
  emulator, and the harness's own (`getrusage`), from the level's start until the connector has
  gone quiet, / answered messages. busy: the same CPU over the load's wall time only, as a share
  of one core; CPUs busy: how busy the two pinned CPUs (else all allowed CPUs) were then with
  any process (`/proc/stat`), so other work on a shared machine shows. Flagged: the CPU the
  harness and the emulators share at 90% or more (unpinned: a process other than the bot at
  90% of a core), since then it, not the bot, limited throughput; and processes outside the
  bench taking 10% or more of the bot's CPU.
- RSS (VmRSS, `/proc/<pid>/status`) and open file descriptors (entries of `/proc/<pid>/fd`) at
  the level's start and end.
- new TCP/100 replies: connections first seen by the connector emulator during the level (it
  keeps every transport that carried a `/v3/` request) per 100 message replies.
- Graph/cmd and tokens/cmd: from the Graph emulator's counters (`/_emulator/counts`): requests
  under `/v1.0/` (Graph round trips, by route) and POSTs to the token endpoint, per answered
  message, during the level; the totals over each bot's whole run (cold start included) too.
- cold start: from spawning the bot process to the first 2xx answer to a message POST (the
  same command), polled every 10 ms; for Meetbot, which listens on `PORT=0`, polling starts
  once it prints its address.
- soak: the figures above over the whole soak, plus RSS and open FDs sampled every 10 s: the
  first, largest and last samples, the growth (last - first) and the least-squares slope over
  the second half (the first half is warm-up: pools, caches and the allocator's arenas fill).

Acceptance (printed last, one line per criterion, PASS/FAIL; exit status 0 either way, since
this is a measurement): CPU per meet is Meetbot's worst level; the throughput ratio compares
each bot's best level (the per-level ratios are printed too); p99 is compared at 16
conversations; TCP per 100 replies is Meetbot's worst level and the soak; "flat" is the soak's
second half: an RSS slope under 1 MB/min and a last FD count at most the first half's largest +
2 (see `RSS_SLOPE_MB_PER_MIN` and `FD_SLACK` for why); Graph round trips per meet are each
level's (at most 1.02: each conversation is a new user, whose first meet also reads their
calendar, so a level needs 50 meets per conversation to stay under it on that read alone); token
requests are Meetbot's whole run, at most one per token lifetime begun (the Graph emulator's
lifetime); cold start is Meetbot's.

Performance guard (issue 23, printed after the acceptance, PASS/FAIL, exit status 0 either way):
the bot's CPU per message at 16 conversations, the issue's reference level. Meetbot's `meet`
may cost at most the Agents SDK echo's CPU (a ratio of at most `MEET_OVER_AGENTS_CPU`), and the
stock echo must cost at least `STOCK_OVER_MEET_CPU` times Meetbot's. The other levels' ratios
are printed beside them.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ctypes
import itertools
import json
import math
import os
import re
import resource
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the activity shape lives in the test factories

from bot.cli import run_loop  # noqa: E402 (uvloop where installed, as Meetbot runs)
from tests.factories import make_message  # noqa: E402

COMMAND = "meet Design review tomorrow 3pm for 45m"
LEVELS = (1, 16, 64)
SOAK_CONVERSATIONS = 16
SOAK_SAMPLE_EVERY = 10.0  # seconds between RSS/FD samples
BUSY = 0.9  # a share of one core from which a process counts as saturated
PYTHON = sys.executable
_activity_ids = itertools.count(1)

# Acceptance thresholds (issue 7) and the tolerances "flat" and "steady state" are read with.
CPU_MS_PER_MEET = 1.0
THROUGHPUT_RATIO = 10.0
P99_RATIO_AT_16 = 1 / 5
TCP_PER_100_REPLIES = 1.0
# A leak grows with the traffic: at the few hundred messages a second the soak drives, one
# kilobyte kept per message is 10-20 MB a minute, so 1 MB/min catches a per-message leak of a
# few dozen bytes, while leaving room for what settles without leaking (the allocator's arenas,
# bounded caches) and for RSS's page-granular noise between samples.
RSS_SLOPE_MB_PER_MIN = 1.0
# Descriptors move with the pools: a keep-alive connection closed by one side and replaced by
# the next request, a SQLite journal open mid-write. Two over the first half's largest count
# is that churn; a per-message leak adds hundreds in a minute.
FD_SLACK = 2
GRAPH_PER_MEET = 1.02
COLD_START_S = 1.5

# The performance guard (issue 23): CPU per message at this level, Meetbot against both peers.
GUARD_LEVEL = 16
MEET_OVER_AGENTS_CPU = 1.0  # at most
STOCK_OVER_MEET_CPU = 6.0  # at least

# The Agents SDK lives in its own virtualenv, apart from Meetbot's dependencies.
AGENTS_SETUP = ROOT / "bench" / "setup_agents.sh"
AGENTS_PYTHON = ROOT / "bench" / ".venv-agents" / "bin" / "python"
# The quickstart's anonymous mode: no app registration, no token on requests or replies.
AGENTS_ENV = {"CONNECTIONS__SERVICE_CONNECTION__SETTINGS__ANONYMOUS_ALLOWED": "true"}


# ---------------------------------------------------------------- placement


@dataclass(frozen=True)
class Placement:
    """Which CPUs the bot under test, and the harness with both emulators, may run on (None:
    wherever the scheduler likes)."""

    allowed: tuple[int, ...]  # the CPUs this harness was allowed before placing anything
    bot: frozenset[int] | None = None
    others: frozenset[int] | None = None
    why_not: str = ""

    @property
    def pinned(self) -> bool:
        return self.bot is not None

    def cores(self) -> dict[str, frozenset[int]]:
        """The CPUs whose overall load each level reports: the two pinned ones, else all."""
        if self.bot is None or self.others is None:
            return {"all": frozenset(self.allowed)}
        return {f"cpu{_cpus(cpus)}": cpus for cpus in (self.bot, self.others)}

    def describe(self) -> str:
        allowed = f"{len(self.allowed)} CPUs allowed: {_cpus(frozenset(self.allowed))}"
        if self.bot is None or self.others is None:
            return f"not pinned ({self.why_not}; {allowed})"
        return (
            f"bot under test on CPU {_cpus(self.bot)}; harness, Graph and connector emulators "
            f"on CPU {_cpus(self.others)} ({allowed})"
        )


def _cpus(cpus: frozenset[int]) -> str:
    return ",".join(str(cpu) for cpu in sorted(cpus))


def plan_placement(pin: bool) -> Placement:
    allowed = tuple(sorted(os.sched_getaffinity(0)))
    if not pin:
        return Placement(allowed, why_not="--no-pin")
    if len(allowed) < 2:
        return Placement(allowed, why_not="a single CPU")
    return Placement(allowed, bot=frozenset({allowed[0]}), others=frozenset({allowed[1]}))


def pin_self(cpus: frozenset[int]) -> None:
    """Every thread of this process (children and new threads inherit it)."""
    for task in os.listdir("/proc/self/task"):
        with contextlib.suppress(ProcessLookupError):
            os.sched_setaffinity(int(task), cpus)


# ---------------------------------------------------------------- processes


def _child_setup(affinity: frozenset[int] | None) -> Callable[[], None]:
    """Runs in the child before exec: die with the harness, and take the CPU placement."""

    def setup() -> None:
        with contextlib.suppress(OSError, AttributeError):
            # PR_SET_PDEATHSIG: get SIGTERM if the harness dies without cleaning up.
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)
        if affinity is not None:
            os.sched_setaffinity(0, affinity)

    return setup


@dataclass
class Child:
    name: str
    process: asyncio.subprocess.Process
    log: Path
    spawned: float  # time.perf_counter() just before the spawn

    @property
    def pid(self) -> int:
        return self.process.pid

    def check_alive(self) -> None:
        if self.process.returncode is not None:
            tail = self.log.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"{self.name} exited ({self.process.returncode}):\n{tail}")


class Children:
    """Every process the harness started; `close()` stops them all, newest first."""

    def __init__(self, work: Path, env: dict[str, str]) -> None:
        self._work = work
        self._env = env
        self._children: list[Child] = []

    async def spawn(
        self, name: str, argv: list[str], affinity: frozenset[int] | None = None, **env: str
    ) -> Child:
        log = self._work / f"{name}.log"
        with log.open("wb") as stderr:
            spawned = time.perf_counter()
            process = await asyncio.create_subprocess_exec(
                *argv,
                cwd=self._work,  # no stray `.env` from the checkout
                env=self._env | env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=stderr,
                start_new_session=True,  # Ctrl-C reaches the harness, which stops them in order
                preexec_fn=_child_setup(affinity),
            )
        child = Child(name, process, log, spawned)
        self._children.append(child)
        return child

    async def read_line(self, child: Child, marker: str, within_s: float = 30.0) -> str:
        """The first stdout line containing `marker` (within `within_s`); later output is
        drained."""
        stream = child.process.stdout
        assert stream is not None
        async with asyncio.timeout(within_s):
            while True:
                raw = await stream.readline()
                if not raw:
                    child.check_alive()
                    await child.process.wait()
                    child.check_alive()
                line = raw.decode(errors="replace").strip()
                if marker in line:
                    asyncio.get_running_loop().create_task(_drain(stream))
                    return line

    async def stop(self, child: Child, within_s: float = 10.0) -> None:
        """SIGTERM, then SIGKILL if it has not ended within `within_s`."""
        if child.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                child.process.terminate()
            try:
                await asyncio.wait_for(child.process.wait(), within_s)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    child.process.kill()
                await child.process.wait()

    async def close(self) -> None:
        for child in reversed(self._children):
            await self.stop(child)


async def start_emulators(
    children: Children, affinity: frozenset[int] | None = None
) -> tuple[str, str]:
    """`meetbot graph-emulator` and `meetbot connector-emulator` on free ports: the Graph base
    URL and the connector's service URL. (`run` starts the counting ones instead.)"""
    graph = await children.spawn(
        "graph-emulator", [PYTHON, "-m", "bot", "graph-emulator", "--port", "0"], affinity
    )
    line = await children.read_line(graph, "GRAPH_BASE_URL=")
    graph_url = line.split("GRAPH_BASE_URL=")[1].split()[0]
    connector = await children.spawn(
        "connector-emulator", [PYTHON, "-m", "bot", "connector-emulator", "--port", "0"], affinity
    )
    line = await children.read_line(connector, "listening on")
    return graph_url, line.rsplit(" ", 1)[1].removesuffix("/v3")


def child_env(work: Path) -> dict[str, str]:
    """The environment of every process the harness starts: this one's, less what would point
    Meetbot at a real tenant, database or address, with a home under `work`."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("Microsoft", "GRAPH_", "DATABASE_URL", "HOST", "PORT", "LOG_"))
    }
    # The Graph emulator leaves its certificate under XDG_CACHE_HOME, where Meetbot looks.
    return env | {"HOME": str(work), "XDG_CACHE_HOME": str(work / "cache"), "PYTHONUNBUFFERED": "1"}


async def _drain(stream: asyncio.StreamReader) -> None:
    while await stream.readline():
        pass


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# ---------------------------------------------------------------- /proc


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return math.nan


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def cpu_ticks(cpus: frozenset[int]) -> tuple[int, int]:
    """Busy and total clock ticks so far of `cpus`, whoever ran on them (`/proc/stat`)."""
    wanted = {f"cpu{cpu}" for cpu in cpus}
    busy = total = 0
    for line in Path("/proc/stat").read_text().splitlines():
        name, *values = line.split()
        if name in wanted:
            ticks = [int(value) for value in values[:8]]  # user .. steal
            total += sum(ticks)
            busy += sum(ticks) - ticks[3] - ticks[4]  # less idle and iowait
    return busy, total


def own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


PROCESSES = ("bot", "graph", "connector", "harness")  # whose CPU each level reports


def cpu_snapshot(pids: dict[str, int]) -> dict[str, float]:
    """CPU seconds so far of each named child process and of the harness."""
    return {name: cpu_seconds(pid) for name, pid in pids.items()} | {"harness": own_cpu_seconds()}


def _minus(after: dict[str, float], before: dict[str, float]) -> dict[str, float]:
    return {name: after[name] - before[name] for name in after}


# ---------------------------------------------------------------- emulators


@dataclass
class ConnectorCounts:
    messages: int = 0  # `message` activities sent or replied into conversations
    typing: int = 0  # typing indicators
    other: int = 0  # updates, deletes, created conversations, other activity types
    repeated: int = 0  # message replies beyond the first to one incoming activity
    connections: int = 0  # TCP connections that carried a /v3/ request

    def __sub__(self, before: ConnectorCounts) -> ConnectorCounts:
        return ConnectorCounts(
            self.messages - before.messages,
            self.typing - before.typing,
            self.other - before.other,
            self.repeated - before.repeated,
            self.connections - before.connections,
        )

    @property
    def recorded(self) -> int:
        return self.messages + self.typing + self.other


@dataclass
class GraphCounts:
    graph: int = 0  # round trips to Graph (/v1.0/...)
    tokens: int = 0  # requests to the token endpoint
    other: int = 0  # identity metadata (OpenID discovery)
    connections: int = 0  # TCP connections that carried any of them
    routes: Counter[str] = field(default_factory=Counter)

    def __sub__(self, before: GraphCounts) -> GraphCounts:
        return GraphCounts(
            self.graph - before.graph,
            self.tokens - before.tokens,
            self.other - before.other,
            self.connections - before.connections,
            self.routes - before.routes,
        )


@dataclass
class Emulators:
    session: aiohttp.ClientSession
    graph_url: str  # https://127.0.0.1:PORT (admin API at /_emulator/)
    graph_ssl: ssl.SSLContext
    connector_url: str  # http://127.0.0.1:PORT, the activities' serviceUrl
    pids: dict[str, int]  # "graph", "connector"
    token_lifetime_s: float = math.nan

    async def connector(self) -> ConnectorCounts:
        async with self.session.get(f"{self.connector_url}/_emulator/counts") as response:
            counts = await response.json()
        return ConnectorCounts(**{key: int(counts[key]) for key in asdict(ConnectorCounts())})

    async def graph(self) -> GraphCounts:
        url = f"{self.graph_url}/_emulator/counts"
        async with self.session.get(url, ssl=self.graph_ssl) as response:
            counts = await response.json()
        self.token_lifetime_s = float(counts["tokenLifetimeS"])
        return GraphCounts(
            graph=int(counts["graph"]),
            tokens=int(counts["tokens"]),
            other=int(counts["other"]),
            connections=int(counts["connections"]),
            routes=Counter({route: int(n) for route, n in counts["routes"].items()}),
        )

    async def last_message(self, conversation: str) -> dict[str, Any] | None:
        """The last message activity the bot sent or replied into one conversation."""
        url = f"{self.connector_url}/_emulator/last-message"
        async with self.session.get(url, params={"conversation": conversation}) as response:
            if response.status != 200:
                return None
            body: dict[str, Any] = await response.json()
            return body

    async def settle(self) -> None:
        """Wait until the connector has recorded nothing new for 150 ms (at most 5 s)."""
        last, quiet, deadline = -1, 0, time.monotonic() + 5
        while quiet < 3 and time.monotonic() < deadline:
            now = (await self.connector()).recorded
            quiet = quiet + 1 if now == last else 0
            last = now
            await asyncio.sleep(0.05)


# ---------------------------------------------------------------- load


@dataclass
class Load:
    latencies: list[float] = field(default_factory=list)  # seconds, answered POSTs
    errors: Counter[str] = field(default_factory=Counter)
    started: float = 0.0
    finished: float = 0.0

    @property
    def elapsed(self) -> float:
        return max(self.finished - self.started, 1e-9)


_ID_MARK = "bench-activity-id-goes-here"


@dataclass(frozen=True)
class BodyTemplate:
    """One conversation's request body, JSON-encoded once and split around the activity id, so
    a request costs a join instead of `make_message` and `json.dumps`, which would cost the
    harness more CPU than some bots spend on the message."""

    head: bytes
    tail: bytes

    @classmethod
    def build(cls, text: str, service_url: str, conversation_id: str, user: str) -> BodyTemplate:
        message = make_message(
            text,
            service_url=service_url,
            conversation_id=conversation_id,
            aad_object_id=user,
            activity_id=_ID_MARK,
        )
        head, mark, tail = json.dumps(message).encode().partition(_ID_MARK.encode())
        if not mark or _ID_MARK.encode() in tail:
            raise RuntimeError("the activity id placeholder must occur exactly once")
        return cls(head, tail)

    def body(self) -> bytes:
        return b"".join((self.head, b"bench-%d" % next(_activity_ids), self.tail))


async def post_meets(
    session: aiohttp.ClientSession, url: str, template: BodyTemplate, count: int
) -> None:
    """POST `count` of one conversation's messages back to back, untimed (warm-up, counting);
    any answer but a 2xx is an error."""
    for _ in range(count):
        async with session.post(
            url, data=template.body(), headers={"Content-Type": "application/json"}
        ) as response:
            await response.read()
            if response.status >= 300:
                raise RuntimeError(f"the bot answered {response.status}")


async def drive(
    session: aiohttp.ClientSession,
    url: str,
    *,
    service_url: str,
    tag: str,
    concurrency: int,
    seconds: float,
) -> Load:
    """`concurrency` virtual users, each in its own conversation, posting back to back until
    the time is up; requests still in flight then are waited for."""
    load = Load(started=time.perf_counter())
    deadline = load.started + seconds
    headers = {"Content-Type": "application/json"}

    async def user(index: int) -> None:
        conversation = f"a:bench-{tag}-{concurrency}-{index}-{uuid.uuid4().hex[:8]}"
        aad_id = str(uuid.uuid4())  # a user (mailbox) per conversation, as in a real tenant
        template = BodyTemplate.build(COMMAND, service_url, conversation, aad_id)
        while time.perf_counter() < deadline:
            body = template.body()
            began = time.perf_counter()
            try:
                async with session.post(url, data=body, headers=headers) as response:
                    await response.read()
                    status = response.status
            except (aiohttp.ClientError, TimeoutError) as error:
                load.errors[type(error).__name__] += 1
                await asyncio.sleep(0.05)
                continue
            done = time.perf_counter()
            load.finished = max(load.finished, done)
            if 200 <= status < 300:
                load.latencies.append(done - began)
            else:
                load.errors[f"HTTP {status}"] += 1

    await asyncio.gather(*(user(i) for i in range(concurrency)))
    return load


async def cold_start(
    session: aiohttp.ClientSession, url: str, service_url: str, child: Child
) -> tuple[float, str]:
    """Seconds from spawning `child` to the first 2xx answer to a message POST on `url`, and
    the conversation it was in."""
    headers = {"Content-Type": "application/json"}
    conversation, user = f"a:bench-cold-{uuid.uuid4().hex[:8]}", str(uuid.uuid4())
    template = BodyTemplate.build(COMMAND, service_url, conversation, user)
    deadline = time.perf_counter() + 60
    while time.perf_counter() < deadline:
        child.check_alive()
        with contextlib.suppress(aiohttp.ClientError, TimeoutError):
            async with session.post(url, data=template.body(), headers=headers) as response:
                await response.read()
                if 200 <= response.status < 300:
                    return time.perf_counter() - child.spawned, conversation
        await asyncio.sleep(0.01)
    raise RuntimeError(f"{child.name} answered no message within 60 s")


def describe(reply: dict[str, Any]) -> str:
    """A reply in one line: its text, or the first texts of its Adaptive Card."""
    for attachment in reply.get("attachments") or []:
        if attachment.get("contentType") == "application/vnd.microsoft.card.adaptive":
            texts = " | ".join(_texts(attachment.get("content"))[:3])
            return f"Adaptive Card: {texts[:90]}"
    return f"text {str(reply.get('text'))[:90]!r}"


def _texts(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["text"]] if isinstance(node.get("text"), str) else []
        return own + [
            text for key, value in node.items() if key != "text" for text in _texts(value)
        ]
    if isinstance(node, list):
        return [text for item in node for text in _texts(item)]
    return []


def _ratio(a: float, b: float) -> float:
    return a / b if b else math.nan


def percentile(values: list[float], q: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def slope_per_minute(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of (seconds, value) points, per minute; NaN under two points."""
    if len(points) < 2:
        return math.nan
    xs = [t / 60 for t, _ in points]
    ys = [value for _, value in points]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    if spread == 0:
        return math.nan
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread


# ---------------------------------------------------------------- one bot


@dataclass
class LevelFigures:
    concurrency: int
    seconds: float
    messages: int
    errors: dict[str, int]
    messages_per_s: float
    replies: int  # message activities (sent or replied)
    replies_per_s: float
    typing: int  # typing indicators, apart from replies
    typing_per_s: float
    other_activities: int  # updates, deletes and the like
    repeated_replies: int
    p50_ms: float
    p99_ms: float
    cpu_ms_per_message: float  # the bot's
    process_cpu_ms_per_message: dict[str, float]  # bot, graph, connector, harness
    busy: dict[str, float]  # each process's share of one core while the load ran
    cores_busy: dict[str, float]  # how busy each CPU was then, with anything (Placement.cores)
    rss_mb_start: float
    rss_mb_end: float
    fds_start: int
    fds_end: int
    new_tcp_connections: int
    new_tcp_per_100_replies: float
    graph_round_trips: int
    graph_per_command: float
    graph_routes: dict[str, int]
    graph_new_tcp_connections: int
    token_requests: int
    tokens_per_command: float
    warnings: list[str] = field(default_factory=list)  # what else limited the level


@dataclass
class Sample:
    t_s: float  # since the soak's start
    rss_mb: float
    fds: int


@dataclass
class SoakFigures:
    seconds_asked: float
    level: LevelFigures
    samples: list[Sample]
    rss_growth_mb: float  # last sample - first
    rss_slope_mb_per_min: float  # least squares over the second half
    fds_first_half_max: int
    fds_last: int
    fds_slope_per_min: float  # least squares over the second half


@dataclass
class BotFigures:
    name: str
    cold_start_s: float
    levels: list[LevelFigures]
    soak: SoakFigures | None = None
    repeated_replies: int = 0
    graph_round_trips_total: int = 0
    token_requests_total: int = 0
    commands_total: int = 0
    run_seconds: float = 0.0  # spawn to stop
    log_bytes: int = 0  # what it wrote to stderr
    token_lifetime_s: float = math.nan  # of the tokens the Graph emulator issued


class Sampler:
    """RSS and open FDs of one process, every `every` seconds while running."""

    def __init__(self, pid: int, every: float) -> None:
        self._pid, self._every = pid, every
        self._began = time.perf_counter()
        self.samples: list[Sample] = []

    def take(self) -> None:
        at = time.perf_counter() - self._began
        if self.samples and at - self.samples[-1].t_s < 1:
            return
        self.samples.append(Sample(round(at, 1), rss_mb(self._pid), open_fds(self._pid)))

    async def run(self) -> None:
        self._began = time.perf_counter()
        while True:
            self.take()
            await asyncio.sleep(self._every - (time.perf_counter() - self._began) % self._every)


_NAMES = {"graph": "Graph emulator", "connector": "connector emulator", "harness": "harness"}


def saturated(level: LevelFigures, placement: Placement) -> str | None:
    """What other than the bot ran out of CPU during the level, if anything: then it, not the
    bot, limited throughput."""
    others = {name: share for name, share in level.busy.items() if name != "bot"}
    shares = ", ".join(f"{_NAMES[name]} {100 * share:.0f}%" for name, share in others.items())
    if placement.others is not None:
        cpu = _cpus(placement.others)
        core = level.cores_busy[f"cpu{cpu}"]
        foreign = max(0.0, core - sum(others.values()))
        if core < BUSY:
            return None
        if foreign < 0.1:
            return (
                f"CPU {cpu} (harness and emulators) was full ({shares}): it, not the bot, "
                "limited throughput"
            )
        return (
            f"CPU {cpu} (harness and emulators) was {100 * core:.0f}% busy, "
            f"{100 * foreign:.0f}% of it with processes outside the bench ({shares}): the "
            "emulators and the harness waited for it, and may have limited throughput"
        )
    hot = [name for name, share in others.items() if share >= BUSY]
    if hot:
        return (
            f"the {' and '.join(_NAMES[name] for name in hot)} used a whole core ({shares}): "
            "it, not the bot, limited throughput"
        )
    return None


def contended(level: LevelFigures, placement: Placement) -> str | None:
    """How much CPU processes outside the bench took where the bot runs, when that was enough
    to slow it (a tenth of a core or more)."""
    if placement.bot is None:
        cpus = len(placement.allowed)
        foreign = level.cores_busy["all"] * cpus - sum(level.busy.values())
        where = f"the {cpus} CPUs"
    else:
        foreign = level.cores_busy[f"cpu{_cpus(placement.bot)}"] - level.busy["bot"]
        where = f"the bot's CPU {_cpus(placement.bot)}"
    if foreign < 0.1:
        return None
    return (
        f"processes outside the bench kept {100 * foreign:.0f}% of a core busy on {where}: "
        "the bot's figures include waiting for them"
    )


async def measure_level(
    emulators: Emulators,
    client: aiohttp.ClientSession,
    child: Child,
    *,
    url: str,
    tag: str,
    concurrency: int,
    seconds: float,
    cores: dict[str, frozenset[int]],
    sampler: Sampler | None = None,
) -> LevelFigures:
    pid = child.pid
    pids = {"bot": pid} | emulators.pids
    await emulators.settle()
    connector0, graph0 = await emulators.connector(), await emulators.graph()
    rss0, fds0, cpu0 = rss_mb(pid), open_fds(pid), cpu_snapshot(pids)
    ticks0 = {name: cpu_ticks(cpus) for name, cpus in cores.items()}
    sampling = asyncio.create_task(sampler.run()) if sampler is not None else None
    try:
        load = await drive(
            client,
            url,
            service_url=emulators.connector_url,
            tag=tag,
            concurrency=concurrency,
            seconds=seconds,
        )
    finally:
        if sampling is not None:
            sampling.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sampling
    loaded = _minus(cpu_snapshot(pids), cpu0)
    wall = time.perf_counter() - load.started
    ticks = {name: cpu_ticks(cpus) for name, cpus in cores.items()}
    if sampler is not None:
        sampler.take()
    await emulators.settle()
    cpu = _minus(cpu_snapshot(pids), cpu0)
    rss1, fds1 = rss_mb(pid), open_fds(pid)
    child.check_alive()
    connector = await emulators.connector() - connector0
    graph = await emulators.graph() - graph0
    messages = len(load.latencies)
    per = max(messages, 1)
    return LevelFigures(
        concurrency=concurrency,
        seconds=round(load.elapsed, 3),
        messages=messages,
        errors=dict(load.errors),
        messages_per_s=messages / load.elapsed,
        replies=connector.messages,
        replies_per_s=connector.messages / load.elapsed,
        typing=connector.typing,
        typing_per_s=connector.typing / load.elapsed,
        other_activities=connector.other,
        repeated_replies=connector.repeated,
        p50_ms=1000 * percentile(load.latencies, 0.50),
        p99_ms=1000 * percentile(load.latencies, 0.99),
        cpu_ms_per_message=1000 * cpu["bot"] / per,
        process_cpu_ms_per_message={name: 1000 * cpu[name] / per for name in PROCESSES},
        busy={name: loaded[name] / wall for name in PROCESSES},
        cores_busy={
            name: _ratio(ticks[name][0] - ticks0[name][0], ticks[name][1] - ticks0[name][1])
            for name in cores
        },
        rss_mb_start=rss0,
        rss_mb_end=rss1,
        fds_start=fds0,
        fds_end=fds1,
        new_tcp_connections=connector.connections,
        new_tcp_per_100_replies=100 * connector.connections / max(connector.messages, 1),
        graph_round_trips=graph.graph,
        graph_per_command=graph.graph / per,
        graph_routes=dict(graph.routes),
        graph_new_tcp_connections=graph.connections,
        token_requests=graph.tokens,
        tokens_per_command=graph.tokens / per,
    )


def soak_figures(seconds: float, level: LevelFigures, samples: list[Sample]) -> SoakFigures:
    half = samples[-1].t_s / 2
    first = [sample for sample in samples if sample.t_s < half] or samples[:1]
    second = [sample for sample in samples if sample.t_s >= half]
    return SoakFigures(
        seconds_asked=seconds,
        level=level,
        samples=samples,
        rss_growth_mb=samples[-1].rss_mb - samples[0].rss_mb,
        rss_slope_mb_per_min=slope_per_minute([(s.t_s, s.rss_mb) for s in second]),
        fds_first_half_max=max(sample.fds for sample in first),
        fds_last=samples[-1].fds,
        fds_slope_per_min=slope_per_minute([(s.t_s, s.fds) for s in second]),
    )


def limits(level: LevelFigures, placement: Placement) -> list[str]:
    """The warnings for a level: what besides the bot held it back."""
    found = (saturated(level, placement), contended(level, placement))
    return [warning for warning in found if warning is not None]


def _progress(name: str, label: str, level: LevelFigures) -> None:
    busy = ", ".join(f"{process} {100 * share:.0f}%" for process, share in level.busy.items())
    print(
        f"{name}: {label}, {level.messages_per_s:8.1f} msg/s, p99 {level.p99_ms:.1f} ms, "
        f"bot CPU {level.cpu_ms_per_message:.2f} ms/msg; busy: {busy}",
        flush=True,
    )
    for warning in level.warnings:
        print(f"{name}: warning: {warning}", flush=True)


async def measure_bot(
    name: str,
    children: Children,
    emulators: Emulators,
    argv: list[str],
    env: dict[str, str],
    *,
    port: int | None,
    levels: tuple[int, ...],
    seconds: float,
    placement: Placement,
    soak: float = 0.0,
) -> BotFigures:
    """Start the bot, time its cold start, run every level (and the soak), stop it."""
    connector0, graph0 = await emulators.connector(), await emulators.graph()
    child = await children.spawn(name, argv, placement.bot, **env)
    connector = aiohttp.TCPConnector(limit=0, force_close=False)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as client:
        if port is None:  # Meetbot on PORT=0 says where it listens
            line = await children.read_line(child, "listening on")
            url = line.rsplit(" ", 1)[1]
        else:
            url = f"http://127.0.0.1:{port}/api/messages"
        cold, conversation = await cold_start(client, url, emulators.connector_url, child)
        if placement.pinned:
            print(f"{name}: pinned to CPU {_cpus(frozenset(os.sched_getaffinity(child.pid)))}")
        await emulators.settle()
        first = await emulators.last_message(conversation)
        if first is None:
            raise RuntimeError(f"{name} answered the first message but sent no message reply")
        print(f"{name}: cold start {cold:.3f} s; it replied: {describe(first)}", flush=True)
        figures = BotFigures(name, cold, [])
        for concurrency in levels:
            level = await measure_level(
                emulators,
                client,
                child,
                url=url,
                tag=name,
                concurrency=concurrency,
                seconds=seconds,
                cores=placement.cores(),
            )
            level.warnings = limits(level, placement)
            figures.levels.append(level)
            _progress(name, f"{concurrency:>2} conversations", level)
        if soak > 0:
            print(
                f"{name}: soak, {SOAK_CONVERSATIONS} conversations for {soak:g} s, RSS and FDs "
                f"every {SOAK_SAMPLE_EVERY:g} s ...",
                flush=True,
            )
            sampler = Sampler(child.pid, SOAK_SAMPLE_EVERY)
            level = await measure_level(
                emulators,
                client,
                child,
                url=url,
                tag=f"{name}-soak",
                concurrency=SOAK_CONVERSATIONS,
                seconds=soak,
                cores=placement.cores(),
                sampler=sampler,
            )
            level.warnings = limits(level, placement)
            figures.soak = soak_figures(soak, level, sampler.samples)
            _progress(name, "soak", level)
    await children.stop(child)
    figures.run_seconds = time.perf_counter() - child.spawned
    figures.log_bytes = child.log.stat().st_size
    figures.repeated_replies = (await emulators.connector() - connector0).repeated
    graph = await emulators.graph() - graph0
    figures.graph_round_trips_total = graph.graph
    figures.token_requests_total = graph.tokens
    figures.token_lifetime_s = emulators.token_lifetime_s
    measured = [*figures.levels, *([figures.soak.level] if figures.soak else [])]
    figures.commands_total = 1 + sum(level.messages for level in measured)
    return figures


# ---------------------------------------------------------------- report


def _best(bot: BotFigures) -> LevelFigures:
    return max(bot.levels, key=lambda level: level.messages_per_s)


def ratios(meetbot: BotFigures, stock: BotFigures) -> dict[str, Any]:
    per_level: dict[str, dict[str, float]] = {}
    for ours, theirs in zip(meetbot.levels, stock.levels, strict=True):
        per_level[str(ours.concurrency)] = {
            "throughput": _ratio(ours.messages_per_s, theirs.messages_per_s),
            "cpu_per_message": _ratio(ours.cpu_ms_per_message, theirs.cpu_ms_per_message),
            "p50": _ratio(ours.p50_ms, theirs.p50_ms),
            "p99": _ratio(ours.p99_ms, theirs.p99_ms),
        }
    best = _ratio(_best(meetbot).messages_per_s, _best(stock).messages_per_s)
    return {
        "per_level": per_level,
        "best_level_throughput": best,
        "cold_start": _ratio(meetbot.cold_start_s, stock.cold_start_s),
    }


# ---------------------------------------------------------------- acceptance


@dataclass
class Verdict:
    criterion: str
    measured: str
    threshold: str
    passed: bool | None  # None: not measured in this run
    detail: str = ""


def acceptance(meetbot: BotFigures, stock: BotFigures, compared: dict[str, Any]) -> list[Verdict]:
    """Issue 7's criteria, each from this run's figures."""
    return [
        _cpu_per_meet(meetbot),
        _throughput(meetbot, stock, compared),
        _p99_at_16(compared),
        _tcp_per_100_replies(meetbot),
        *_flat(meetbot.soak),
        _graph_per_meet(meetbot),
        _tokens(meetbot),
        Verdict(
            "cold start to first answered meet",
            f"{meetbot.cold_start_s:.3f} s",
            f"< {COLD_START_S:g} s",
            meetbot.cold_start_s < COLD_START_S,
        ),
    ]


def _cpu_per_meet(meetbot: BotFigures) -> Verdict:
    worst = max(meetbot.levels, key=lambda level: level.cpu_ms_per_message)
    return Verdict(
        "bot CPU per meet (worst level)",
        f"{worst.cpu_ms_per_message:.3f} ms at {worst.concurrency} conv",
        f"<= {CPU_MS_PER_MEET:g} ms",
        worst.cpu_ms_per_message <= CPU_MS_PER_MEET,
    )


def _throughput(meetbot: BotFigures, stock: BotFigures, compared: dict[str, Any]) -> Verdict:
    ours, theirs = _best(meetbot), _best(stock)
    ratio = compared["best_level_throughput"]
    per_level = ", ".join(
        f"{c} conv {figures['throughput']:.2f}x" for c, figures in compared["per_level"].items()
    )
    return Verdict(
        "meet throughput / stock (best levels)",
        f"{ratio:.2f}x ({ours.messages_per_s:.0f} @{ours.concurrency} / "
        f"{theirs.messages_per_s:.0f} @{theirs.concurrency} msg/s)",
        f">= {THROUGHPUT_RATIO:g}x",
        ratio >= THROUGHPUT_RATIO,
        f"per level: {per_level}",
    )


def _p99_at_16(compared: dict[str, Any]) -> Verdict:
    at16 = compared["per_level"].get("16")
    if at16 is None:
        return Verdict("p99 at 16 conv / stock", "no level 16 in this run", "", None)
    return Verdict(
        "p99 at 16 conv / stock",
        f"{at16['p99']:.3f}",
        f"<= {P99_RATIO_AT_16:.2f}",
        at16["p99"] <= P99_RATIO_AT_16,
    )


def _tcp_per_100_replies(meetbot: BotFigures) -> Verdict:
    worst = max(meetbot.levels, key=lambda level: level.new_tcp_per_100_replies)
    values = [worst.new_tcp_per_100_replies]
    measured = f"{values[0]:.2f} at {worst.concurrency} conv"
    if meetbot.soak is not None:
        values.append(meetbot.soak.level.new_tcp_per_100_replies)
        measured += f"; soak {values[1]:.2f}"
    return Verdict(
        "new TCP per 100 replies (worst level; soak)",
        measured,
        f"<= {TCP_PER_100_REPLIES:g}",
        all(value <= TCP_PER_100_REPLIES for value in values),
    )


def _flat(soak: SoakFigures | None) -> list[Verdict]:
    if soak is None:
        return [
            Verdict("RSS flat over the soak", "no soak (--soak 0)", "", None),
            Verdict("FDs flat over the soak", "no soak (--soak 0)", "", None),
        ]
    limit = soak.fds_first_half_max + FD_SLACK
    return [
        Verdict(
            "RSS flat over the soak",
            f"{soak.rss_slope_mb_per_min:+.2f} MB/min in the 2nd half; growth "
            f"{soak.rss_growth_mb:+.1f} MB",
            f"slope < {RSS_SLOPE_MB_PER_MIN:g} MB/min",
            soak.rss_slope_mb_per_min < RSS_SLOPE_MB_PER_MIN,
        ),
        Verdict(
            "FDs flat over the soak",
            f"last {soak.fds_last}; 1st-half max {soak.fds_first_half_max}",
            f"last <= {limit} (max + {FD_SLACK})",
            soak.fds_last <= limit,
        ),
    ]


def _graph_per_meet(meetbot: BotFigures) -> Verdict:
    worst = max(meetbot.levels, key=lambda level: level.graph_per_command)
    routes = ", ".join(
        f"{route} x{count}" for route, count in Counter(worst.graph_routes).most_common()
    )
    soak = f"; soak {meetbot.soak.level.graph_per_command:.3f}" if meetbot.soak else ""
    return Verdict(
        "Graph round trips per meet (worst level)",
        f"{worst.graph_per_command:.3f} at {worst.concurrency} conv",
        f"<= {GRAPH_PER_MEET:g}",
        worst.graph_per_command <= GRAPH_PER_MEET,
        f"{worst.messages} meets, {worst.concurrency} new users: {routes or 'no Graph calls'}"
        + soak,
    )


def _tokens(meetbot: BotFigures) -> Verdict:
    lifetime = meetbot.token_lifetime_s
    allowed = max(1, math.ceil(meetbot.run_seconds / lifetime)) if lifetime > 0 else 1
    return Verdict(
        "token requests per token lifetime (whole run)",
        f"{meetbot.token_requests_total} in {meetbot.run_seconds:.0f} s "
        f"(lifetime {lifetime:.0f} s)",
        f"<= {allowed}",
        meetbot.token_requests_total <= allowed,
        f"during the soak: {meetbot.soak.level.token_requests}" if meetbot.soak else "",
    )


def guard(meetbot: BotFigures, stock: BotFigures, agents: BotFigures) -> list[Verdict]:
    """Issue 23's performance guard: Meetbot's CPU per `meet` against each echo peer's per
    message, at `GUARD_LEVEL` conversations."""
    cpu = {
        bot.name: {level.concurrency: level.cpu_ms_per_message for level in bot.levels}
        for bot in (meetbot, stock, agents)
    }
    if GUARD_LEVEL not in cpu["meetbot"]:
        missing = f"no level {GUARD_LEVEL} in this run"
        return [
            Verdict(f"meet CPU / agents echo CPU at {GUARD_LEVEL} conv", missing, "", None),
            Verdict(f"stock echo CPU / meet CPU at {GUARD_LEVEL} conv", missing, "", None),
        ]

    def per_level(numerator: str, denominator: str) -> str:
        return ", ".join(
            f"{c} conv {_ratio(cpu[numerator][c], cpu[denominator][c]):.2f}" for c in cpu["meetbot"]
        )

    meet, theirs, stocks = (cpu[name][GUARD_LEVEL] for name in ("meetbot", "agents", "stock"))
    over_agents, stock_over = _ratio(meet, theirs), _ratio(stocks, meet)
    return [
        Verdict(
            f"meet CPU / agents echo CPU at {GUARD_LEVEL} conv",
            f"{over_agents:.2f} ({meet:.3f} / {theirs:.3f} ms)",
            f"<= {MEET_OVER_AGENTS_CPU:g}",
            over_agents <= MEET_OVER_AGENTS_CPU,
            f"per level: {per_level('meetbot', 'agents')}",
        ),
        Verdict(
            f"stock echo CPU / meet CPU at {GUARD_LEVEL} conv",
            f"{stock_over:.2f}x ({stocks:.3f} / {meet:.3f} ms)",
            f">= {STOCK_OVER_MEET_CPU:g}x",
            stock_over >= STOCK_OVER_MEET_CPU,
            f"per level: {per_level('stock', 'meetbot')}",
        ),
    ]


# ---------------------------------------------------------------- printing

Column = tuple[str, int, Callable[[LevelFigures], str]]

LOAD_COLUMNS: tuple[Column, ...] = (
    ("msgs", 7, lambda f: str(f.messages)),
    ("msg/s", 8, lambda f: f"{f.messages_per_s:.1f}"),
    ("repl/s", 8, lambda f: f"{f.replies_per_s:.1f}"),
    ("typing/s", 8, lambda f: f"{f.typing_per_s:.1f}"),
    ("p50 ms", 8, lambda f: f"{f.p50_ms:.1f}"),
    ("p99 ms", 8, lambda f: f"{f.p99_ms:.1f}"),
    ("errors", 6, lambda f: str(sum(f.errors.values()))),
)


def _cpu_ms(process: str) -> Callable[[LevelFigures], str]:
    return lambda f: f"{f.process_cpu_ms_per_message[process]:.3f}"


def _busy(process: str) -> Callable[[LevelFigures], str]:
    return lambda f: f"{100 * f.busy[process]:.0f}%"


def _cores(level: LevelFigures) -> str:
    return " ".join(f"{name} {100 * share:.0f}%" for name, share in level.cores_busy.items())


CPU_COLUMNS: tuple[Column, ...] = (
    *((process, 9, _cpu_ms(process)) for process in PROCESSES),
    *((f"{process} busy", 12, _busy(process)) for process in PROCESSES),
    ("CPUs busy (any process)", 23, _cores),
)

RESOURCE_COLUMNS: tuple[Column, ...] = (
    ("RSS MB start>end", 16, lambda f: f"{f.rss_mb_start:.1f}>{f.rss_mb_end:.1f}"),
    ("FDs start>end", 13, lambda f: f"{f.fds_start}>{f.fds_end}"),
    ("TCP/100 repl", 12, lambda f: f"{f.new_tcp_per_100_replies:.2f}"),
    ("Graph/cmd", 9, lambda f: f"{f.graph_per_command:.3f}"),
    ("tokens/cmd", 10, lambda f: f"{f.tokens_per_command:.4f}"),
)


def _table(rows: list[tuple[str, str, LevelFigures]], columns: tuple[Column, ...]) -> None:
    head = f"{'bot':<8} {'conv':>7}" + "".join(f" {title:>{width}}" for title, width, _ in columns)
    print(head)
    print("-" * len(head))
    for name, conv, level in rows:
        cells = "".join(f" {cell(level):>{width}}" for _, width, cell in columns)
        print(f"{name:<8} {conv:>7}{cells}")


def _rows(bots: list[BotFigures]) -> list[tuple[str, str, LevelFigures]]:
    rows = [(bot.name, str(level.concurrency), level) for bot in bots for level in bot.levels]
    soaks = [(bot.name, bot.soak) for bot in bots if bot.soak is not None]
    return rows + [(name, f"soak {soak.level.concurrency}", soak.level) for name, soak in soaks]


def print_report(
    bots: list[BotFigures],
    compared: dict[str, dict[str, Any]],
    verdicts: list[Verdict],
    guards: list[Verdict],
    seconds: float,
) -> None:
    rows = _rows(bots)
    print()
    print(f"Each level: {seconds:g} s of closed-loop load, one conversation per virtual user.")
    print(
        f"Command: {COMMAND!r} (meetbot: Graph create, durable write and card; stock, the "
        "botbuilder echo sample, and agents, the Agents SDK quickstart echo: echo it)."
    )
    print()
    _table(rows, LOAD_COLUMNS)
    print()
    print("CPU ms per message, per process; busy: its share of one core while the load ran")
    _table(rows, CPU_COLUMNS)
    print()
    _table(rows, RESOURCE_COLUMNS)
    print()
    for bot in bots:
        print_totals(bot, rows)
    for bot in bots:
        if bot.soak is not None:
            print()
            print_soak(bot.name, bot.soak)
    print()
    print_cpu_per_message(bots)
    for peer, figures in compared.items():
        print()
        print_ratios(peer, figures)
    print()
    print_acceptance("Acceptance (issue 7), from this run:", verdicts)
    print()
    print_acceptance("Performance guard (issue 23), from this run:", guards)
    flagged = sum(bool(level.warnings) for _, _, level in rows)
    if flagged:
        print(
            f"  note: {flagged} of {len(rows)} runs above were flagged (warnings as they ran, and "
            "in the JSON): something other than the bot held them back, so these figures are "
            "not a clean measurement of the bots; run again on an idle machine"
        )


def print_totals(bot: BotFigures, rows: list[tuple[str, str, LevelFigures]]) -> None:
    tokens = _ratio(bot.token_requests_total, bot.commands_total)
    graph = _ratio(bot.graph_round_trips_total, bot.commands_total)
    print(
        f"{bot.name:<8} cold start to first answered message {bot.cold_start_s:.3f} s; "
        f"whole run ({bot.run_seconds:.0f} s): {bot.commands_total} commands, "
        f"{bot.graph_round_trips_total} Graph round trips ({graph:.3f}/cmd), "
        f"{bot.token_requests_total} token requests ({tokens:.4f}/cmd); "
        f"{bot.repeated_replies} repeated replies; stderr log {bot.log_bytes / 1e6:.1f} MB "
        f"({_ratio(bot.log_bytes, bot.commands_total):.0f} B/cmd)"
    )
    routes: Counter[str] = Counter()
    for level in bot.levels:
        routes.update(level.graph_routes)
    if routes:
        shown = ", ".join(f"{route} x{count}" for route, count in routes.most_common())
        print(f"{'':<8} Graph calls in the levels: {shown}")
    for name, conv, level in rows:
        if name == bot.name and level.errors:
            print(f"{'':<8} errors at {conv}: {level.errors}")


def print_soak(name: str, soak: SoakFigures) -> None:
    level, samples = soak.level, soak.samples
    first, last = samples[0], samples[-1]
    biggest = max(samples, key=lambda sample: sample.rss_mb)
    most_fds = max(samples, key=lambda sample: sample.fds)
    print(
        f"{name} soak: {level.concurrency} conversations for {level.seconds:.0f} s, "
        f"{level.messages} messages ({level.messages_per_s:.1f}/s), p99 {level.p99_ms:.1f} ms, "
        f"bot CPU {level.cpu_ms_per_message:.3f} ms/msg, {len(samples)} samples"
    )
    print(
        f"{'':<8} RSS MB: first {first.rss_mb:.1f} (t={first.t_s:g} s), max {biggest.rss_mb:.1f} "
        f"(t={biggest.t_s:g} s), last {last.rss_mb:.1f} (t={last.t_s:g} s); growth "
        f"{soak.rss_growth_mb:+.1f} MB; second-half slope {soak.rss_slope_mb_per_min:+.2f} MB/min"
    )
    print(
        f"{'':<8} FDs: first {first.fds}, max {most_fds.fds} (t={most_fds.t_s:g} s), last "
        f"{last.fds}; first-half max {soak.fds_first_half_max}; second-half slope "
        f"{soak.fds_slope_per_min:+.2f}/min"
    )
    print(
        f"{'':<8} new TCP to the connector {level.new_tcp_connections} "
        f"({level.new_tcp_per_100_replies:.2f} per 100 replies), to Graph "
        f"{level.graph_new_tcp_connections}; Graph/cmd {level.graph_per_command:.3f}; token "
        f"requests {level.token_requests}"
    )
    shown = ", ".join(f"{s.t_s:g}: {s.rss_mb:.1f}, {s.fds}" for s in samples)
    print(f"{'':<8} samples (t s: RSS MB, FDs): {shown}")


def print_cpu_per_message(bots: list[BotFigures]) -> None:
    """The bot process's CPU per message of every bot at every level, in one small table."""
    levels = [level.concurrency for level in bots[0].levels]
    print("bot CPU ms per message    " + "".join(f"{f'{c} conv':>12}" for c in levels))
    for bot in bots:
        cells = "".join(f"{level.cpu_ms_per_message:>12.3f}" for level in bot.levels)
        print(f"{bot.name:<26}{cells}")


def print_ratios(peer: str, compared: dict[str, Any]) -> None:
    levels = list(compared["per_level"])
    title = f"Meetbot / {peer}, same run"
    print(f"{title:<26}" + "".join(f"{c + ' conv':>12}" for c in levels))
    for key, label in (
        ("throughput", "throughput (msg/s)"),
        ("cpu_per_message", "CPU per message"),
        ("p50", "p50 latency"),
        ("p99", "p99 latency"),
    ):
        cells = "".join(f"{compared['per_level'][c][key]:>12.3f}" for c in levels)
        print(f"{label:<26}{cells}")
    print(f"{'throughput, best levels':<26}{compared['best_level_throughput']:>12.3f}")
    print(f"{'cold start':<26}{compared['cold_start']:>12.3f}")


def print_acceptance(title: str, verdicts: list[Verdict]) -> None:
    print(title)
    for verdict in verdicts:
        mark = {True: "PASS", False: "FAIL", None: "n/a"}[verdict.passed]
        print(f"  {mark:<4}  {verdict.criterion:<46} {verdict.measured:<44} {verdict.threshold}")
        if verdict.detail:
            print(f"  {'':<4}  {'':<46} {verdict.detail}")
    failed = sum(verdict.passed is False for verdict in verdicts)
    unmeasured = sum(verdict.passed is None for verdict in verdicts)
    passed = len(verdicts) - failed - unmeasured
    print(f"  {passed} PASS, {failed} FAIL, {unmeasured} not measured (exit status 0 regardless)")


def print_header(args: argparse.Namespace, placement: Placement, work: Path) -> None:
    levels = ",".join(str(level) for level in args.levels)
    soak = f"{args.soak:g} s at {SOAK_CONVERSATIONS} conversations" if args.soak else "none"
    print(f"bench/compare.py: levels {levels} conversations, {args.seconds:g} s each; soak: {soak}")
    print(f"CPU placement: {placement.describe()}")
    print(
        "Meetbot runs as deployed: LOG_LEVEL unset (its default level), stderr to "
        f"{work / 'meetbot.log'}; the load generator posts pre-built bodies"
    )
    print(flush=True)


# ---------------------------------------------------------------- main


async def run(args: argparse.Namespace) -> dict[str, Any]:
    placement = plan_placement(args.pin)
    if placement.others is not None:
        pin_self(placement.others)  # the emulators, spawned below, inherit it
    work = Path(tempfile.mkdtemp(prefix="meetbot-compare-"))
    print_header(args, placement, work)
    children = Children(work, child_env(work))
    try:
        graph = await children.spawn(
            "graph-emulator", [PYTHON, str(ROOT / "bench" / "counting_graph.py"), "--port", "0"]
        )
        line = await children.read_line(graph, "GRAPH_BASE_URL=")
        match = re.search(r"GRAPH_BASE_URL=(\S+) \(certificate: (.+)\)", line)
        if match is None:
            raise RuntimeError(f"unexpected Graph emulator banner: {line}")
        graph_base_url, cert = match.group(1), match.group(2)
        connector = await children.spawn(
            "connector-emulator",
            [PYTHON, str(ROOT / "bench" / "counting_connector.py"), "--port", "0"],
        )
        line = await children.read_line(connector, "listening on")
        connector_url = line.rsplit(" ", 1)[1].removesuffix("/v3")
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as admin:
            emulators = Emulators(
                session=admin,
                graph_url=graph_base_url.removesuffix("/v1.0"),
                graph_ssl=ssl.create_default_context(cafile=cert),
                connector_url=connector_url,
                pids={"graph": graph.pid, "connector": connector.pid},
            )
            others: list[BotFigures] = []
            stock_port = free_port()
            stock = await measure_bot(
                "stock",
                children,
                emulators,
                [PYTHON, str(ROOT / "bench" / "stock_echo_bot.py"), str(stock_port)],
                {},
                port=stock_port,
                levels=args.levels,
                seconds=args.seconds,
                placement=placement,
            )
            agents_port = free_port()
            agents = await measure_bot(
                "agents",
                children,
                emulators,
                [str(AGENTS_PYTHON), str(ROOT / "bench" / "agents_echo.py")],
                AGENTS_ENV | {"PORT": str(agents_port)},
                port=agents_port,
                levels=args.levels,
                seconds=args.seconds,
                placement=placement,
            )
            meetbot = await measure_bot(
                "meetbot",
                children,
                emulators,
                [PYTHON, "-m", "bot", "run"],
                {
                    "PORT": "0",
                    "GRAPH_BASE_URL": graph_base_url,
                    "DATABASE_URL": f"sqlite:///{work / 'meetbot.db'}",
                },
                port=None,
                levels=args.levels,
                seconds=args.seconds,
                placement=placement,
                soak=args.soak,
            )
            if args.floor:
                floor = await measure_bot(
                    "floor",
                    children,
                    emulators,
                    [PYTHON, str(ROOT / "bench" / "floor_bot.py")],
                    {"GRAPH_BASE_URL": graph_base_url},
                    port=None,
                    levels=args.levels,
                    seconds=args.seconds,
                    placement=placement,
                )
                others.append(floor)
    except (asyncio.CancelledError, KeyboardInterrupt):
        shutil.rmtree(work, ignore_errors=True)
        raise
    except BaseException:
        print(f"the processes' logs are kept in {work}", file=sys.stderr)
        raise
    finally:
        await children.close()
    shutil.rmtree(work, ignore_errors=True)
    compared = ratios(meetbot, stock)
    against_agents = ratios(meetbot, agents)
    verdicts = acceptance(meetbot, stock, compared)
    guards = guard(meetbot, stock, agents)
    print_report(
        [stock, agents, meetbot, *others],
        {"stock": compared, "agents": against_agents},
        verdicts,
        guards,
        args.seconds,
    )
    return {
        "command": COMMAND,
        "seconds_per_level": args.seconds,
        "levels": list(args.levels),
        "soak_seconds": args.soak,
        "cpus": os.cpu_count(),
        "placement": {
            "bot": sorted(placement.bot or ()),
            "harness_and_emulators": sorted(placement.others or ()),
            "described": placement.describe(),
        },
        "meetbot_log_level": "default (LOG_LEVEL unset)",
        "bots": {bot.name: asdict(bot) for bot in (stock, agents, meetbot, *others)},
        "ratios_meetbot_over_stock": compared,
        "ratios_meetbot_over_agents": against_agents,
        "acceptance": [asdict(verdict) for verdict in verdicts],
        "performance_guard": [asdict(verdict) for verdict in guards],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="per level (default 10)")
    parser.add_argument(
        "--quick", action="store_true", help="8 s per level and no soak: about a minute in all"
    )
    parser.add_argument(
        "--levels",
        type=lambda text: tuple(int(part) for part in text.split(",")),
        default=LEVELS,
        help="concurrent conversations, comma-separated (default 1,16,64)",
    )
    parser.add_argument(
        "--soak",
        type=float,
        metavar="SECONDS",
        help=f"Meetbot at {SOAK_CONVERSATIONS} conversations after the levels (default 300; "
        "0 with --quick)",
    )
    parser.add_argument(
        "--floor",
        action="store_true",
        help="also measure bench/floor_bot.py (a meet's I/O, no framework) at the levels",
    )
    parser.add_argument(
        "--no-pin",
        dest="pin",
        action="store_false",
        help="leave CPU placement to the scheduler (default: bot on one CPU, the rest on another)",
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    if args.quick:
        args.seconds = 8.0
    if args.soak is None:
        args.soak = 0.0 if args.quick else 300.0
    # Before the event loop: the first run installs the Agents SDK (a minute), later runs only
    # check its imports.
    subprocess.run(["bash", str(AGENTS_SETUP)], check=True)

    async def guarded() -> dict[str, Any]:
        task = asyncio.current_task()
        assert task is not None
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
        return await run(args)

    try:
        figures = run_loop(guarded())
    except (KeyboardInterrupt, asyncio.CancelledError):
        print("interrupted; every process the harness started has been stopped", file=sys.stderr)
        return 130
    if args.json is not None:
        args.json.write_text(json.dumps(figures, indent=2, allow_nan=True) + "\n")
        print(f"figures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
