"""Meetbot against the stock botbuilder echo bot, side by side, under the same load.

Five processes on loopback: the Graph emulator (`meetbot graph-emulator`), the Bot Connector
emulator (`bench/counting_connector.py`: the same emulator, plus a count of the TCP connections
bots open to it), the stock echo bot (`bench/stock_echo_bot.py`, Microsoft's sample shape) and
Meetbot (`meetbot run`, against both emulators, SQLite in a temp directory), plus this one, the
load generator. Each bot in turn gets 1, 16 and 64 concurrent conversations (one virtual user
each, posting Teams 1:1 messages shaped by `tests/factories.make_message` back to back) for a
bounded time; Meetbot gets `meet Design review tomorrow 3pm for 45m` (a Graph create and a card
reply), the echo bot the same text (it echoes it).

    python bench/compare.py [--seconds 10] [--quick] [--levels 1,16,64] [--json PATH]

How each figure is taken:

- messages/s: answered POSTs (2xx) / time from the level's start to its last answer. A POST
  counts as answered when its HTTP response has been read; both bots reply to the connector
  within the turn, before answering. replies/s: activities the connector emulator recorded
  during the level (its `/_emulator/stats`), over the same time; "repeated replies" counts
  replies beyond the first to one incoming activity (`/_emulator/activities`).
- p50/p99: nearest-rank percentiles of the answered POSTs' latencies.
- CPU ms/msg: the bot process's utime+stime (`/proc/<pid>/stat`, all its threads) over the
  level, after the connector has gone quiet, / answered messages.
- RSS (VmRSS, `/proc/<pid>/status`) and open file descriptors (entries of `/proc/<pid>/fd`) at
  the level's start and end.
- new TCP/100 replies: connections first seen by the connector emulator during the level (it
  keeps every transport that carried a `/v3/` request) per 100 recorded activities.
- Graph/cmd and tokens/cmd: from the Graph emulator's request log (`/_emulator/requests`):
  requests under `/v1.0/` (Graph round trips), and POSTs to the token endpoint, per answered
  message, during the level; the totals over the whole run (cold start included) are in the
  JSON.
- cold start: from spawning the bot process to the first 2xx answer to a message POST (the
  same command), polled every 10 ms; for Meetbot, which listens on `PORT=0`, polling starts
  once it prints its address.
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
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the activity shape lives in the test factories

from tests.factories import make_message  # noqa: E402

COMMAND = "meet Design review tomorrow 3pm for 45m"
LEVELS = (1, 16, 64)
PYTHON = sys.executable
_activity_ids = itertools.count(1)


# ---------------------------------------------------------------- processes


def _die_with_parent() -> None:
    """In the child before exec: get SIGTERM if the harness dies without cleaning up."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


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

    async def spawn(self, name: str, argv: list[str], **env: str) -> Child:
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
                preexec_fn=_die_with_parent,
            )
        child = Child(name, process, log, spawned)
        self._children.append(child)
        return child

    async def read_line(self, child: Child, marker: str) -> str:
        """The first stdout line containing `marker` (within 30 s); later output is drained."""
        stream = child.process.stdout
        assert stream is not None
        async with asyncio.timeout(30):
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

    async def stop(self, child: Child) -> None:
        if child.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                child.process.terminate()
            try:
                await asyncio.wait_for(child.process.wait(), 10)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    child.process.kill()
                await child.process.wait()

    async def close(self) -> None:
        for child in reversed(self._children):
            await self.stop(child)


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


def own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# ---------------------------------------------------------------- emulators


@dataclass
class Emulators:
    session: aiohttp.ClientSession
    graph_url: str  # https://127.0.0.1:PORT (admin API at /_emulator/)
    graph_ssl: ssl.SSLContext
    connector_url: str  # http://127.0.0.1:PORT, the activities' serviceUrl

    async def connector(self) -> dict[str, int]:
        """Recorded activities and the TCP connections bots have opened so far."""
        async with self.session.get(f"{self.connector_url}/_emulator/stats") as response:
            stats = await response.json()
        async with self.session.get(f"{self.connector_url}/_emulator/connections") as response:
            connections = (await response.json())["connections"]
        return {"activities": int(stats["activities"]), "connections": int(connections)}

    async def graph(self) -> GraphCounts:
        url = f"{self.graph_url}/_emulator/requests"
        async with self.session.get(url, ssl=self.graph_ssl) as response:
            entries = await response.json()
        counts = GraphCounts()
        for entry in entries:
            path = entry["path"]
            if path.startswith("/v1.0/"):
                counts.graph += 1
                counts.routes[f"{entry['method']} {_route(path)}"] += 1
            elif path.endswith("/oauth2/v2.0/token"):
                counts.tokens += 1
            else:
                counts.other += 1
        return counts

    async def replies(self, conversation: str) -> list[dict[str, Any]]:
        """The activities the bot sent or replied into one conversation."""
        async with self.session.get(f"{self.connector_url}/_emulator/activities") as response:
            calls = await response.json()
        return [
            call["body"]
            for call in calls
            if call["conversation_id"] == conversation and call["kind"] in {"send", "reply"}
        ]

    async def repeated_replies(self, prefix: str) -> int:
        """Replies beyond the first to the same incoming activity, in conversations whose id
        starts with `prefix` (a bot that retries a reply the connector did take posts twice)."""
        async with self.session.get(f"{self.connector_url}/_emulator/activities") as response:
            calls = await response.json()
        per_activity = Counter(
            (call["conversation_id"], call["activity_id"])
            for call in calls
            if call["kind"] == "reply" and call["conversation_id"].startswith(prefix)
        )
        return sum(count - 1 for count in per_activity.values())

    async def settle(self) -> None:
        """Wait until the connector has recorded nothing new for 150 ms (at most 5 s)."""
        last, quiet, deadline = -1, 0, time.monotonic() + 5
        while quiet < 3 and time.monotonic() < deadline:
            now = (await self.connector())["activities"]
            quiet = quiet + 1 if now == last else 0
            last = now
            await asyncio.sleep(0.05)


@dataclass
class GraphCounts:
    graph: int = 0  # round trips to Graph (/v1.0/...)
    tokens: int = 0  # requests to the token endpoint
    other: int = 0  # identity metadata (OpenID discovery)
    routes: Counter[str] = field(default_factory=Counter)

    def __sub__(self, before: GraphCounts) -> GraphCounts:
        return GraphCounts(
            self.graph - before.graph,
            self.tokens - before.tokens,
            self.other - before.other,
            self.routes - before.routes,
        )


def _route(path: str) -> str:
    """`/v1.0/users/<id>/events/<id>` -> `/users/{id}/events/{id}`."""
    parts = path.removeprefix("/v1.0").split("/")
    out = [
        "{id}" if i > 0 and parts[i - 1] in {"users", "events", "onlineMeetings"} else part
        for i, part in enumerate(parts)
    ]
    return "/".join(out)


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


def activity(text: str, service_url: str, conversation_id: str, user: str) -> bytes:
    message = make_message(
        text,
        service_url=service_url,
        conversation_id=conversation_id,
        aad_object_id=user,
        activity_id=f"bench-{next(_activity_ids)}",
    )
    return json.dumps(message).encode()


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
        while time.perf_counter() < deadline:
            body = activity(COMMAND, service_url, conversation, aad_id)
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
    deadline = time.perf_counter() + 60
    while time.perf_counter() < deadline:
        child.check_alive()
        body = activity(COMMAND, service_url, conversation, user)
        with contextlib.suppress(aiohttp.ClientError, TimeoutError):
            async with session.post(url, data=body, headers=headers) as response:
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


def percentile(values: list[float], q: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


# ---------------------------------------------------------------- one bot


@dataclass
class LevelFigures:
    concurrency: int
    seconds: float
    messages: int
    errors: dict[str, int]
    messages_per_s: float
    replies: int
    replies_per_s: float
    p50_ms: float
    p99_ms: float
    cpu_ms_per_message: float
    rss_mb_start: float
    rss_mb_end: float
    fds_start: int
    fds_end: int
    new_tcp_connections: int
    new_tcp_per_100_replies: float
    graph_round_trips: int
    graph_per_command: float
    graph_routes: dict[str, int]
    token_requests: int
    tokens_per_command: float
    harness_cpu_share: float  # of one core: near 1.0 means the load generator was the limit


@dataclass
class BotFigures:
    name: str
    cold_start_s: float
    levels: list[LevelFigures]
    repeated_replies: int = 0
    graph_round_trips_total: int = 0
    token_requests_total: int = 0
    commands_total: int = 0


async def measure_level(
    emulators: Emulators,
    client: aiohttp.ClientSession,
    child: Child,
    *,
    url: str,
    tag: str,
    concurrency: int,
    seconds: float,
) -> LevelFigures:
    pid = child.pid
    await emulators.settle()
    connector0, graph0 = await emulators.connector(), await emulators.graph()
    rss0, fds0, cpu0, own0 = rss_mb(pid), open_fds(pid), cpu_seconds(pid), own_cpu_seconds()
    load = await drive(
        client,
        url,
        service_url=emulators.connector_url,
        tag=tag,
        concurrency=concurrency,
        seconds=seconds,
    )
    own = own_cpu_seconds() - own0
    await emulators.settle()
    cpu = cpu_seconds(pid) - cpu0
    rss1, fds1 = rss_mb(pid), open_fds(pid)
    child.check_alive()
    connector1, graph1 = await emulators.connector(), await emulators.graph()
    graph = graph1 - graph0
    messages = len(load.latencies)
    replies = connector1["activities"] - connector0["activities"]
    connections = connector1["connections"] - connector0["connections"]
    per = max(messages, 1)
    return LevelFigures(
        concurrency=concurrency,
        seconds=round(load.elapsed, 3),
        messages=messages,
        errors=dict(load.errors),
        messages_per_s=messages / load.elapsed,
        replies=replies,
        replies_per_s=replies / load.elapsed,
        p50_ms=1000 * percentile(load.latencies, 0.50),
        p99_ms=1000 * percentile(load.latencies, 0.99),
        cpu_ms_per_message=1000 * cpu / per,
        rss_mb_start=rss0,
        rss_mb_end=rss1,
        fds_start=fds0,
        fds_end=fds1,
        new_tcp_connections=connections,
        new_tcp_per_100_replies=100 * connections / max(replies, 1),
        graph_round_trips=graph.graph,
        graph_per_command=graph.graph / per,
        graph_routes=dict(graph.routes),
        token_requests=graph.tokens,
        tokens_per_command=graph.tokens / per,
        harness_cpu_share=own / load.elapsed,
    )


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
) -> BotFigures:
    """Start the bot, time its cold start, run every level, stop it."""
    graph0 = await emulators.graph()
    child = await children.spawn(name, argv, **env)
    connector = aiohttp.TCPConnector(limit=0, force_close=False)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as client:
        if port is None:  # Meetbot on PORT=0 says where it listens
            line = await children.read_line(child, "listening on")
            url = line.rsplit(" ", 1)[1]
        else:
            url = f"http://127.0.0.1:{port}/api/messages"
        cold, conversation = await cold_start(client, url, emulators.connector_url, child)
        await emulators.settle()
        first = await emulators.replies(conversation)
        if not first:
            raise RuntimeError(f"{name} answered the first message but sent no reply")
        print(f"{name}: cold start {cold:.3f} s; it replied: {describe(first[-1])}", flush=True)
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
            )
            figures.levels.append(level)
            print(
                f"{name}: {concurrency:>2} conversations, {level.messages_per_s:8.1f} msg/s, "
                f"p99 {level.p99_ms:.1f} ms",
                flush=True,
            )
    await children.stop(child)
    figures.repeated_replies = await emulators.repeated_replies(f"a:bench-{name}-")
    graph = await emulators.graph() - graph0
    figures.graph_round_trips_total = graph.graph
    figures.token_requests_total = graph.tokens
    figures.commands_total = 1 + sum(level.messages for level in figures.levels)
    return figures


# ---------------------------------------------------------------- report


def _ratio(a: float, b: float) -> float:
    return a / b if b else math.nan


def ratios(meetbot: BotFigures, stock: BotFigures) -> dict[str, Any]:
    per_level: dict[str, dict[str, float]] = {}
    for ours, theirs in zip(meetbot.levels, stock.levels, strict=True):
        per_level[str(ours.concurrency)] = {
            "throughput": _ratio(ours.messages_per_s, theirs.messages_per_s),
            "cpu_per_message": _ratio(ours.cpu_ms_per_message, theirs.cpu_ms_per_message),
            "p50": _ratio(ours.p50_ms, theirs.p50_ms),
            "p99": _ratio(ours.p99_ms, theirs.p99_ms),
        }
    return {"per_level": per_level, "cold_start": _ratio(meetbot.cold_start_s, stock.cold_start_s)}


def print_report(bots: list[BotFigures], compared: dict[str, Any], seconds: float) -> None:
    print()
    print(f"Each level: {seconds:g} s of closed-loop load, one conversation per virtual user.")
    print(f"Command: {COMMAND!r} (Meetbot: Graph create + card; stock echo bot: echoes it).")
    print()
    head = (
        f"{'bot':<8} {'conv':>4} {'msgs':>6} {'msg/s':>8} {'repl/s':>8} {'p50 ms':>8} "
        f"{'p99 ms':>8} {'CPU ms/msg':>10} {'RSS MB start>end':>16} {'FDs start>end':>13} "
        f"{'TCP/100 repl':>12} {'Graph/cmd':>9} {'tokens/cmd':>10} {'errors':>6}"
    )
    print(head)
    print("-" * len(head))
    for bot in bots:
        for level in bot.levels:
            rss = f"{level.rss_mb_start:.1f}>{level.rss_mb_end:.1f}"
            fds = f"{level.fds_start}>{level.fds_end}"
            print(
                f"{bot.name:<8} {level.concurrency:>4} {level.messages:>6} "
                f"{level.messages_per_s:>8.1f} {level.replies_per_s:>8.1f} "
                f"{level.p50_ms:>8.1f} {level.p99_ms:>8.1f} {level.cpu_ms_per_message:>10.2f} "
                f"{rss:>16} {fds:>13} {level.new_tcp_per_100_replies:>12.1f} "
                f"{level.graph_per_command:>9.2f} {level.tokens_per_command:>10.3f} "
                f"{sum(level.errors.values()):>6}"
            )
    print()
    for bot in bots:
        tokens = _ratio(bot.token_requests_total, bot.commands_total)
        graph = _ratio(bot.graph_round_trips_total, bot.commands_total)
        print(
            f"{bot.name:<8} cold start to first answered message {bot.cold_start_s:.3f} s; "
            f"whole run: {bot.commands_total} commands, {bot.graph_round_trips_total} Graph "
            f"round trips ({graph:.2f}/cmd), {bot.token_requests_total} token requests "
            f"({tokens:.4f}/cmd); {bot.repeated_replies} repeated replies"
        )
        routes: Counter[str] = Counter()
        for level in bot.levels:
            routes.update(level.graph_routes)
        if routes:
            shown = ", ".join(f"{route} x{count}" for route, count in routes.most_common())
            print(f"{'':<8} Graph calls under load: {shown}")
        for level in bot.levels:
            if level.errors:
                print(f"{'':<8} errors at {level.concurrency}: {level.errors}")
            if level.harness_cpu_share > 0.9:
                print(
                    f"{'':<8} warning: at {level.concurrency} the load generator used "
                    f"{100 * level.harness_cpu_share:.0f}% of a core; it may be the limit"
                )
    print()
    levels = list(compared["per_level"])
    print("Meetbot / stock, same run " + "".join(f"{c + ' conv':>12}" for c in levels))
    for key, label in (
        ("throughput", "throughput (msg/s)"),
        ("cpu_per_message", "CPU per message"),
        ("p50", "p50 latency"),
        ("p99", "p99 latency"),
    ):
        cells = "".join(f"{compared['per_level'][c][key]:>12.3f}" for c in levels)
        print(f"{label:<26}{cells}")
    print(f"{'cold start':<26}{compared['cold_start']:>12.3f}")
    if "16" in compared["per_level"]:
        print(f"p99 ratio at 16 conversations: {compared['per_level']['16']['p99']:.3f}")


# ---------------------------------------------------------------- main


async def run(args: argparse.Namespace) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="meetbot-compare-"))
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("Microsoft", "GRAPH_", "DATABASE_URL", "HOST", "PORT"))
    }
    # The Graph emulator leaves its certificate under XDG_CACHE_HOME, where Meetbot looks.
    env |= {"HOME": str(work), "XDG_CACHE_HOME": str(work / "cache"), "PYTHONUNBUFFERED": "1"}
    children = Children(work, env)
    try:
        graph = await children.spawn(
            "graph-emulator", [PYTHON, "-m", "bot", "graph-emulator", "--port", "0"]
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
            )
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
                    "LOG_LEVEL": "WARNING",
                },
                port=None,
                levels=args.levels,
                seconds=args.seconds,
            )
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
    print_report([stock, meetbot], compared, args.seconds)
    return {
        "command": COMMAND,
        "seconds_per_level": args.seconds,
        "levels": list(args.levels),
        "cpus": os.cpu_count(),
        "bots": {bot.name: asdict(bot) for bot in (stock, meetbot)},
        "ratios_meetbot_over_stock": compared,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="per level (default 10)")
    parser.add_argument("--quick", action="store_true", help="8 s per level: about a minute in all")
    parser.add_argument(
        "--levels",
        type=lambda text: tuple(int(part) for part in text.split(",")),
        default=LEVELS,
        help="concurrent conversations, comma-separated (default 1,16,64)",
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    if args.quick:
        args.seconds = 8.0

    async def guarded() -> dict[str, Any]:
        task = asyncio.current_task()
        assert task is not None
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
        return await run(args)

    try:
        figures = asyncio.run(guarded())
    except (KeyboardInterrupt, asyncio.CancelledError):
        print("interrupted; every process the harness started has been stopped", file=sys.stderr)
        return 130
    if args.json is not None:
        args.json.write_text(json.dumps(figures, indent=2, allow_nan=True) + "\n")
        print(f"figures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
