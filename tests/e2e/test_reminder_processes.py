"""Real `meetbot run` processes delivering due reminders: two sharing PostgreSQL, one killed
with SIGKILL mid-send and started again, and one killed between a `meet`'s Graph create and
its reminder write. The tests wait for deliveries, not for time."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg
import httpx
import pytest
from botbuilder.schema import Activity

from bot.i18n import en
from bot.store import PostgresStore, Reminder, ReminderState, SqliteStore, Store, reminder_key
from bot.teams.middleware import conversation_reference
from tests.conftest import RunningConnector, RunningGraph
from tests.e2e.test_meet import card_text
from tests.factories import make_message
from tests.processes import start_bot, stop

COUNT = 500
EN = en.CATALOG


async def _seed(
    store: Store,
    graph: RunningGraph,
    connector: RunningConnector,
    *,
    count: int = COUNT,
    tenants: tuple[str, ...] = (),
) -> None:
    """`count` meetings starting in 9 minutes, each its own organizer and conversation, whose
    10-minute reminders are due now; the conversations in `tenants` in turn (else the
    factory's one tenant)."""
    now = datetime.now(UTC).replace(microsecond=0)
    start = now + timedelta(minutes=9)
    end = start + timedelta(minutes=30)
    wall = {
        "start": {"dateTime": start.replace(tzinfo=None).isoformat(), "timeZone": "UTC"},
        "end": {"dateTime": end.replace(tzinfo=None).isoformat(), "timeZone": "UTC"},
    }
    for index in range(count):
        user = str(uuid.uuid4())
        cid = f"a:conversation-{index}"
        event = graph.emulator.seed_event(
            user,
            {
                "subject": f"Meeting {index}",
                "isOnlineMeeting": True,
                "onlineMeetingProvider": "teamsForBusiness",
                **wall,
            },
        )
        message = make_message("hi", service_url=connector.url, conversation_id=cid)
        if tenants:
            tenant = tenants[index % len(tenants)]
            message["conversation"]["tenantId"] = tenant
            message["channelData"]["tenant"]["id"] = tenant
        activity = Activity().deserialize(message)
        reference = conversation_reference(activity).serialize()  # as the bot keeps it
        await store.save_reference(cid, reference, now=now)
        await store.add_reminder(
            Reminder(
                id=uuid.uuid4().hex,
                key=reminder_key(cid, event["id"]),
                user_id=user,
                conversation_id=cid,
                event_id=event["id"],
                subject=f"Meeting {index}",
                starts_at=start,
                ends_at=end,
                lead=timedelta(minutes=10),
                zone="UTC",
                locale="en-US",
                source="meet",
                next_attempt_at=start - timedelta(minutes=10),
            )
        )


def _bot_env(graph: RunningGraph, database_url: str, **extra: str) -> dict[str, str]:
    return {
        "GRAPH_BASE_URL": f"{graph.url}/v1.0",
        "GRAPH_CA_BUNDLE": str(graph.ca_file),
        "DATABASE_URL": database_url,
        "REMINDER_POLL_SECONDS": "0.2",
        "LOG_LEVEL": "WARNING",  # stderr is a pipe nobody reads while the test runs
        **extra,
    }


def _delivery_keys(connector: RunningConnector) -> Counter[str]:
    return Counter(
        call.body["channelData"]["meetbot"]["deliveryKey"]
        for call in connector.emulator.activities()
    )


async def _kill(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.kill()
        await process.wait()


async def test_two_processes_sharing_postgres_deliver_each_reminder_once(
    graph: RunningGraph, connector: RunningConnector, postgres_url: str, tmp_path: Path
) -> None:
    env = _bot_env(graph, postgres_url, TEAMS_SEND_RATE="200")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first, _ = await start_bot(tmp_path / "a", **env)
    second, _ = await start_bot(tmp_path / "b", **env)
    store = PostgresStore(postgres_url)
    await store.open()
    try:
        await _seed(store, graph, connector)
        await connector.emulator.wait_for(lambda e: len(e.activities()) >= COUNT, timeout=120)
        await stop(first)
        await stop(second)
        assert await store.reminder_counts() == {ReminderState.SENT: COUNT}
    finally:
        await store.close()
        await _kill(first)
        await _kill(second)

    keys = _delivery_keys(connector)
    assert len(keys) == COUNT and set(keys.values()) == {1}
    assert connector.emulator.duplicates == []  # no resend at all: nothing was claimed twice
    connection = await asyncpg.connect(postgres_url)
    try:
        workers = await connection.fetchval("SELECT count(DISTINCT worker) FROM reminders")
    finally:
        await connection.close()
    assert workers == 2  # both processes took part


async def test_three_processes_keep_a_tenants_limit_together(
    graph: RunningGraph, connector: RunningConnector, postgres_url: str, tmp_path: Path
) -> None:
    """Teams' per-app limit is per tenant, whichever replica sends: processes each allowed the
    whole rate share it (each tenant having its own: `tests/reminders/test_shared_limits.py`)."""
    limit, count = 20, 100
    connector.emulator.enable_rate_limits(app_limits=((limit, 1.0),))
    # Below the limit as the default is below Teams': room for late wake-ups, and for the
    # emulators sharing this process's event loop with the test.
    env = _bot_env(graph, postgres_url, TEAMS_SEND_RATE="14")
    bots = []
    for name in "abc":
        (tmp_path / name).mkdir()
        bots.append((await start_bot(tmp_path / name, **env))[0])
    store = PostgresStore(postgres_url)
    await store.open()
    try:
        await _seed(store, graph, connector, count=count, tenants=("tenant-one",))
        await connector.emulator.wait_for(lambda e: len(e.activities()) >= count, timeout=120)
        for bot in bots:
            await stop(bot)
        assert await store.reminder_counts() == {ReminderState.SENT: count}
    finally:
        await store.close()
        for bot in bots:
            await _kill(bot)

    assert connector.emulator.throttled == []  # several senders, and not one 429
    counts = connector.emulator.tenant_counts("tenant-one")
    assert (counts.accepted, counts.throttled, counts.duplicates) == (count, 0, 0)
    connection = await asyncpg.connect(postgres_url)
    try:
        workers = await connection.fetchval("SELECT count(DISTINCT worker) FROM reminders")
    finally:
        await connection.close()
    assert workers >= 2  # (each claims up to 64 at once)


@pytest.mark.parametrize("engine", ["sqlite", "postgres"])
async def test_a_process_killed_mid_send_and_restarted_delivers_all_once(
    engine: str,
    graph: RunningGraph,
    connector: RunningConnector,
    request: pytest.FixtureRequest,
    tmp_path: Path,
) -> None:
    if engine == "postgres":
        database_url = request.getfixturevalue("postgres_url")
        store: Store = PostgresStore(database_url)
    else:
        path = tmp_path / "meetbot.db"
        database_url = f"sqlite:///{path}"
        store = SqliteStore(path)
    await store.open()
    env = _bot_env(graph, database_url, TEAMS_SEND_RATE="100", REMINDER_LEASE_SECONDS="2")
    try:
        await _seed(store, graph, connector)
        process, _ = await start_bot(tmp_path, **env)
        try:
            await connector.emulator.wait_for(lambda e: len(e.activities()) >= 150, timeout=60)
            process.send_signal(signal.SIGKILL)
            await process.wait()
        finally:
            await _kill(process)
        at_kill = len(connector.emulator.activities())
        assert at_kill < COUNT, "the process finished before it was killed"

        process, _ = await start_bot(tmp_path, **env)
        try:
            await connector.emulator.wait_for(lambda e: len(e.activities()) >= COUNT, timeout=120)
            await stop(process)  # a clean stop lets in-flight sends be marked
        finally:
            await _kill(process)
        assert await store.reminder_counts() == {ReminderState.SENT: COUNT}
    finally:
        await store.close()

    keys = _delivery_keys(connector)
    assert len(keys) == COUNT and set(keys.values()) == {1}  # every one delivered, none twice
    # Resends after the kill were recognised by their delivery key; at most what was in flight.
    assert len(connector.emulator.duplicates) <= 64


@pytest.mark.parametrize("engine", ["sqlite", "postgres"])
async def test_a_process_killed_between_the_create_and_the_reminder_write_reconciles_it(
    engine: str,
    graph: RunningGraph,
    connector: RunningConnector,
    request: pytest.FixtureRequest,
    tmp_path: Path,
) -> None:
    """SIGKILL while Graph holds the answer to a create it has made; started again, the bot
    gives that meeting its one reminder and tells the chat, and books nothing twice."""
    if engine == "postgres":
        database_url = request.getfixturevalue("postgres_url")
        store: Store = PostgresStore(database_url)
    else:
        path = tmp_path / "meetbot.db"
        database_url = f"sqlite:///{path}"
        store = SqliteStore(path)
    user, cid = str(uuid.uuid4()), "a:killed-mid-meet"
    env = _bot_env(graph, database_url, REMINDER_LEASE_SECONDS="1")
    faults = graph.emulator.faults
    faults.inject(f"POST /users/{user}/events", slow=True, after=True)  # made, answer held
    activity = make_message(
        "meet Design review tomorrow 3pm for 30m",
        service_url=connector.url,
        conversation_id=cid,
        aad_object_id=user,
        local_now=datetime.now(UTC).astimezone(ZoneInfo("America/Los_Angeles")),
    )
    process, url = await start_bot(tmp_path, **env)
    try:
        async with httpx.AsyncClient(base_url=url, timeout=30) as client:
            turn = asyncio.create_task(client.post("/api/messages", json=activity))
            await faults.until_held()
            process.send_signal(signal.SIGKILL)
            await process.wait()
            with contextlib.suppress(httpx.HTTPError):  # the bot died before it answered
                await turn
    finally:
        await _kill(process)
    faults.release()
    (event,) = graph.emulator.events(user)
    await store.open()
    try:
        assert await store.reminder_counts() == {}  # the kill came before the reminder write

        process, _ = await start_bot(tmp_path, **env)
        try:
            await connector.emulator.wait_for(
                lambda e: any(
                    EN.created_late in card_text(a["content"])
                    for call in e.activities(cid)
                    for a in call.body.get("attachments") or []
                ),
                timeout=60,
            )
            await stop(process)
        finally:
            await _kill(process)
        assert [e["id"] for e in graph.emulator.events(user)] == [event["id"]]  # no duplicate
        (reminder,) = await store.open_reminders(user)
        assert reminder.event_id == event["id"]
        assert await store.reminder_counts() == {ReminderState.PENDING: 1}
    finally:
        await store.close()
    posts = [
        r for r in graph.emulator.requests if r.method == "POST" and r.path.endswith("/events")
    ]
    assert len(posts) == 2 and len({r.json["transactionId"] for r in posts}) == 1
