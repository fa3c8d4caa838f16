"""Bot state (dialog stacks, conversation state) in SQLite, with eTag concurrency.

botbuilder's `MemoryStorage` loses every conversation on restart; this keeps them in a WAL-mode
SQLite file. Values are serialized with jsonpickle exactly like botbuilder's own Azure storages,
because dialog state holds botbuilder objects (`DialogState`, `DialogInstance`), not plain JSON.

Concurrency follows botbuilder's contract: a value read with an `e_tag` may only be written back
while the stored `e_tag` is unchanged (else `EtagConflict`, a `KeyError` like MemoryStorage's);
`"*"` or no `e_tag` writes unconditionally. The check and the write happen in one
`BEGIN IMMEDIATE` transaction, so two processes sharing the file cannot both win.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aiosqlite
import jsonpickle
from botbuilder.core import Storage

_SCHEMA = """
CREATE TABLE IF NOT EXISTS bot_state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    etag  INTEGER NOT NULL
)
"""


class EtagConflict(KeyError):
    """Someone else wrote the value since it was read."""


def sqlite_path(database_url: str) -> Path:
    """`sqlite:///relative.db`, `sqlite:////abs/path.db` -> a filesystem path."""
    if not database_url.startswith("sqlite:///"):
        raise ValueError("not a sqlite:/// URL")
    return Path(database_url.removeprefix("sqlite:///"))


class SqliteStorage(Storage):  # type: ignore[misc]
    def __init__(self, path: Path) -> None:
        super().__init__()
        self._path = path
        self._db: aiosqlite.Connection | None = None

    async def open(self) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        db = await aiosqlite.connect(self._path, isolation_level=None)
        await db.execute("PRAGMA journal_mode=WAL")
        await db.execute("PRAGMA busy_timeout=5000")
        await db.execute(_SCHEMA)
        self._db = db

    async def close(self) -> None:
        if self._db is not None:
            await self._db.close()
            self._db = None

    async def read(self, keys: list[str]) -> dict[str, Any]:
        if not keys:
            return {}
        db = self._connection()
        marks = ",".join("?" for _ in keys)
        query = f"SELECT key, value, etag FROM bot_state WHERE key IN ({marks})"  # noqa: S608
        async with db.execute(query, list(keys)) as cursor:
            rows = await cursor.fetchall()
        return {str(key): _restore(str(value), int(etag)) for key, value, etag in rows}

    async def write(self, changes: dict[str, Any]) -> None:
        if changes is None:
            raise ValueError("changes are required when writing")
        if not changes:
            return
        db = self._connection()
        await db.execute("BEGIN IMMEDIATE")
        try:
            for key, value in changes.items():
                await self._write_one(db, key, value)
        except BaseException:
            await db.execute("ROLLBACK")
            raise
        await db.execute("COMMIT")

    async def delete(self, keys: list[str]) -> None:
        db = self._connection()
        await db.executemany("DELETE FROM bot_state WHERE key = ?", [(key,) for key in keys])

    async def _write_one(self, db: aiosqlite.Connection, key: str, value: Any) -> None:
        expected = _etag_of(value)
        async with db.execute("SELECT etag FROM bot_state WHERE key = ?", (key,)) as cursor:
            row = await cursor.fetchone()
        current = int(row[0]) if row else None
        if expected not in (None, "*") and current is not None and str(current) != expected:
            raise EtagConflict(f"eTag conflict for {key}: read {expected}, stored {current}")
        new_etag = (current or 0) + 1
        await db.execute(
            "INSERT INTO bot_state (key, value, etag) VALUES (?, ?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value, etag = excluded.etag",
            (key, _flatten(value), new_etag),
        )
        _set_etag(value, str(new_etag))  # the caller's copy is now current

    def _connection(self) -> aiosqlite.Connection:
        if self._db is None:
            raise RuntimeError("SqliteStorage.open() was not awaited")
        return self._db


def _flatten(value: Any) -> str:
    data = jsonpickle.Pickler(unpicklable=True, make_refs=False).flatten(value)
    if isinstance(data, dict):
        data.pop("e_tag", None)
    return json.dumps(data)


def _restore(text: str, etag: int) -> Any:
    value = jsonpickle.Unpickler().restore(json.loads(text))
    _set_etag(value, str(etag))
    return value


def _etag_of(value: Any) -> str | None:
    etag = value.get("e_tag") if isinstance(value, dict) else getattr(value, "e_tag", None)
    return None if etag is None else str(etag)


def _set_etag(value: Any, etag: str) -> None:
    if isinstance(value, dict):
        value["e_tag"] = etag
    elif hasattr(value, "e_tag"):
        value.e_tag = etag
