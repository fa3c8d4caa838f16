"""Each consumer's Protocol is one kind of row; an engine is all of them, or cannot be made."""

from __future__ import annotations

from typing import Any

import pytest
from botbuilder.core import Storage

from bot.store import (
    MeetingStore,
    PendingCreateStore,
    PostgresStore,
    ReferenceStore,
    ReminderStore,
    RetentionStore,
    SendBudgetStore,
    SqliteStore,
    Store,
    StoreHealth,
    WatchStore,
)

PROTOCOLS = (
    ReferenceStore,
    MeetingStore,
    ReminderStore,
    PendingCreateStore,
    WatchStore,
    SendBudgetStore,
    RetentionStore,
    StoreHealth,
)


@pytest.mark.parametrize("engine", [SqliteStore, PostgresStore])
def test_each_engine_is_botbuilder_storage_and_every_protocol(engine: type[Store]) -> None:
    assert issubclass(engine, Storage)
    assert all(protocol in engine.__mro__ for protocol in PROTOCOLS)


def _members(protocol: type[Any]) -> set[str]:
    return {name for name in vars(protocol) if not name.startswith("_")}


def test_no_method_is_in_two_protocols() -> None:
    seen: set[str] = set()
    for protocol in PROTOCOLS:
        members = _members(protocol)
        assert not members & seen, protocol.__name__
        seen |= members


def test_an_engine_missing_a_method_cannot_be_made() -> None:
    class Partial(Store):
        async def open(self) -> None: ...

        async def close(self) -> None: ...

    with pytest.raises(TypeError, match="add_reminder"):
        Partial()
