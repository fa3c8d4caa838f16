"""Two real `meetbot run` processes in delegated mode on one PostgreSQL: Teams sends the same
`signin/tokenExchange` from each of the user's three open clients, and the load balancer spreads
them over both replicas. The command the user typed before signing in runs exactly once."""

from __future__ import annotations

import contextlib
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx

from bot.serve import serve
from emulators.teams_client import ClientSettings
from emulators.token_service import TokenService
from tests.conftest import RunningConnector, RunningGraph
from tests.delegated import CONNECTION, USER
from tests.e2e.test_sign_in import MEET, join_cards, me_event_posts
from tests.factories import USER_AAD_ID, make_message
from tests.processes import start_bot, stop

LA = ZoneInfo("America/Los_Angeles")


async def test_three_exchanges_over_two_replicas_run_the_kept_command_once(
    graph: RunningGraph, connector: RunningConnector, postgres_url: str, tmp_path: Path
) -> None:
    tokens = TokenService(key=graph.emulator.signing_key, tenant_id=graph.emulator.config.tenant_id)
    token_server = await serve(tokens.app)
    env = {
        "GRAPH_BASE_URL": f"{graph.url}/v1.0",
        "GRAPH_CA_BUNDLE": str(graph.ca_file),
        "GRAPH_PERMISSIONS": "delegated",
        "OAUTH_CONNECTION_NAME": CONNECTION,
        "OAUTH_URL": token_server.url,
        "DATABASE_URL": postgres_url,
        "LOG_LEVEL": "WARNING",  # stderr is a pipe nobody reads while the test runs
    }
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first, first_url = await start_bot(tmp_path / "a", **env)
    second, second_url = await start_bot(tmp_path / "b", **env)
    conversation = "a:1on1-two-replicas"
    connector.emulator.add_member(conversation, {"id": USER, "aadObjectId": USER_AAD_ID})
    client = connector.emulator.teams_client
    client.configure(
        ClientSettings(
            bot_url=f"{first_url}/api/messages",
            replicas=(f"{second_url}/api/messages",),
            answer="sso",
            clients=3,
            token_service=tokens,
        )
    )
    try:
        now = datetime.now(LA).replace(hour=9, minute=0)
        message = make_message(
            MEET, service_url=connector.url, conversation_id=conversation, local_now=now
        )
        async with httpx.AsyncClient(base_url=first_url, timeout=30) as http:
            assert (await http.post("/api/messages", json=message)).status_code in {200, 201}
        await connector.emulator.wait_for(
            lambda _: len(join_cards(connector, conversation)) >= 1, timeout=30
        )
        await client.idle()
        # Both replicas drain their late turns on SIGTERM: whatever a duplicate started, ends.
        await stop(first)
        await stop(second)
    finally:
        for process in (first, second):
            if process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                await process.wait()
        await token_server.close()

    exchanges = [i for i in client.invokes if i.name == "signin/tokenExchange"]
    assert [i.status for i in exchanges] == [200, 200, 200]
    assert len({i.value["id"] for i in exchanges}) == 1  # one exchange, three copies
    [create] = me_event_posts(graph)
    assert create.oid == USER_AAD_ID
    assert len(graph.emulator.events(USER_AAD_ID)) == 1
    assert len(join_cards(connector, conversation)) == 1
