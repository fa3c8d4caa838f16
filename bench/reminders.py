"""10,000 reminders due in the same minute across 10,000 conversations, delivered by real
`meetbot run` processes to the connector emulator enforcing Teams' limits.

Three processes on loopback: the Graph emulator (each reminder re-reads its event), the
connector emulator with `--rate-limits` (per conversation: 7/1 s, 8/2 s, 60/30 s, 1800/h; per
app and tenant: `--app-rate` per second, default 50), and the bot with a SQLite (default) or
PostgreSQL store seeded here. Prints the time from the first reminder falling due to the last
delivery, against the bound the per-app limit sets (count / app rate), plus the 429s,
duplicates (resends the connector recognised by delivery key), losses and the bot's CPU per
reminder.

    python bench/reminders.py [--count 10000] [--app-rate 50] [--send-rate 48]
                              [--database-url postgresql://...]

Scale-out (issue 26), on as soon as `--replicas`, `--tenants` or `--kill-one` is given:

    python bench/reminders.py --replicas 3 --tenants 2 [--kill-one] [--meet-rate 4]
                              [--lease-seconds S]

N `meetbot run` processes share one PostgreSQL (a throwaway server in a temporary directory,
as `tests/postgres.py` starts it, unless `--database-url` names one). Reminder `i` is in
conversation `i`, and conversation `i` in tenant `i mod T`: its conversation reference names
the tenant and the connector emulator is told it, so each tenant has its own per-app budget
there, as in Teams. A trickle of `meet`s (each its own HTTP POST to the next replica in turn,
`--meet-rate` a second, in conversations of a tenant of their own) runs while the bots wait
for the due minute and again during the fan-out; its latency (the POST's answer) is printed
for both. At the end, per tenant: delivered, lost (due but never sent), delivered twice, the
resends recognised, the 429s, the time to its last delivery and its bound (its count / the
per-app rate; the tenants run in parallel, so the run's bound is the largest), with the
distance from it; the bot CPU per reminder summed over the replicas (each process's utime +
stime over the fan-out, less the trickle's `meet`s at what one cost on the idle bots).
`--kill-one` sends SIGKILL to one replica once a third of the reminders are delivered; the
others take up its claims when their lease (`REMINDER_LEASE_SECONDS`, `--lease-seconds`) runs
out.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import math
import os
import signal
import socket
import ssl
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from botbuilder.core import TurnContext
from botbuilder.schema import Activity, ChannelAccount, ConversationAccount

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the throwaway PostgreSQL and the activity shape live in tests/

from bot.local import default_cert_path  # noqa: E402
from bot.store import Reminder, ReminderState, open_store, reminder_key  # noqa: E402
from tests import postgres  # noqa: E402
from tests.factories import make_message  # noqa: E402

MEETBOT = [sys.executable, "-m", "bot"]
STALL_SECONDS = 60.0
MEET = "meet Design review tomorrow 3pm for 45m"
MEET_CONVERSATIONS = 16  # the trickle's conversations, each its own user, taken in turn


class Watchdog:
    """Stops the wait when no reminder was delivered for `window` seconds of the run.

    The window opens at `starts`, the moment the reminders fall due: before that nothing can
    be delivered, so waiting for the due time is not a stall, however long it is.
    """

    def __init__(self, *, starts: float, window: float) -> None:
        self._last = starts
        self._window = window

    def progressed(self, now: float) -> None:
        self._last = max(self._last, now)

    def stalled(self, now: float) -> bool:
        return now - self._last > self._window


def tenant_ids(tenants: int) -> list[str]:
    return [f"bench-tenant-{n + 1}" for n in range(tenants)]


def tenant_of(index: int, tenants: list[str]) -> str:
    """Reminder (and conversation) `index`'s tenant: the tenants in turn."""
    return tenants[index % len(tenants)]


def conversation_id(index: int) -> str:
    return f"a:bench-{index}"


@dataclass
class TenantFigures:
    """One tenant's outcome, from the connector's record and its per-tenant counts."""

    tenant: str
    reminders: int
    delivered: int
    twice: int
    resends: int
    throttled: int
    seconds: float
    app_rate: float

    @property
    def lost(self) -> int:
        return self.reminders - self.delivered

    @property
    def bound(self) -> float:
        return self.reminders / self.app_rate

    @property
    def over(self) -> float:
        """How far over the bound, in % of it."""
        return 100 * (self.seconds - self.bound) / self.bound


def tenant_figures(
    *,
    tenants: list[str],
    count: int,
    app_rate: float,
    keys: dict[str, Counter[str]],
    stats: dict[str, Any],
    seconds: dict[str, float],
) -> list[TenantFigures]:
    """Per tenant: `keys` are the delivery keys recorded in its conversations (how often
    each), `stats` the connector's, `seconds` the time from the due minute to its last
    delivery."""
    counts = stats.get("tenants", {})
    figures = []
    for position, tenant in enumerate(tenants):
        seen = keys.get(tenant, Counter())
        own = counts.get(tenant, {})
        figures.append(
            TenantFigures(
                tenant=tenant,
                reminders=len(range(position, count, len(tenants))),
                delivered=len(seen),
                twice=sum(1 for n in seen.values() if n > 1),
                resends=int(own.get("duplicates", 0)),
                throttled=int(own.get("throttled", 0)),
                seconds=seconds.get(tenant, 0.0),
                app_rate=app_rate,
            )
        )
    return figures


def tenant_table(figures: list[TenantFigures]) -> list[str]:
    """The per-tenant lines and the run's: the tenants in parallel, so its time and bound are
    the largest of theirs."""
    header = (
        f"{'tenant':<16}{'reminders':>10}{'delivered':>10}{'lost':>6}{'twice':>6}"
        f"{'resends':>8}{'429s':>6}{'time s':>8}{'bound s':>8}{'over':>9}"
    )
    rows = [header]
    for f in figures:
        rows.append(
            f"{f.tenant:<16}{f.reminders:>10}{f.delivered:>10}{f.lost:>6}{f.twice:>6}"
            f"{f.resends:>8}{f.throttled:>6}{f.seconds:>8.1f}{f.bound:>8.1f}{f.over:>+8.1f}%"
        )
    seconds = max(f.seconds for f in figures)
    bound = max(f.bound for f in figures)
    rows.append(
        f"{'all':<16}{sum(f.reminders for f in figures):>10}"
        f"{sum(f.delivered for f in figures):>10}{sum(f.lost for f in figures):>6}"
        f"{sum(f.twice for f in figures):>6}{sum(f.resends for f in figures):>8}"
        f"{sum(f.throttled for f in figures):>6}{seconds:>8.1f}{bound:>8.1f}"
        f"{100 * (seconds - bound) / bound:>+8.1f}%"
    )
    return rows


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (`share` in 0..1) of `values`."""
    ordered = sorted(values)
    return ordered[min(len(ordered), max(1, math.ceil(share * len(ordered)))) - 1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def start(
    args: list[str], env: dict[str, str], marker: str
) -> tuple[asyncio.subprocess.Process, str]:
    """The process, once it printed `marker`, and the line it printed it in."""
    process = await asyncio.create_subprocess_exec(
        *MEETBOT, *args, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL
    )
    assert process.stdout is not None
    while True:
        line = (await asyncio.wait_for(process.stdout.readline(), 30)).decode()
        if not line:
            raise RuntimeError(f"{args[0]} ended before printing {marker!r}")
        if marker in line:
            asyncio.get_running_loop().create_task(_drain(process.stdout))
            return process, line.strip()


async def _drain(stream: asyncio.StreamReader) -> None:
    while await stream.readline():
        pass


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def seed(
    database_url: str,
    *,
    graph_url: str,
    ca: Path,
    connector_url: str,
    count: int,
    due: datetime,
    tenants: list[str] | None = None,
) -> None:
    store = open_store(database_url)
    await store.open()
    start = due + timedelta(minutes=10)
    end = start + timedelta(minutes=30)
    wall = {
        "start": {"dateTime": start.replace(tzinfo=None).isoformat(), "timeZone": "UTC"},
        "end": {"dateTime": end.replace(tzinfo=None).isoformat(), "timeZone": "UTC"},
    }
    context = ssl.create_default_context(cafile=str(ca))
    async with httpx.AsyncClient(base_url=graph_url, verify=context, timeout=30) as graph:

        async def one(index: int) -> None:
            user = str(uuid.uuid4())
            cid = conversation_id(index)
            response = await graph.post(
                f"/_emulator/users/{user}/events",
                json={
                    "subject": f"Meeting {index}",
                    "isOnlineMeeting": True,
                    "onlineMeetingProvider": "teamsForBusiness",
                    **wall,
                },
            )
            response.raise_for_status()
            event_id = response.json()["id"]
            tenant = None if tenants is None else tenant_of(index, tenants)
            activity = Activity(
                type="message",
                id=f"seed-{index}",
                channel_id="msteams",
                service_url=connector_url,
                conversation=ConversationAccount(
                    id=cid, conversation_type="personal", tenant_id=tenant
                ),
                from_property=ChannelAccount(id=f"29:{user}", aad_object_id=user),
                recipient=ChannelAccount(id="28:meetbot"),
            )
            reference = TurnContext.get_conversation_reference(activity).serialize()
            await store.save_reference(cid, reference, now=due)
            await store.add_reminder(
                Reminder(
                    id=uuid.uuid4().hex,
                    key=reminder_key(cid, event_id),
                    user_id=user,
                    conversation_id=cid,
                    event_id=event_id,
                    subject=f"Meeting {index}",
                    starts_at=start,
                    ends_at=end,
                    lead=timedelta(minutes=10),
                    zone="UTC",
                    locale="en-US",
                    source="meet",
                    next_attempt_at=due,
                )
            )

        for batch in range(0, count, 200):
            await asyncio.gather(*(one(i) for i in range(batch, min(count, batch + 200))))
    await store.close()


def bench_env(work: Path) -> dict[str, str]:
    os.environ["XDG_CACHE_HOME"] = str(work / "cache")  # where the Graph emulator's cert goes
    env = {**os.environ, "HOME": str(work)}
    for name in [key for key in env if key.startswith(("Microsoft", "GRAPH_"))]:
        del env[name]
    return env


async def start_emulators(
    env: dict[str, str], app_rate: int
) -> tuple[asyncio.subprocess.Process, asyncio.subprocess.Process, str, str, Path]:
    graph_port, connector_port = free_port(), free_port()
    graph, _ = await start(
        ["graph-emulator", "--port", str(graph_port)], env, "Graph emulator: GRAPH_BASE_URL"
    )
    rate_args = ["--rate-limits", "--app-rate", str(app_rate)]
    connector, _ = await start(
        ["connector-emulator", "--port", str(connector_port), *rate_args],
        env,
        "Connector emulator listening",
    )
    # The connector emulator stands for Teams, which counts each app's sends per second as they
    # arrive, on machines of its own: here it runs ahead of the bots, PostgreSQL and the Graph
    # emulator on this machine's few cores (real-time, else a higher priority; root only), so
    # its windows count arrivals rather than its own waits for a core.
    try:
        os.sched_setscheduler(connector.pid, os.SCHED_FIFO, os.sched_param(1))
    except PermissionError:
        with contextlib.suppress(PermissionError):
            os.setpriority(os.PRIO_PROCESS, connector.pid, -5)
    graph_url = f"https://127.0.0.1:{graph_port}"
    connector_url = f"http://127.0.0.1:{connector_port}"
    return graph, connector, graph_url, connector_url, default_cert_path(graph_port)


async def stop_all(processes: list[asyncio.subprocess.Process | None]) -> None:
    for process in processes:
        if process is not None and process.returncode is None:
            process.terminate()
            await process.wait()


async def main(args: argparse.Namespace) -> None:
    work = Path(tempfile.mkdtemp(prefix="meetbot-bench-"))
    env = bench_env(work)
    database_url = args.database_url or f"sqlite:///{work / 'meetbot.db'}"
    graph, connector, graph_url, connector_url, ca = await start_emulators(env, args.app_rate)
    bot: asyncio.subprocess.Process | None = None
    try:
        print(f"seeding {args.count} meetings, conversations and reminders ...", flush=True)
        due = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(minutes=2)
        await seed(
            database_url,
            graph_url=graph_url,
            ca=ca,
            connector_url=connector_url,
            count=args.count,
            due=due,
        )
        # The bot starts before the minute turns, so every reminder falls due while it runs.
        bot_env = env | {
            "GRAPH_BASE_URL": f"{graph_url}/v1.0",
            "DATABASE_URL": database_url,
            "TEAMS_SEND_RATE": str(args.send_rate),
            "PORT": "0",
            "LOG_LEVEL": "WARNING",
        }
        bot, _ = await start(["run"], bot_env, "listening on")
        cpu_before = cpu_seconds(bot.pid)
        # The clock starts when the reminders are due and the bot is up, whichever is later.
        due = max(due, datetime.now(UTC))
        wait = (due - datetime.now(UTC)).total_seconds()
        print(f"reminders fall due in {wait:.0f} s ...", flush=True)
        async with httpx.AsyncClient(base_url=connector_url, timeout=30) as client:
            delivered = 0
            finished = due
            watchdog = Watchdog(starts=time.monotonic() + max(wait, 0.0), window=STALL_SECONDS)
            while delivered < args.count:
                await asyncio.sleep(0.25)
                stats = (await client.get("/_emulator/stats")).json()
                if stats["activities"] != delivered:
                    delivered, finished = stats["activities"], datetime.now(UTC)
                    watchdog.progressed(time.monotonic())
                if watchdog.stalled(time.monotonic()):
                    print(f"no progress for {STALL_SECONDS:.0f} s; stopping", flush=True)
                    break
            calls = (await client.get("/_emulator/activities")).json()
            stats = (await client.get("/_emulator/stats")).json()
        cpu = cpu_seconds(bot.pid) - cpu_before
    finally:
        await stop_all([bot, connector, graph])

    elapsed = (finished - due).total_seconds()
    await report(
        args, database_url=database_url, calls=calls, stats=stats, elapsed=elapsed, cpu=cpu, due=due
    )


def delivery_key(call: dict[str, Any]) -> str | None:
    """A reminder's delivery key (a `meet`'s reply has none)."""
    channel_data = call["body"].get("channelData")
    meetbot = channel_data.get("meetbot") if isinstance(channel_data, dict) else None
    key = meetbot.get("deliveryKey") if isinstance(meetbot, dict) else None
    return key if isinstance(key, str) else None


async def report(
    args: argparse.Namespace,
    *,
    database_url: str,
    calls: list[dict[str, Any]],
    stats: dict[str, Any],
    elapsed: float,
    cpu: float,
    due: datetime,
) -> None:
    keys = Counter(
        call["body"]["channelData"]["meetbot"]["deliveryKey"]
        for call in calls
        if call["kind"] in ("send", "reply")
    )
    store = open_store(database_url)
    await store.open()
    counts = await store.reminder_counts()
    await store.close()
    bound = args.count / args.app_rate
    print()
    print(f"reminders                 {args.count} due at {due:%H:%M:%S} UTC")
    print(f"delivered                 {len(keys)}")
    print(f"lost                      {args.count - len(keys)}")
    print(f"delivered twice           {sum(1 for n in keys.values() if n > 1)}")
    print(f"resends recognised        {stats['duplicates']} (by delivery key)")
    print(f"429s from the connector   {stats['throttled']}")
    print(f"store                     {', '.join(f'{s.value}={n}' for s, n in counts.items())}")
    print(f"time to deliver all       {elapsed:.1f} s")
    print(f"per-app limit bound       {bound:.1f} s ({args.count} / {args.app_rate} per s)")
    print(f"over the bound            {100 * (elapsed - bound) / bound:+.1f} %")
    print(f"bot CPU per reminder      {1000 * cpu / max(1, len(keys)):.2f} ms")
    sent = counts.get(ReminderState.SENT, 0)
    if sent != args.count or len(keys) != args.count:
        sys.exit(1)


# --- scale-out: replicas, tenants, a trickle of meets, a killed replica ---------------------


@dataclass
class Replica:
    process: asyncio.subprocess.Process
    url: str  # .../api/messages
    cpu_at: dict[str, float] = field(default_factory=dict)  # phase -> CPU seconds then

    def mark(self, phase: str) -> None:
        if self.process.returncode is None and phase not in self.cpu_at:
            self.cpu_at[phase] = cpu_seconds(self.process.pid)

    def cpu(self, since: str, until: str) -> float:
        return self.cpu_at[until] - self.cpu_at[since]


class Trickle:
    """`meet`s posted at a steady rate, each its own request (so a slow answer delays no
    later one), to the live replicas in turn; the answers' latency in seconds."""

    def __init__(self, replicas: list[Replica], service_url: str, rate: float) -> None:
        self._replicas = replicas
        self._turn = itertools.count()
        self._every = 1 / rate
        self._conversations = [
            (f"a:bench-meet-{n}-{uuid.uuid4().hex[:8]}", str(uuid.uuid4()))
            for n in range(MEET_CONVERSATIONS)
        ]
        self._service_url = service_url
        self.latencies: list[float] = []
        self.failed = 0

    async def run(self, client: httpx.AsyncClient, until: Callable[[], bool]) -> int:
        """Post until `until()` holds; the number posted (their answers all waited for)."""
        posts: list[asyncio.Task[None]] = []
        began = time.perf_counter()
        for n in itertools.count():
            if until():
                break
            cid, user = self._conversations[n % len(self._conversations)]
            body = make_message(
                MEET, service_url=self._service_url, conversation_id=cid, aad_object_id=user
            )
            live = [r for r in self._replicas if r.process.returncode is None]
            url = live[next(self._turn) % len(live)].url
            posts.append(asyncio.create_task(self._post(client, url, body)))
            await asyncio.sleep(max(0.0, began + (n + 1) * self._every - time.perf_counter()))
        await asyncio.gather(*posts)
        return len(posts)

    async def _post(self, client: httpx.AsyncClient, url: str, body: dict[str, Any]) -> None:
        sent = time.perf_counter()
        try:
            response = await client.post(url, json=body)
        except httpx.HTTPError:
            self.failed += 1
            return
        if response.is_success:
            self.latencies.append(time.perf_counter() - sent)
        else:
            self.failed += 1


def open_database(args: argparse.Namespace, work: Path) -> tuple[str, Callable[[], None] | None]:
    """The store's URL: `--database-url`, else a throwaway PostgreSQL for replicas (and the
    function that stops it), else SQLite."""
    if args.database_url is not None:
        return args.database_url, None
    if args.replicas > 1:
        # Its own directory under /tmp: as root the server runs as `postgres`, which must
        # be let through every parent.
        return postgres.start(Path(tempfile.mkdtemp(prefix="meetbot-bench-pg-")))
    return f"sqlite:///{work / 'meetbot.db'}", None


async def start_replicas(
    args: argparse.Namespace, env: dict[str, str], graph_url: str, database_url: str
) -> list[Replica]:
    bot_env = env | {
        "GRAPH_BASE_URL": f"{graph_url}/v1.0",
        "DATABASE_URL": database_url,
        "TEAMS_SEND_RATE": str(args.send_rate),
        "PORT": "0",
        "LOG_LEVEL": "WARNING",
    }
    if args.lease_seconds is not None:
        bot_env["REMINDER_LEASE_SECONDS"] = f"{args.lease_seconds:g}"
    replicas = []
    for _ in range(args.replicas):
        process, line = await start(["run"], bot_env, "listening on")
        replicas.append(Replica(process, line.rsplit(" ", 1)[1]))
    return replicas


@dataclass
class FanOut:
    """What the scale-out run came to, for its report."""

    due: datetime
    finished: dict[str, float]  # tenant -> seconds from the due minute to its last delivery
    calls: list[dict[str, Any]]
    stats: dict[str, Any]
    idle_meets: int
    busy_meets: int
    killed_at: int | None  # reminders delivered when replica 1 was killed


async def watch_fan_out(
    args: argparse.Namespace,
    client: httpx.AsyncClient,
    replicas: list[Replica],
    tenants: list[str],
    due: datetime,
) -> tuple[dict[str, float], int | None]:
    """Follow each tenant's deliveries until all are in (or nothing moves for a while),
    killing replica 1 a third of the way with `--kill-one`."""
    delivered: dict[str, int] = dict.fromkeys(tenants, 0)
    throttled: dict[str, int] = dict.fromkeys(tenants, 0)
    finished: dict[str, float] = dict.fromkeys(tenants, 0.0)
    killed_at: int | None = None
    watchdog = Watchdog(starts=time.monotonic(), window=STALL_SECONDS)
    while sum(delivered.values()) < args.count:
        await asyncio.sleep(0.25)
        counts = (await client.get("/_emulator/stats")).json().get("tenants", {})
        now = time.monotonic()
        for tenant in tenants:
            accepted = counts.get(tenant, {}).get("accepted", 0)
            if (refused := counts.get(tenant, {}).get("throttled", 0)) != throttled[tenant]:
                at = (datetime.now(UTC) - due).total_seconds()
                print(f"  429 x{refused - throttled[tenant]} in {tenant} at {at:.1f} s", flush=True)
                throttled[tenant] = refused
            if accepted != delivered[tenant]:
                delivered[tenant] = accepted
                finished[tenant] = (datetime.now(UTC) - due).total_seconds()
                watchdog.progressed(now)
        total = sum(delivered.values())
        if args.kill_one and killed_at is None and total >= args.count // 3:
            victim = replicas[0]
            victim.mark("end")  # its CPU up to the kill
            victim.process.send_signal(signal.SIGKILL)
            await victim.process.wait()
            killed_at = total
            print(f"killed replica 1 (pid {victim.process.pid}) at {total}", flush=True)
        if watchdog.stalled(now):
            print(f"no progress for {STALL_SECONDS:.0f} s; stopping", flush=True)
            break
    return finished, killed_at


async def run_scale_out(
    args: argparse.Namespace,
    client: httpx.AsyncClient,
    *,
    replicas: list[Replica],
    tenants: list[str],
    due: datetime,
    trickles: tuple[Trickle, Trickle],
) -> FanOut:
    """Meets on the idle bots until just before the due minute, then the fan-out with meets."""
    told = {conversation_id(i): tenant_of(i, tenants) for i in range(args.count)}
    (await client.put("/_emulator/tenants", json={"conversations": told})).raise_for_status()
    idle, busy = trickles
    wait = (due - datetime.now(UTC)).total_seconds()
    print(f"reminders fall due in {wait:.0f} s; meets on the idle bots ...", flush=True)
    for replica in replicas:
        replica.mark("idle")
    idle_until = time.monotonic() + wait - 3
    idle_meets = await idle.run(client, lambda: time.monotonic() >= idle_until)
    for replica in replicas:
        replica.mark("idle-end")
    await asyncio.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds()))
    due = max(due, datetime.now(UTC))
    for replica in replicas:
        replica.mark("due")
    done = asyncio.Event()
    meets = asyncio.create_task(busy.run(client, done.is_set))
    print("fan-out ...", flush=True)
    finished, killed_at = await watch_fan_out(args, client, replicas, tenants, due)
    for replica in replicas:
        replica.mark("end")
    done.set()
    busy_meets = await meets
    calls = (await client.get("/_emulator/activities")).json()
    stats = (await client.get("/_emulator/stats")).json()
    return FanOut(due, finished, calls, stats, idle_meets, busy_meets, killed_at)


async def scale_out(args: argparse.Namespace) -> None:
    work = Path(tempfile.mkdtemp(prefix="meetbot-bench-"))
    env = bench_env(work)
    database_url, stop_postgres = open_database(args, work)
    engine = database_url.split(":", 1)[0]
    tenants = tenant_ids(args.tenants)
    graph, connector, graph_url, connector_url, ca = await start_emulators(env, args.app_rate)
    replicas: list[Replica] = []
    try:
        try:
            print(f"{args.replicas} replica(s) on {engine}, {len(tenants)} tenant(s)", flush=True)
            print(f"seeding {args.count} meetings, conversations and reminders ...", flush=True)
            # A minute later than the classic run: the idle bots' meets come first.
            due = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(minutes=3)
            await seed(
                database_url,
                graph_url=graph_url,
                ca=ca,
                connector_url=connector_url,
                count=args.count,
                due=due,
                tenants=tenants,
            )
            replicas = await start_replicas(args, env, graph_url, database_url)
            trickles = (
                Trickle(replicas, connector_url, args.meet_rate),
                Trickle(replicas, connector_url, args.meet_rate),
            )
            async with httpx.AsyncClient(base_url=connector_url, timeout=60) as client:
                run = await run_scale_out(
                    args, client, replicas=replicas, tenants=tenants, due=due, trickles=trickles
                )
        finally:
            await stop_all([*(r.process for r in replicas), connector, graph])
        store = open_store(database_url)
        await store.open()
        counts = await store.reminder_counts()
        await store.close()
    finally:
        if stop_postgres is not None:  # (a failed run leaves no server behind either)
            stop_postgres()
    figures = tenant_figures(
        tenants=tenants,
        count=args.count,
        app_rate=args.app_rate,
        keys=keys_by_tenant(run.calls, tenants, args.count),
        stats=run.stats,
        seconds=run.finished,
    )
    print()
    print(
        f"reminders {args.count} due at {run.due:%H:%M:%S} UTC, {args.replicas} replica(s) on "
        f"{engine}, {len(tenants)} tenant(s), per-app limit {args.app_rate}/s per tenant, "
        f"TEAMS_SEND_RATE {args.send_rate:g}"
    )
    delivered = sum(f.delivered for f in figures)
    extra = scale_out_lines(args, replicas, run, trickles, delivered=delivered)
    for line in [*tenant_table(figures), *extra]:
        print(line)
    print(f"store                     {', '.join(f'{s.value}={n}' for s, n in counts.items())}")
    if counts.get(ReminderState.SENT, 0) != args.count or delivered != args.count:
        sys.exit(1)


def keys_by_tenant(
    calls: list[dict[str, Any]], tenants: list[str], count: int
) -> dict[str, Counter[str]]:
    """The delivery keys recorded in each tenant's conversations, with how often each."""
    keys: dict[str, Counter[str]] = {tenant: Counter() for tenant in tenants}
    tenant_by_cid = {conversation_id(i): tenant_of(i, tenants) for i in range(count)}
    for call in calls:
        key = delivery_key(call)
        tenant = tenant_by_cid.get(call["conversation_id"])
        if key is not None and tenant is not None and call["kind"] in ("send", "reply"):
            keys[tenant][key] += 1
    return keys


def scale_out_lines(
    args: argparse.Namespace,
    replicas: list[Replica],
    run: FanOut,
    trickles: tuple[Trickle, Trickle],
    *,
    delivered: int,
) -> list[str]:
    """The CPU, the meets' latency and the kill, under the per-tenant table."""
    idle, busy = trickles
    per_meet = sum(r.cpu("idle", "idle-end") for r in replicas) / max(1, run.idle_meets)
    whole = sum(r.cpu("due", "end") for r in replicas)
    cpu = whole - per_meet * run.busy_meets
    lines = [
        f"429s from the connector   {run.stats['throttled']} (the meets' included)",
        f"bot CPU per reminder      {1000 * cpu / max(1, delivered):.2f} ms (summed over the "
        f"replicas, less {run.busy_meets} meets at {1000 * per_meet:.2f} ms, the idle bots' CPU "
        f"per meet; {1000 * whole / max(1, delivered):.2f} ms with them)",
    ]
    for name, trickle, posted in (
        ("idle bots", idle, run.idle_meets),
        ("fan-out", busy, run.busy_meets),
    ):
        if trickle.latencies:
            lines.append(
                f"meet latency, {name:<10} p50 {1000 * percentile(trickle.latencies, 0.5):.0f} "
                f"ms, p99 {1000 * percentile(trickle.latencies, 0.99):.0f} ms "
                f"({len(trickle.latencies)} of {posted} answered, {trickle.failed} failed)"
            )
    if idle.latencies and busy.latencies:
        ratio = percentile(busy.latencies, 0.99) / percentile(idle.latencies, 0.99)
        lines.append(f"meet p99, fan-out / idle  {ratio:.2f}")
    if run.killed_at is not None:
        lease = "the default" if args.lease_seconds is None else f"{args.lease_seconds:g} s"
        lines.append(
            f"killed                    replica 1 by SIGKILL at {run.killed_at} delivered "
            f"(lease {lease})"
        )
    return lines


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--app-rate", type=int, default=50, help="the connector's per-app limit")
    parser.add_argument("--send-rate", type=float, default=48, help="the bot's TEAMS_SEND_RATE")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--replicas", type=int, default=None, help="meetbot run processes")
    parser.add_argument("--tenants", type=int, default=None, help="tenants the reminders span")
    parser.add_argument("--kill-one", action="store_true", help="SIGKILL a replica mid fan-out")
    parser.add_argument("--meet-rate", type=float, default=4.0, help="meets a second, scale-out")
    parser.add_argument("--lease-seconds", type=float, default=None)
    return parser


def parse(argv: list[str]) -> tuple[argparse.Namespace, bool]:
    """The arguments, and whether they ask for the scale-out run (then replicas and tenants
    default to 1)."""
    args = parser().parse_args(argv)
    scaled = args.replicas is not None or args.tenants is not None or args.kill_one
    if scaled:
        args.replicas = args.replicas or 1
        args.tenants = args.tenants or 1
    if args.kill_one and args.replicas < 2:
        parser().error("--kill-one needs --replicas 2 or more: the others take up its claims")
    return args, scaled


if __name__ == "__main__":
    arguments, scaled = parse(sys.argv[1:])
    asyncio.run(scale_out(arguments) if scaled else main(arguments))
