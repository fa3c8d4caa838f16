"""Every store test runs on both engines: `store` is an opened SqliteStore, then PostgresStore."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.store import Store, open_store
from tests.store.helpers import OpenStore


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'meetbot.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def open_another(database_url: str) -> OpenStore:
    """Another store object (own connection or pool) on the same database."""

    @contextlib.asynccontextmanager
    async def opened() -> AsyncIterator[Store]:
        store = open_store(database_url)
        await store.open()
        try:
            yield store
        finally:
            await store.close()

    return opened


@pytest.fixture
async def store(open_another: OpenStore) -> AsyncIterator[Store]:
    async with open_another() as opened:
        yield opened
