"""A scheduler wired to real parts: the store, GraphClient on the Graph emulator (TLS, msal),
proactive sends to the connector emulator through Meetbot's connector clients (as `meetbot
run` sends; their retries on fake time); time from a ManualClock."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from botbuilder.core import TurnContext
from botbuilder.schema import Activity

from bot.graph import GraphClient, MsalTokenProvider
from bot.local import LOCAL_CLIENT_ID, LOCAL_CLIENT_SECRET
from bot.reminders import (
    Answering,
    ManualClock,
    MeetingSpot,
    ProactiveSender,
    Reminders,
    ReminderScheduler,
    SchedulerConfig,
    SendLimits,
)
from bot.store import Reminder, SqliteStore, Store
from bot.teams.connector import MeetbotConnectorFactory
from emulators.connector import ConnectorCall
from tests.conftest import RunningConnector, RunningGraph
from tests.factories import make_message
from tests.fake_time import FakeTime

USER = "64339082-ed84-4b0b-b4ab-004ae54f3747"
T0 = datetime(2030, 3, 4, 8, 0, tzinfo=UTC)
_ids = itertools.count(1)


@dataclass
class World:
    store: Store
    graph: RunningGraph
    connector: RunningConnector
    client: GraphClient
    clock: ManualClock
    scheduler: ReminderScheduler
    reminders: Reminders
    connectors: MeetbotConnectorFactory
    conversations: list[str] = field(default_factory=list)

    def parts(self, client: Any = None) -> dict[str, Any]:
        """What `make_scheduler` builds a scheduler of: this world's, with another Graph
        client (a stand-in reading the events) if given."""
        return {
            "store": self.store,
            "client": self.client if client is None else client,
            "clock": self.clock,
            "connectors": self.connectors,
        }

    async def conversation(self, conversation_id: str | None = None) -> str:
        """A conversation the bot knows (its reference saved, as after a message)."""
        cid = conversation_id or f"a:conversation-{next(_ids)}"
        activity = Activity().deserialize(
            make_message("hi", service_url=self.connector.url, conversation_id=cid)
        )
        reference = TurnContext.get_conversation_reference(activity).serialize()
        await self.store.save_reference(cid, reference, now=self.clock.now())
        return cid

    def seed(self, subject: str, start: datetime, minutes: int = 30, **extra: Any) -> str:
        end = start + timedelta(minutes=minutes)
        event = self.graph.emulator.seed_event(
            USER,
            {
                "subject": subject,
                "start": {"dateTime": _wall(start), "timeZone": "UTC"},
                "end": {"dateTime": _wall(end), "timeZone": "UTC"},
                "isOnlineMeeting": True,
                "onlineMeetingProvider": "teamsForBusiness",
                **extra,
            },
        )
        return str(event["id"])

    async def meeting(
        self,
        subject: str,
        start: datetime,
        *,
        lead: timedelta | None = timedelta(minutes=10),
        conversation_id: str | None = None,
    ) -> Reminder:
        """A meeting made through the bot: the event in Graph, its reminder in the store."""
        cid = conversation_id or await self.conversation()
        event_id = self.seed(subject, start)
        choice = await self.reminders.for_meeting(
            MeetingSpot(USER, cid, "America/Los_Angeles", "en-US"),
            event_id=event_id,
            subject=subject,
            start=start,
            end=start + timedelta(minutes=30),
            join_url=None,
            lead=lead,
        )
        return choice.reminder

    def sent(self, conversation_id: str | None = None) -> list[ConnectorCall]:
        return self.connector.emulator.activities(conversation_id)


def _wall(value: datetime) -> str:
    return value.astimezone(UTC).replace(tzinfo=None).isoformat()


def make_scheduler(
    world_parts: dict[str, Any],
    limits: SendLimits | None = None,
    *,
    answering: Answering | None = None,
    **config: Any,
) -> ReminderScheduler:
    return ReminderScheduler(
        store=world_parts["store"],
        events=world_parts["client"],
        sender=ProactiveSender(world_parts["connectors"]),
        limits=limits or SendLimits.unlimited(),
        clock=world_parts["clock"],
        config=SchedulerConfig(**config),
        answering=answering,
    )


@pytest.fixture
async def world(
    graph: RunningGraph, connector: RunningConnector, tmp_path: Path
) -> AsyncIterator[World]:
    store = SqliteStore(tmp_path / "meetbot.db")
    await store.open()
    tokens = MsalTokenProvider(
        client_id=LOCAL_CLIENT_ID,
        client_secret=LOCAL_CLIENT_SECRET,
        authority=f"{graph.url}/{graph.emulator.config.tenant_id}",
        verify=str(graph.ca_file),
        local_authority=True,
    )
    clock = ManualClock(T0)
    async with graph.graph_http() as http, aiohttp.ClientSession() as connector_http:
        connectors = MeetbotConnectorFactory(connector_http, None, FakeTime().policy(), "")
        client = GraphClient(http, tokens)
        parts = {"store": store, "client": client, "clock": clock, "connectors": connectors}
        scheduler = make_scheduler(parts)
        reminders = Reminders(
            store, default_lead=timedelta(minutes=10), clock=clock.now, on_change=scheduler.wake
        )
        yield World(store, graph, connector, client, clock, scheduler, reminders, connectors)
    tokens.close()
    await store.close()
