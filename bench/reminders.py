"""10,000 reminders due in the same minute across 10,000 conversations, delivered by a real
`meetbot run` process to the connector emulator enforcing Teams' limits.

Three processes on loopback: the Graph emulator (each reminder re-reads its event), the
connector emulator with `--rate-limits` (per conversation: 7/1 s, 8/2 s, 60/30 s, 1800/h; per
app: `--app-rate` per second, default 50), and the bot with a SQLite (default) or PostgreSQL
store seeded here. Prints the time from the first reminder falling due to the last delivery,
against the bound the per-app limit sets (count / app rate), plus the 429s, duplicates
(resends the connector recognised by delivery key), losses and the bot's CPU per reminder.

    python bench/reminders.py [--count 10000] [--app-rate 50] [--send-rate 48]
                              [--database-url postgresql://...]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import ssl
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from botbuilder.core import TurnContext
from botbuilder.schema import Activity, ChannelAccount, ConversationAccount

from bot.local import default_cert_path
from bot.store import Reminder, ReminderState, open_store, reminder_key

MEETBOT = [sys.executable, "-m", "bot"]
STALL_SECONDS = 60.0


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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def start(args: list[str], env: dict[str, str], marker: str) -> asyncio.subprocess.Process:
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
            return process


async def _drain(stream: asyncio.StreamReader) -> None:
    while await stream.readline():
        pass


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def seed(
    database_url: str, *, graph_url: str, ca: Path, connector_url: str, count: int, due: datetime
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
            cid = f"a:bench-{index}"
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
            activity = Activity(
                type="message",
                id=f"seed-{index}",
                channel_id="msteams",
                service_url=connector_url,
                conversation=ConversationAccount(id=cid, conversation_type="personal"),
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


async def main(args: argparse.Namespace) -> None:
    work = Path(tempfile.mkdtemp(prefix="meetbot-bench-"))
    os.environ["XDG_CACHE_HOME"] = str(work / "cache")  # where the Graph emulator's cert goes
    env = {**os.environ, "HOME": str(work)}
    for name in [key for key in env if key.startswith(("Microsoft", "GRAPH_"))]:
        del env[name]
    database_url = args.database_url or f"sqlite:///{work / 'meetbot.db'}"
    graph_port, connector_port = free_port(), free_port()
    graph = await start(
        ["graph-emulator", "--port", str(graph_port)], env, "Graph emulator: GRAPH_BASE_URL"
    )
    rate_args = ["--rate-limits", "--app-rate", str(args.app_rate)]
    connector = await start(
        ["connector-emulator", "--port", str(connector_port), *rate_args],
        env,
        "Connector emulator listening",
    )
    graph_url = f"https://127.0.0.1:{graph_port}"
    connector_url = f"http://127.0.0.1:{connector_port}"
    ca = default_cert_path(graph_port)
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
        bot = await start(["run"], bot_env, "listening on")
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
        for process in (bot, connector, graph):
            if process is not None and process.returncode is None:
                process.terminate()
                await process.wait()

    elapsed = (finished - due).total_seconds()
    await report(
        args, database_url=database_url, calls=calls, stats=stats, elapsed=elapsed, cpu=cpu, due=due
    )


async def report(
    args: argparse.Namespace,
    *,
    database_url: str,
    calls: list[dict[str, Any]],
    stats: dict[str, int],
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


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--app-rate", type=int, default=50, help="the connector's per-app limit")
    parser.add_argument("--send-rate", type=float, default=48, help="the bot's TEAMS_SEND_RATE")
    parser.add_argument("--database-url", default=None)
    asyncio.run(main(parser.parse_args()))
