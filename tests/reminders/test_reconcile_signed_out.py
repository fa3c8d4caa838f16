"""Pending creates (a `meet` recorded before its Graph create) when the organizer has no token:
the meet flow's reconcile gets `SignInRequired`, which neither settles the create nor counts
as giving up: it is tried again each lease until they sign in or the meeting is over."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

import pytest

from bot.graph import GraphClient, SignInRequired
from bot.graph.models import DateTimeTimeZone, Event, OnlineMeetingInfo
from bot.reminders import PendingCreates, ProactiveSender, ReconcileConfig
from bot.store import PendingCreate
from dialogs.meet import MeetingFlow
from tests.reminders.conftest import T0, USER, World
from tests.reminders.signed_out import card_of

LEASE = timedelta(seconds=60)


@dataclass
class CreatingGraph:
    """The two Graph calls the meet flow's reconcile makes, as delegated mode answers them:
    `SignInRequired` while the organizer is signed out, else the event the create made."""

    start: datetime
    signed_in: bool = False
    calls: list[str] = field(default_factory=list)

    def event(self, transaction_id: str) -> Event:
        return Event(
            id="made-by-the-create",
            subject="Kickoff",
            start=DateTimeTimeZone.from_datetime(self.start, "UTC"),
            end=DateTimeTimeZone.from_datetime(self.start + timedelta(minutes=30), "UTC"),
            is_online_meeting=True,
            online_meeting=OnlineMeetingInfo(join_url="https://teams.example/kickoff"),
            transaction_id=transaction_id,
        )

    def event_request(self, **_: Any) -> object:
        return object()  # what the create is sent: not looked at here

    async def create_event(
        self, user_id: str, request: object, *, zone: str, transaction_id: str
    ) -> Event:
        self.calls.append("create_event")
        if not self.signed_in:
            raise SignInRequired(user_id)
        return self.event(transaction_id)

    async def list_calendar_view(
        self, user_id: str, start: datetime, end: datetime, *, zone: str
    ) -> list[Event]:
        self.calls.append("list_calendar_view")
        if not self.signed_in:
            raise SignInRequired(user_id)
        return [self.event("tx-kickoff")]


def reconciling(world: World, graph: CreatingGraph) -> PendingCreates:
    flow = MeetingFlow(cast(GraphClient, graph), simulated=False, reminders=world.reminders)
    return PendingCreates(
        store=world.store,
        finisher=flow,
        sender=ProactiveSender(world.connectors),
        clock=world.clock,
        config=ReconcileConfig(lease=LEASE, max_attempts=3),
    )


def pending_create(cid: str, start: datetime, *, find_only: bool) -> PendingCreate:
    return PendingCreate(
        transaction_id="tx-kickoff",
        user_id=USER,
        conversation_id=cid,
        subject="Kickoff",
        starts_at=start,
        ends_at=start + timedelta(minutes=30),
        attendees=(),
        lead=timedelta(minutes=10),
        zone="UTC",
        locale="en-US",
        next_attempt_at=T0,
        find_only=find_only,
    )


@pytest.mark.parametrize("find_only", [False, True], ids=["create", "find"])
async def test_a_pending_create_waits_for_a_sign_in_past_its_attempts_and_then_finishes(
    world: World, find_only: bool
) -> None:
    cid = await world.conversation()
    start = T0 + timedelta(days=1)
    graph = CreatingGraph(start)
    pending = reconciling(world, graph)
    await world.store.add_pending_create(pending_create(cid, start, find_only=find_only))

    for _ in range(5):  # more than max_attempts: none of them gives up
        assert await pending.run_once() == world.clock.now() + LEASE  # back after the lease
        world.clock.advance(LEASE)
    assert len(graph.calls) == 5
    assert world.sent(cid) == []  # nothing told, nothing settled
    assert await world.store.open_reminders(USER) == []

    graph.signed_in = True
    assert await pending.run_once() is None  # settled

    (reminder,) = await world.store.open_reminders(USER)
    assert reminder.event_id == "made-by-the-create" and reminder.starts_at == start
    (call,) = world.sent(cid)  # the meeting card, once
    assert "https://teams.example/kickoff" in json.dumps(card_of(call))
    assert pending.reconciled == 1


async def test_a_pending_create_whose_organizer_never_signs_in_ends_with_its_meeting(
    world: World,
) -> None:
    cid = await world.conversation()
    start = T0 + timedelta(minutes=30)
    graph = CreatingGraph(start)
    pending = reconciling(world, graph)
    await world.store.add_pending_create(pending_create(cid, start, find_only=False))

    while (due := await pending.run_once()) is not None:
        world.clock.set(due)

    assert world.clock.now() == start + timedelta(minutes=30)  # the meeting's end
    assert len(graph.calls) == 60  # once a lease, while the meeting was still to come or on
    assert world.sent(cid) == []
    assert await world.store.open_reminders(USER) == []
