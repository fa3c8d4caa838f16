"""Operations, as an admin sees them: the logs of a full run of `meetbot run` and /healthz.

The bot runs as a real process with real secrets configured (the Graph app registration's
client secret, the Azure Bot's password); every line it writes must be one JSON object, the
lines of a turn must carry its activity and conversation ids and Graph's request-id, and no
secret or access token may appear anywhere in them.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.app import create_app
from bot.serve import serve
from bot.services import SERVICES, Services
from bot.settings import load_settings, resolve
from bot.teams import middleware
from bot.teams.handler import MeetBot
from emulators.graph import GraphEmulator, GraphEmulatorConfig
from emulators.tls import TlsIdentity
from tests.conftest import RunningConnector, RunningGraph
from tests.factories import make_message
from tests.processes import start_bot

TENANT = "8f3c1d2e-4b5a-4c6d-8e7f-9a0b1c2d3e4f"
GRAPH_CLIENT = "4a1b2c3d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
GRAPH_SECRET = "gS8~Q" + "x" * 8 + "-secret.value_" + "Z" * 12  # shaped like an Entra secret
BOT_ID = "7d2c9e4f-1a3b-4c5d-9e8f-a1b2c3d4e5f6"
BOT_PASSWORD = "bP4~" + "y" * 10 + "_bot.password-" + "W" * 10

COMMANDS = (
    "help",
    "meet Design review tomorrow 3pm for 45m with adele@contoso.com remind 5m",
    "meet now Quick sync",
    "upcoming",
    "online",
    "providers",
    "schedule",
    "reminders",
    "remind me about all my meetings",
    "stop reminders",
    "frobnicate the widgets",
    "meet",
    "cancel",
)


@pytest.fixture
async def graph_app(
    tls_identity: TlsIdentity, tmp_path: Path
) -> AsyncIterator[tuple[GraphEmulator, str, Path]]:
    """A Graph emulator that knows the test's app registrations, as Entra would."""
    emulator = GraphEmulator(
        GraphEmulatorConfig(
            tenant_id=TENANT, clients={GRAPH_CLIENT: GRAPH_SECRET, BOT_ID: BOT_PASSWORD}
        )
    )
    served = await serve(emulator.app, ssl_context=tls_identity.server_context())
    ca_file = tls_identity.write_cert(tmp_path / "graph-ca.pem")
    yield emulator, served.url, ca_file
    await served.close()


@pytest.fixture
async def bot_services(
    graph: RunningGraph, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> AsyncIterator[tuple[Services, httpx.AsyncClient]]:
    """The bot served in this test's event loop, with its running parts at hand."""
    monkeypatch.chdir(tmp_path)
    settings = load_settings(GRAPH_BASE_URL=f"{graph.url}/v1.0", GRAPH_CA_BUNDLE=str(graph.ca_file))
    app = create_app(resolve(settings))
    served = await serve(app)
    async with httpx.AsyncClient(base_url=served.url) as client:
        yield app[SERVICES], client
    await served.close()


async def _drain(stream: asyncio.StreamReader, into: list[str]) -> None:
    while raw := await stream.readline():
        into.append(raw.decode().rstrip("\n"))


async def _run_bot(tmp_path: Path, env: dict[str, str], work: Any) -> list[str]:
    """Start `meetbot run` with `env`, do `work(url)`, stop it; every line it wrote to stderr."""
    process, url = await start_bot(tmp_path, **env)
    assert process.stderr is not None
    lines: list[str] = []
    reader = asyncio.create_task(_drain(process.stderr, lines))
    try:
        await work(url)
    finally:
        process.terminate()
        code = await asyncio.wait_for(process.wait(), 15)
        await asyncio.wait_for(reader, 5)
        print("\n".join(lines))  # shown by pytest when the test fails
    assert code == 0
    return lines


def _graph_env(url: str, ca_file: Path) -> dict[str, str]:
    return {
        "GRAPH_BASE_URL": f"{url}/v1.0",
        "GRAPH_AUTHORITY_HOST": url,
        "GRAPH_CA_BUNDLE": str(ca_file),
        "GRAPH_TENANT_ID": TENANT,
        "GRAPH_CLIENT_ID": GRAPH_CLIENT,
        "GRAPH_CLIENT_SECRET": GRAPH_SECRET,
        "LOG_LEVEL": "DEBUG",
    }


def _records(lines: list[str]) -> list[dict[str, Any]]:
    records = []
    for line in lines:
        record = json.loads(line)  # every line is one JSON object, tracebacks included
        assert isinstance(record, dict)
        assert {"time", "level", "logger", "message"} <= record.keys()
        records.append(record)
    return records


async def test_a_full_run_logs_json_lines_with_ids_and_no_secret(
    tmp_path: Path,
    graph_app: tuple[GraphEmulator, str, Path],
    connector: RunningConnector,
) -> None:
    emulator, graph_url, ca_file = graph_app
    sent: list[dict[str, Any]] = []

    async def work(url: str) -> None:
        async with httpx.AsyncClient(base_url=url, timeout=30) as client:
            for text in COMMANDS:
                activity = make_message(text, service_url=connector.url)
                sent.append(activity)
                response = await client.post("/api/messages", json=activity)
                assert response.status_code in {200, 201}, (text, response.text)
            health = await client.get("/healthz")
            assert health.status_code == 200, health.text

    lines = await _run_bot(tmp_path, _graph_env(graph_url, ca_file), work)
    records = _records(lines)

    # The run really used the secret and its tokens: Graph answered the bot's calls.
    tokens = emulator.issued_tokens
    assert tokens, "the bot never fetched a Graph token"
    assert any(r.method == "POST" and r.path.endswith("/events") for r in emulator.requests)
    text = "\n".join(lines)
    for secret in (GRAPH_SECRET, *tokens):
        assert secret not in text
    assert "Bearer " not in text

    # Each turn's lines carry its ids, and Graph calls carry Graph's request-id.
    meet = sent[1]
    turn = [r for r in records if r.get("activity_id") == meet["id"]]
    assert turn, "no log line carries the meet activity's id"
    assert all(r.get("conversation_id") == meet["conversation"]["id"] for r in turn)
    graph_lines = [r for r in turn if r.get("graph_request_id")]
    assert graph_lines, "no log line of the meet turn carries a Graph request-id"
    answered = {r.request_id for r in emulator.requests}
    assert {r["graph_request_id"] for r in graph_lines} <= answered
    assert any(r.get("activity_type") == "message" and r.get("status") for r in turn)


async def test_refused_requests_log_neither_the_password_nor_the_token(
    tmp_path: Path, graph_app: tuple[GraphEmulator, str, Path]
) -> None:
    _, graph_url, ca_file = graph_app
    forged = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJodHRwczovL2V2aWwuZXhhbXBsZSJ9.c2lnbmF0dXJl"
    env = _graph_env(graph_url, ca_file) | {
        "MicrosoftAppId": BOT_ID,
        "MicrosoftAppPassword": BOT_PASSWORD,
        "MicrosoftAppType": "SingleTenant",
        "MicrosoftAppTenantId": TENANT,
        "HOST": "127.0.0.1",
    }
    env.pop("GRAPH_CLIENT_ID")
    env.pop("GRAPH_CLIENT_SECRET")  # Graph uses the bot's own registration

    async def work(url: str) -> None:
        activity = make_message("meet now", service_url="http://127.0.0.1:9")
        async with httpx.AsyncClient(base_url=url, timeout=30) as client:
            for header in (
                {},
                {"Authorization": f"Bearer {forged}"},
                {"Authorization": BOT_PASSWORD},
            ):
                response = await client.post("/api/messages", json=activity, headers=header)
                assert response.status_code == 401

    lines = await _run_bot(tmp_path, env, work)
    records = _records(lines)
    text = "\n".join(lines)
    assert BOT_PASSWORD not in text
    assert forged not in text
    assert sum(r.get("status") == 401 for r in records) == 3


async def test_healthz_reports_the_store_and_the_scheduler(
    bot_url: str,
) -> None:
    async with httpx.AsyncClient(base_url=bot_url) as client:
        response = await client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["store"]["ok"] is True
    assert body["store"]["engine"] == "sqlite"
    assert body["store"]["reminders"] == {"pending": 0, "sending": 0}  # what is open, only
    assert body["scheduler"]["ok"] is True
    assert body["scheduler"]["running"] is True
    assert body["scheduler"]["last_round_age_s"] is not None


async def test_healthz_is_503_when_the_store_stops_answering(
    bot_services: tuple[Services, httpx.AsyncClient],
) -> None:
    services, client = bot_services
    await services.store.close()  # the database is gone from under the running bot
    try:
        response = await client.get("/healthz")
    finally:
        await services.store.open()  # so the app shuts down as usual
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unhealthy"
    assert body["store"]["ok"] is False
    assert "error" in body["store"]


async def test_healthz_is_503_when_the_scheduler_has_stopped(
    bot_services: tuple[Services, httpx.AsyncClient],
) -> None:
    _, client = bot_services
    [runner] = [t for t in asyncio.all_tasks() if t.get_name() == "reminder-scheduler"]
    runner.cancel()
    await asyncio.gather(runner, return_exceptions=True)
    response = await client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["store"]["ok"] is True
    assert body["scheduler"] | {"ok": False, "running": False} == body["scheduler"]


async def test_a_membership_event_waits_a_while_for_its_conversations_turn_then_runs(
    bot_services: tuple[Services, httpx.AsyncClient],
    connector: RunningConnector,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Teams waits on a conversationUpdate's HTTP answer (no Pacer answers it early): behind a
    turn of its conversation that does not end, it runs after `NOT_PACED_WAIT_S`."""
    services, client = bot_services
    assert isinstance(services.bot, MeetBot)
    monkeypatch.setattr(middleware, "NOT_PACED_WAIT_S", 0.05)
    turns = services.turns
    assert turns is not None
    busy = turns.turn("a:busy", None)
    assert await busy.__aenter__()  # a turn of this conversation, still running
    try:
        added = make_message("", service_url=connector.url, conversation_id="a:busy") | {
            "type": "conversationUpdate",
            "text": None,
            "membersAdded": [{"id": "28:meetbot-app-id"}],
        }
        answer = await asyncio.wait_for(client.post("/api/messages", json=added), timeout=10)
        assert answer.status_code in (200, 201)
        assert len(connector.emulator.activities("a:busy")) == 1  # the help card
        assert len(turns) == 1  # the busy turn still holds its conversation
    finally:
        await busy.__aexit__(None, None, None)
    assert len(turns) == 0
