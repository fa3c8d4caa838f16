"""A PostgreSQL server that stops answering (its processes stopped with SIGSTOP): every store
call gives up within STORE_TIMEOUT_SECONDS, the turn fails before any Graph call and says the
bot's database is not answering, and /healthz answers 503 with the store not ok.

Before the bound, the turn waited for as long as the server was stopped, and then booked the
meeting, long after the user had given up. The server here is the test's own (not the
session's shared one), so stopping it affects no other test; it is always continued.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from bot.app import create_app
from bot.i18n import catalog_for
from bot.serve import serve
from bot.settings import load_settings, resolve
from tests import postgres
from tests.conftest import RunningConnector, RunningGraph
from tests.factories import make_message, new_conversation_id

LA = ZoneInfo("America/Los_Angeles")
MORNING = datetime(2026, 11, 21, 9, 0, tzinfo=LA)
TIMEOUT_S = 0.5
# A turn makes a few store calls before it gives up (the state read, then none): generous for
# a loaded 2-core machine, and far below "as long as the database is stopped".
TURN_BOUND_S = 8 * TIMEOUT_S


@pytest.fixture
async def bot_url(
    own_postgres: postgres.OwnServer,
    graph: RunningGraph,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> AsyncIterator[str]:
    monkeypatch.chdir(tmp_path)
    settings = load_settings(
        GRAPH_BASE_URL=f"{graph.url}/v1.0",
        GRAPH_CA_BUNDLE=str(graph.ca_file),
        DATABASE_URL=own_postgres.url,
        STORE_TIMEOUT_SECONDS=TIMEOUT_S,
    )
    served = await serve(create_app(resolve(settings)))
    yield served.url
    await served.close()


def _graph_writes(graph: RunningGraph) -> list[tuple[str, str]]:
    return [
        (r.method, r.path)
        for r in graph.emulator.requests
        if r.method != "GET" and r.path.startswith("/v1.0/")
    ]


async def test_a_stopped_database_fails_the_turn_before_graph_and_healthz_says_so(
    bot_url: str,
    own_postgres: postgres.OwnServer,
    graph: RunningGraph,
    connector: RunningConnector,
) -> None:
    conversation = new_conversation_id()

    def message(text: str) -> dict[str, Any]:
        return make_message(
            text, service_url=connector.url, conversation_id=conversation, local_now=MORNING
        )

    async with httpx.AsyncClient(base_url=bot_url, timeout=30) as client:
        await client.post("/api/messages", json=message("help"))  # the conversation is known
        assert (await client.get("/healthz")).status_code == 200
        answered = len(connector.emulator.activities(conversation))

        with postgres.frozen(own_postgres.directory):
            started = time.monotonic()
            response = await client.post("/api/messages", json=message("meet Budget tomorrow 3pm"))
            await connector.emulator.wait_for(
                lambda e: len(e.activities(conversation)) > answered, timeout=30
            )
            replied_after = time.monotonic() - started
            health = await client.get("/healthz")

        assert response.status_code in {200, 201}
        assert replied_after < TURN_BOUND_S
        reply = connector.emulator.activities(conversation)[-1]
        assert reply.body["text"] == catalog_for("en").store_not_answering
        assert _graph_writes(graph) == []  # no create: not now, not once the server is back
        assert health.status_code == 503
        assert health.json()["store"]["ok"] is False
        assert health.json()["store"]["engine"] == "postgresql"

        # Continued, the same bot recovers by itself: new connections, the next turn books.
        await client.post("/api/messages", json=message("meet Budget tomorrow 4pm"))
        assert [method for method, _ in _graph_writes(graph)] == ["POST"]
        assert await _healthy_again(client)


async def test_a_schedule_form_submitted_while_the_database_hangs_books_nothing(
    bot_url: str,
    own_postgres: postgres.OwnServer,
    graph: RunningGraph,
    connector: RunningConnector,
) -> None:
    """A card action reads no dialog state before its Graph call: the turn's state is read
    first all the same, so the form's create is never sent."""
    conversation = new_conversation_id()
    value = {
        "meetbot": "schedule_form",
        "subject": "Budget",
        "date": "2026-11-23",
        "time": "14:30",
        "duration": "30",
        "attendees": "",
    }
    submit = make_message(
        "", service_url=connector.url, conversation_id=conversation, local_now=MORNING, value=value
    )
    async with httpx.AsyncClient(base_url=bot_url, timeout=30) as client:
        await client.post("/api/messages", json={**submit, "value": None, "text": "help"})
        answered = len(connector.emulator.activities(conversation))
        with postgres.frozen(own_postgres.directory):
            await client.post("/api/messages", json=submit)
            await connector.emulator.wait_for(
                lambda e: len(e.activities(conversation)) > answered, timeout=30
            )

    assert _graph_writes(graph) == []
    reply = connector.emulator.activities(conversation)[-1]
    assert reply.body["text"] == catalog_for("en").store_not_answering


async def _healthy_again(client: httpx.AsyncClient, within_s: float = 10.0) -> bool:
    """Whether /healthz says 200 once the scheduler's next round has seen the store answer
    (its failing rounds count resets then, not at the moment the database comes back)."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if (await client.get("/healthz")).status_code == 200:
            return True
        await asyncio.sleep(0.05)  # polling a condition, bounded by the deadline
    return False
