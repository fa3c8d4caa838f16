"""Meetbot in delegated mode for tests: served beside a token service stand-in whose tokens the
test's Graph emulator accepts, and the Teams client's side of sign-in as activity JSON."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bot.app import create_app
from bot.reminders import Clock
from bot.serve import Served, serve
from bot.settings import load_settings, resolve
from emulators.token_service import TokenService
from tests.conftest import RunningConnector, RunningGraph
from tests.factories import make_message

CONNECTION = "graph"  # OAUTH_CONNECTION_NAME
OAUTH_CARD = "application/vnd.microsoft.card.oauth"
USER = "29:user-teams-id"  # make_message's sender


@dataclass
class DelegatedBot:
    url: str
    app: web.Application
    tokens: TokenService
    token_server: Served


@contextlib.asynccontextmanager
async def serve_delegated(
    graph: RunningGraph, *, clock: Clock | None = None, **settings: str
) -> AsyncIterator[DelegatedBot]:
    """The bot with `GRAPH_PERMISSIONS=delegated` on `graph`, its token service on a socket."""
    tokens = TokenService(key=graph.emulator.signing_key, tenant_id=graph.emulator.config.tenant_id)
    token_server = await serve(tokens.app)
    resolved = resolve(
        load_settings(
            GRAPH_BASE_URL=f"{graph.url}/v1.0",
            GRAPH_CA_BUNDLE=str(graph.ca_file),
            GRAPH_PERMISSIONS="delegated",
            OAUTH_CONNECTION_NAME=CONNECTION,
            **settings,
        )
    )
    app = create_app(resolved, oauth_url=token_server.url, clock=clock)
    served = await serve(app)
    try:
        yield DelegatedBot(served.url, app, tokens, token_server)
    finally:
        await served.close()
        await token_server.close()


def oauth_cards(connector: RunningConnector, conversation_id: str) -> list[dict[str, Any]]:
    return [
        attachment["content"]
        for call in connector.emulator.activities(conversation_id)
        for attachment in call.body.get("attachments") or []
        if attachment["contentType"] == OAUTH_CARD
    ]


def exchange_invoke(
    card: dict[str, Any], token: str, *, connector: RunningConnector, **overrides: Any
) -> dict[str, Any]:
    """The `signin/tokenExchange` invoke a Teams client sends for an OAuth card."""
    activity = make_message("", service_url=connector.url, **overrides)
    activity.update(
        type="invoke",
        name="signin/tokenExchange",
        value={
            "id": card["tokenExchangeResource"]["id"],
            "connectionName": card["connectionName"],
            "token": token,
        },
    )
    activity.pop("text")
    return activity


def verify_state_invoke(
    code: str, *, connector: RunningConnector, **overrides: Any
) -> dict[str, Any]:
    activity = make_message("", service_url=connector.url, **overrides)
    activity.update(type="invoke", name="signin/verifyState", value={"state": code})
    activity.pop("text")
    return activity
