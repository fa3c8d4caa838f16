"""The botbuilder `Storage` side of both stores: state survives restarts, stale writes fail."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from botbuilder.dialogs import DialogInstance, DialogState

from bot.store import (
    EtagConflict,
    PostgresStore,
    SqliteStore,
    Store,
    open_store,
    postgres,
    sqlite,
    sqlite_path,
)
from bot.store.serialize import _flatten
from tests.store.helpers import OpenStore


async def test_dialog_state_survives_a_reopen(open_another: OpenStore) -> None:
    stack = DialogState([DialogInstance(id="meet", state={"subject": "Design review"})])
    async with open_another() as first:
        await first.write({"conv/1": {"DialogState": stack}})

    async with open_another() as second:
        value = (await second.read(["conv/1", "missing"]))["conv/1"]
    restored = value["DialogState"]
    assert isinstance(restored, DialogState)
    assert restored.dialog_stack[0].id == "meet"
    assert restored.dialog_stack[0].state == {"subject": "Design review"}
    assert value["e_tag"] == "1"


async def test_read_finds_only_what_exists(store: Store) -> None:
    assert await store.read([]) == {}
    assert await store.read(["nothing"]) == {}
    await store.write({"a": {"n": 1}, "b": {"n": 2}})
    found = await store.read(["a", "b", "c"])
    assert {key: value["n"] for key, value in found.items()} == {"a": 1, "b": 2}


async def test_a_write_gives_the_caller_the_new_etag(store: Store) -> None:
    value = {"n": 1}
    await store.write({"k": value})
    assert value["e_tag"] == "1"
    value["n"] = 2
    await store.write({"k": value})  # its own eTag is current: no conflict
    assert value["e_tag"] == "2"
    assert (await store.read(["k"]))["k"] == {"n": 2, "e_tag": "2"}


async def test_a_stale_etag_is_refused_and_changes_nothing(store: Store) -> None:
    await store.write({"k": {"n": 1}})
    mine = (await store.read(["k"]))["k"]
    theirs = (await store.read(["k"]))["k"]
    theirs["n"] = 2
    await store.write({"k": theirs})

    mine["n"] = 3
    with pytest.raises(EtagConflict):
        await store.write({"k": mine})
    assert (await store.read(["k"]))["k"]["n"] == 2


async def test_a_failed_batch_writes_none_of_it(store: Store) -> None:
    await store.write({"a": {"n": 1}})
    stale = (await store.read(["a"]))["a"] | {"e_tag": "999"}
    fresh = {"n": 1}
    with pytest.raises(EtagConflict):
        await store.write({"b": fresh, "a": stale, "c": {"n": 1}})
    assert await store.read(["b", "c"]) == {}
    assert "e_tag" not in fresh  # nothing was committed, so the caller's copy is unchanged
    assert (await store.read(["a"]))["a"]["e_tag"] == "1"


async def test_star_and_absent_etags_write_unconditionally(store: Store) -> None:
    await store.write({"k": {"n": 1}})
    await store.write({"k": {"n": 2, "e_tag": "*"}})
    await store.write({"k": {"n": 3}})
    assert (await store.read(["k"]))["k"] == {"n": 3, "e_tag": "3"}


async def test_two_store_objects_see_each_others_etags(
    store: Store, open_another: OpenStore
) -> None:
    async with open_another() as other:
        await store.write({"k": {"n": 1}})
        seen_here = (await store.read(["k"]))["k"]
        seen_there = (await other.read(["k"]))["k"]
        await other.write({"k": seen_there | {"n": 2}})
        with pytest.raises(EtagConflict):
            await store.write({"k": seen_here | {"n": 3}})


async def test_racing_creators_of_one_new_key_all_land_one_after_another(
    store: Store, open_another: OpenStore
) -> None:
    async with open_another() as other:
        writes = [(store if i % 2 else other).write({"new": {"writer": i}}) for i in range(20)]
        await asyncio.gather(*writes)
        assert (await store.read(["new"]))["new"]["e_tag"] == "20"


async def test_racing_writers_with_one_etag_only_one_wins(
    store: Store, open_another: OpenStore
) -> None:
    await store.write({"k": {"n": 0}})
    async with open_another() as other:
        read = (await store.read(["k"]))["k"]
        writes = [(store if i % 2 else other).write({"k": read | {"n": i}}) for i in range(1, 11)]
        results = await asyncio.gather(*writes, return_exceptions=True)
    assert sum(result is None for result in results) == 1
    assert all(isinstance(result, EtagConflict) for result in results if result is not None)
    assert (await store.read(["k"]))["k"]["e_tag"] == "2"


async def test_delete(store: Store) -> None:
    await store.write({"k": {"n": 1}, "keep": {"n": 2}})
    await store.delete(["k", "never-written"])
    await store.delete([])
    assert list(await store.read(["k", "keep"])) == ["keep"]


async def test_an_unopened_store_says_so(database_url: str) -> None:
    with pytest.raises(RuntimeError, match=r"open\(\)"):
        await open_store(database_url).read(["k"])


# --- migrations -----------------------------------------------------------------------------


def _migrations(store: Store) -> tuple[object, ...]:
    return sqlite.MIGRATIONS if isinstance(store, SqliteStore) else postgres.MIGRATIONS


async def test_open_migrates_to_the_last_step_and_a_reopen_changes_nothing(
    store: Store, open_another: OpenStore
) -> None:
    assert isinstance(store, SqliteStore | PostgresStore)
    assert await store.schema_version() == len(_migrations(store)) >= 2
    await store.write({"k": {"n": 1}})
    async with open_another() as again:
        assert isinstance(again, SqliteStore | PostgresStore)
        assert await again.schema_version() == len(_migrations(store))
        assert (await again.read(["k"]))["k"]["n"] == 1
    await store.open()  # opening an open store is a no-op too
    assert await store.reminder_counts() == {}


async def test_instances_starting_together_migrate_once(open_another: OpenStore) -> None:
    async def start() -> int:
        async with open_another() as started:
            assert isinstance(started, SqliteStore | PostgresStore)
            await started.write({f"k{id(started)}": {"n": 1}})
            return await started.schema_version()

    versions = await asyncio.gather(*(start() for _ in range(4)))
    assert len(set(versions)) == 1 and versions[0] >= 2


async def test_an_old_sqlite_file_keeps_its_dialog_state(tmp_path: Path) -> None:
    """The previous version's file: only `bot_state`, no `schema_version`."""
    path = tmp_path / "meetbot.db"
    stack = DialogState([DialogInstance(id="meet", state={"step": 2})])
    old = sqlite3.connect(path)
    old.execute(
        "CREATE TABLE bot_state (key TEXT PRIMARY KEY, value TEXT NOT NULL, etag INTEGER NOT NULL)"
    )
    old.execute(
        "INSERT INTO bot_state VALUES (?, ?, ?)",
        ("conv/1", _flatten({"DialogState": stack, "n": 7}), 4),
    )
    old.commit()
    old.close()

    store = SqliteStore(path)
    await store.open()
    try:
        assert await store.schema_version() == len(_migrations(store))
        value = (await store.read(["conv/1"]))["conv/1"]
        assert value["n"] == 7
        assert value["DialogState"].dialog_stack[0].state == {"step": 2}
        assert value["e_tag"] == "4"
        value["n"] = 8
        await store.write({"conv/1": value})  # its eTag carries on from the old file's
        assert (await store.read(["conv/1"]))["conv/1"]["e_tag"] == "5"
        assert await store.next_attempt_at() is None  # the new tables are there
    finally:
        await store.close()


# --- URLs -----------------------------------------------------------------------------------


def test_sqlite_urls() -> None:
    assert sqlite_path("sqlite:///meetbot.db") == Path("meetbot.db")
    assert sqlite_path("sqlite:////var/lib/meetbot.db") == Path("/var/lib/meetbot.db")
    with pytest.raises(ValueError):
        sqlite_path("postgresql://x")


def test_open_store_picks_the_engine_by_url() -> None:
    sqlite_store = open_store("sqlite:////var/lib/meetbot.db")
    assert isinstance(sqlite_store, SqliteStore)
    assert sqlite_store.path == Path("/var/lib/meetbot.db")
    assert isinstance(open_store("postgresql://u@db:5432/meetbot"), PostgresStore)
    assert isinstance(open_store("postgres://u@db/meetbot"), PostgresStore)
    for url in ("mysql://u@db/meetbot", "meetbot.db", "sqlite://meetbot.db", ""):
        with pytest.raises(ValueError, match="DATABASE_URL") as raised:
            open_store(url)
        assert "\n" not in str(raised.value)
