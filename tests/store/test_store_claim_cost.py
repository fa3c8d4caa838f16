"""A claim reads the few rows it takes, however many reminders are due: 10,000 reminders due at
once are claimed a few at a time, and a claim that read and sorted the whole backlog each time
would cost the fan-out more the longer its backlog.

Both engines are measured by what their own tools count: SQLite's virtual-machine steps (the
progress handler), PostgreSQL's rows per plan node (`EXPLAIN ANALYZE`)."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg

from bot.store import ReminderState, open_store
from bot.store.postgres import CLAIM_DUE as POSTGRES_CLAIM
from bot.store.sqlite import CLAIM_DUE as SQLITE_CLAIM
from bot.store.sqlite import SqliteStore
from tests.store.helpers import T0, make_reminder

LIMIT = 16
NOW = T0 + timedelta(days=1)  # every reminder made below is due by then
LEASE = timedelta(minutes=1)


def _due(count: int) -> list[Any]:
    """`count` due reminders, each in its own conversation, all due at the same moment (a
    fan-out's shape), and one whose claim's lease ran out."""
    due = [
        make_reminder(n, conversation_id=f"a:chat-{n}", next_attempt_at=T0) for n in range(count)
    ]
    due.append(
        make_reminder(
            count,
            conversation_id="a:lapsed",
            state=ReminderState.SENDING,
            lease_until=T0,
            next_attempt_at=T0 - timedelta(minutes=1),
        )
    )
    return due


async def _seed(store: Any, count: int) -> None:
    reminders = _due(count)
    for start in range(0, len(reminders), 500):
        await asyncio.gather(*(store.add_reminder(r) for r in reminders[start : start + 500]))


async def _sqlite_steps(tmp_path: Path, count: int) -> tuple[int, list[str]]:
    """SQLite VM steps (in thousands) of one claim with `count` reminders due; the ids."""
    path = tmp_path / f"claims-{count}.db"
    store = SqliteStore(path)
    await store.open()
    await _seed(store, count)
    await store.close()
    steps = 0

    def step() -> int:
        nonlocal steps
        steps += 1
        return 0

    with sqlite3.connect(path) as db:
        db.set_progress_handler(step, 1000)
        rows = db.execute(
            SQLITE_CLAIM,
            (
                ReminderState.SENDING.value,
                0,
                "w",
                ReminderState.PENDING.value,
                round(NOW.timestamp() * 1_000_000),  # as the store keeps moments: µs
                LIMIT,
            ),
        ).fetchall()
    return steps, [row[0] for row in rows]


async def test_a_sqlite_claim_costs_the_same_with_a_small_or_a_large_backlog(
    tmp_path: Path,
) -> None:
    small, taken_small = await _sqlite_steps(tmp_path, 100)
    large, taken_large = await _sqlite_steps(tmp_path, 4000)

    assert len(taken_small) == len(taken_large) == LIMIT
    assert "r4000" in taken_large  # the lapsed lease, due first, is in the claim
    assert large <= 2 * max(small, 1), (small, large)


async def test_a_postgres_claim_reads_no_more_rows_than_it_takes(postgres_url: str) -> None:
    store = open_store(postgres_url)
    await store.open()
    try:
        await _seed(store, 3000)
        db = await asyncpg.connect(postgres_url)
        try:
            # The planner's statistics of a table that grew, as autovacuum's analyze keeps them
            # (those of the empty table it was would favour reading everything).
            await db.execute("ANALYZE reminders")
            async with db.transaction():
                [plan] = json.loads(
                    await db.fetchval(
                        f"EXPLAIN (ANALYZE, FORMAT JSON) {POSTGRES_CLAIM}",
                        ReminderState.PENDING.value,
                        ReminderState.SENDING.value,
                        NOW,
                        LIMIT,
                        NOW + LEASE,
                        "w",
                    )
                )
                raise _RolledBack  # EXPLAIN ANALYZE ran the claim: undo it
        except _RolledBack:
            pass
        finally:
            await db.close()
        claimed = await store.claim_due(NOW, limit=LIMIT, lease=LEASE, worker="w")
    finally:
        await store.close()

    assert [r.id for r in claimed][:1] == ["r3000"] and len(claimed) == LIMIT
    read = max(_rows(plan["Plan"]))
    assert read <= 2 * LIMIT, read


class _RolledBack(Exception):
    pass


def _rows(node: dict[str, Any]) -> list[int]:
    """Rows each node of a plan produced (per loop), the node and everything under it."""
    found = [int(node.get("Actual Rows", 0))]
    for child in node.get("Plans", []):
        found += _rows(child)
    return found
