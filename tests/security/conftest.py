"""A bot for property tests: served on real sockets, driven from synchronous code.

Hypothesis runs many examples inside one test, so function-scoped async fixtures (one bot per
test function, reset by nobody between examples) do not fit. `LoopBot` owns an event loop on
which the Graph emulator, the Bot Connector emulator and the bot are served; each example posts
with `post()`, which runs the loop until the answer is in and every turn that outlasted it has
finished, and reads what Graph, the connector and the logs saw during that example alone.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.app import create_app
from bot.serve import Served, serve
from bot.services import SERVICES
from bot.settings import load_settings, resolve
from emulators.connector import ConnectorEmulator
from emulators.graph import GraphEmulator
from emulators.tls import TlsIdentity


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@dataclass
class Seen:
    """What one request caused: its status, and what reached Graph, the connector and the log."""

    status: int
    body: bytes
    graph_requests: list[Any]
    connector_calls: list[Any]
    errors: list[logging.LogRecord] = field(default_factory=list)


class LoopBot:
    def __init__(self, directory: Path, identity: TlsIdentity) -> None:
        self.loop = asyncio.new_event_loop()
        self.graph = GraphEmulator()
        self.connector = ConnectorEmulator()
        self._servers: list[Served] = []
        self._records = _Records()
        for name in ("bot", "aiohttp", "dialogs", "botbuilder"):
            logging.getLogger(name).addHandler(self._records)
        ca_file = identity.write_cert(directory / "graph-ca.pem")
        graph = self._serve(self.graph.app, identity)
        self.connector_url = self._serve(self.connector.app).url
        settings = load_settings(
            _env_file=None,
            GRAPH_BASE_URL=f"{graph.url}/v1.0",
            GRAPH_CA_BUNDLE=str(ca_file),
            DATABASE_URL=f"sqlite:///{directory / 'meetbot.db'}",
        )
        self.app = create_app(resolve(settings))
        self.url = self._serve(self.app).url
        self._client = httpx.AsyncClient(base_url=self.url, timeout=30)

    def post(self, body: bytes, headers: dict[str, str] | None = None) -> Seen:
        graph_mark = len(self.graph.requests)
        connector_mark = len(self.connector.calls)
        records_mark = len(self._records.records)
        headers = {"Content-Type": "application/json"} if headers is None else headers
        response = self.loop.run_until_complete(
            self._client.post("/api/messages", content=body, headers=headers)
        )
        self.loop.run_until_complete(self.app[SERVICES].pacer.drain())  # type: ignore[union-attr]
        return Seen(
            status=response.status_code,
            body=response.content,
            graph_requests=self.graph.requests[graph_mark:],
            connector_calls=self.connector.calls[connector_mark:],
            errors=[r for r in self._records.records[records_mark:] if r.levelno >= logging.ERROR],
        )

    def close(self) -> None:
        self.loop.run_until_complete(self._client.aclose())
        for served in reversed(self._servers):
            self.loop.run_until_complete(served.close())
        for name in ("bot", "aiohttp", "dialogs", "botbuilder"):
            logging.getLogger(name).removeHandler(self._records)
        self.loop.close()

    def _serve(self, app: Any, identity: TlsIdentity | None = None) -> Served:
        context = identity.server_context() if identity is not None else None
        served = self.loop.run_until_complete(serve(app, ssl_context=context))
        self._servers.append(served)
        return served


@pytest.fixture(scope="module")
def loop_bot(
    tmp_path_factory: pytest.TempPathFactory, tls_identity: TlsIdentity
) -> Iterator[LoopBot]:
    bot = LoopBot(tmp_path_factory.mktemp("loop-bot"), tls_identity)
    yield bot
    bot.close()
