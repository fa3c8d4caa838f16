"""SqliteStorage keeps botbuilder state across restarts and refuses stale writes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from botbuilder.dialogs import DialogInstance, DialogState

from bot.store import EtagConflict, SqliteStorage, sqlite_path


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[SqliteStorage]:
    store = SqliteStorage(tmp_path / "state.db")
    await store.open()
    yield store
    await store.close()


async def test_dialog_state_survives_a_reopen(tmp_path: Path) -> None:
    first = SqliteStorage(tmp_path / "state.db")
    await first.open()
    stack = DialogState([DialogInstance(id="meet", state={"subject": "Design review"})])
    await first.write({"conv/1": {"DialogState": stack}})
    await first.close()

    second = SqliteStorage(tmp_path / "state.db")
    await second.open()
    value = (await second.read(["conv/1", "missing"]))["conv/1"]
    await second.close()
    restored = value["DialogState"]
    assert isinstance(restored, DialogState)
    assert restored.dialog_stack[0].id == "meet"
    assert restored.dialog_stack[0].state == {"subject": "Design review"}
    assert value["e_tag"] == "1"


async def test_a_stale_etag_is_refused_and_changes_nothing(storage: SqliteStorage) -> None:
    await storage.write({"k": {"n": 1}})
    mine = (await storage.read(["k"]))["k"]
    theirs = (await storage.read(["k"]))["k"]
    theirs["n"] = 2
    await storage.write({"k": theirs})

    mine["n"] = 3
    with pytest.raises(EtagConflict):
        await storage.write({"k": mine})
    assert (await storage.read(["k"]))["k"]["n"] == 2


async def test_a_failed_batch_writes_none_of_it(storage: SqliteStorage) -> None:
    await storage.write({"a": {"n": 1}})
    stale = (await storage.read(["a"]))["a"] | {"e_tag": "999"}
    with pytest.raises(EtagConflict):
        await storage.write({"b": {"n": 1}, "a": stale})
    assert await storage.read(["b"]) == {}


async def test_star_and_absent_etags_write_unconditionally(storage: SqliteStorage) -> None:
    await storage.write({"k": {"n": 1}})
    await storage.write({"k": {"n": 2, "e_tag": "*"}})
    await storage.write({"k": {"n": 3}})
    assert (await storage.read(["k"]))["k"]["n"] == 3


async def test_two_connections_to_one_file_see_each_others_etags(
    storage: SqliteStorage, tmp_path: Path
) -> None:
    other = SqliteStorage(tmp_path / "state.db")
    await other.open()
    try:
        await storage.write({"k": {"n": 1}})
        seen_here = (await storage.read(["k"]))["k"]
        seen_there = (await other.read(["k"]))["k"]
        await other.write({"k": seen_there | {"n": 2}})
        with pytest.raises(EtagConflict):
            await storage.write({"k": seen_here | {"n": 3}})
    finally:
        await other.close()


async def test_delete(storage: SqliteStorage) -> None:
    await storage.write({"k": {"n": 1}})
    await storage.delete(["k"])
    assert await storage.read(["k"]) == {}


def test_sqlite_urls() -> None:
    assert sqlite_path("sqlite:///meetbot.db") == Path("meetbot.db")
    assert sqlite_path("sqlite:////var/lib/meetbot.db") == Path("/var/lib/meetbot.db")
    with pytest.raises(ValueError):
        sqlite_path("postgresql://x")
