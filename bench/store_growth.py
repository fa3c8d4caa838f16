"""What a year of history costs the SQLite store: /healthz's query and the retention sweep.

Fills a fresh store file (the real schema, migrations included) with N finished reminders and
N meetings that ended long ago, plus a few hundred pending reminders, then prints:

- the health check (`Store.health`, which counts only open reminders), median of 20;
- the count of every reminder by state (`reminder_counts`, what /healthz read before
  `RETENTION_DAYS`), median of 5: it reads the whole due index, and the store's one thread
  serves nothing else meanwhile;
- the retention sweep: `prune` in batches of 500 until nothing is left, with the longest batch
  (how long one sweep transaction holds the store's thread).

    python bench/store_growth.py [--rows 1000000] [--keep PATH]

A million rows take about a minute to write and ~400 MB of disk in a temporary directory.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.store.sqlite import SqliteStore

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
PENDING = 300
BATCH = 500
FINAL_STATES = ("sent", "sent", "sent", "sent", "skipped", "cancelled", "failed", "undeliverable")


def _us(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(microseconds=1)


def _fill(path: Path, rows: int) -> None:
    """Rows as the store writes them, in bulk (a `meet` writes one of each per transaction)."""
    db = sqlite3.connect(path)
    old = NOW - timedelta(days=400)

    def reminder(n: int, state: str, due: datetime) -> tuple[Any, ...]:
        ends = _us(due + timedelta(minutes=40))
        return (
            f"{n:032x}", f"key-{n:028x}", f"user-{n % 5000:05d}", f"a:conv-{n % 5000:05d}",
            f"AAMkAD-event-{n:024x}", "Design review", _us(due), ends, 600, "UTC", "en-US",
            "meet", _us(due), state, 1, None, None, f"1:{n}", None,
        )  # fmt: skip

    def meeting(n: int) -> tuple[Any, ...]:
        return (
            f"AAMkAD-event-{n:024x}", "event", f"user-{n % 5000:05d}", f"a:conv-{n % 5000:05d}",
            "Design review", _us(old), _us(old), "https://teams.microsoft.com/l/meetup-join/x",
            _us(old),
        )  # fmt: skip

    chunk = 50_000
    for start in range(0, rows, chunk):
        numbers = range(start, min(start + chunk, rows))
        db.executemany(
            "INSERT INTO reminders (id, key, user_id, conversation_id, event_id, subject, "
            "starts_at, ends_at, lead_seconds, zone, locale, source, next_attempt_at, state, "
            "attempts, lease_until, worker, activity_id, detail) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                reminder(n, FINAL_STATES[n % len(FINAL_STATES)], old + timedelta(seconds=n))
                for n in numbers
            ),
        )
        db.executemany(
            "INSERT INTO meetings (meeting_id, kind, user_id, conversation_id, subject, "
            "starts_at, ends_at, join_url, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (meeting(n) for n in numbers),
        )
        db.commit()
    db.executemany(
        "INSERT INTO reminders (id, key, user_id, conversation_id, event_id, subject, "
        "starts_at, ends_at, lead_seconds, zone, locale, source, next_attempt_at, state) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (reminder(rows + n, "pending", NOW + timedelta(hours=n))[:14] for n in range(PENDING)),
    )
    db.commit()
    db.close()


async def _times(call: Callable[[], Awaitable[Any]], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        await call()
        out.append((time.perf_counter() - started) * 1000)
    return out


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="write the store file here (else a temp dir)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        path = args.keep or Path(scratch) / "growth.db"
        store = SqliteStore(path)
        await store.open()  # the schema
        await store.close()
        started = time.perf_counter()
        _fill(path, args.rows)
        print(
            f"{args.rows:,} finished reminders and {args.rows:,} ended meetings, {PENDING} "
            f"pending: written in {time.perf_counter() - started:.0f} s, "
            f"{path.stat().st_size / 2**20:.0f} MB"
        )
        store = SqliteStore(path)
        await store.open()
        try:
            health = await _times(store.health, 20)
            full = await _times(store.reminder_counts, 5)
            print(f"health check (open reminders only): median {statistics.median(health):.2f} ms")
            print(f"count of every reminder by state:   median {statistics.median(full):.1f} ms")
            batches: list[float] = []
            deleted = 0
            started = time.perf_counter()
            while True:
                began = time.perf_counter()
                gone = await store.prune(NOW - timedelta(days=30), limit=BATCH)
                batches.append((time.perf_counter() - began) * 1000)
                if not gone:
                    break
                deleted += gone
            took = time.perf_counter() - started
            print(
                f"retention sweep: {deleted:,} rows in {len(batches)} batches of up to {BATCH} "
                f"per table, {took:.1f} s ({deleted / took:,.0f} rows/s); batch median "
                f"{statistics.median(batches):.1f} ms, longest {max(batches):.1f} ms"
            )
            counts = await store.reminder_counts()
            print(f"left: {dict((state.value, n) for state, n in counts.items())}")
        finally:
            await store.close()


if __name__ == "__main__":
    asyncio.run(main())
