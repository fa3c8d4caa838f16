"""The scheduler on a delegated GraphClient (`user_tokens`) against the Graph emulator: with the
organizer's token each re-read is the seeds' `GET /me/events/{id}` carrying that user's
delegated token; with the token gone nothing reaches Graph and the reminder still arrives, as
stored and marked. The tokens come from a stand-in for the token service."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from bot.graph import GraphClient, SignInRequired
from bot.store import ReminderState
from emulators.graph import GraphEmulator
from tests.reminders.conftest import T0, USER, World, make_scheduler
from tests.reminders.signed_out import EN, booked, card_of, joins, stored, warnings

SCOPES = ("Calendars.ReadWrite", "OnlineMeetings.ReadWrite")


@dataclass
class UserTokens:
    """`bot.graph.auth.UserTokens` as the token service answers: the emulator's delegated
    token for a signed-in user, `SignInRequired` for anyone else."""

    emulator: GraphEmulator
    signed_in: set[str]
    asked: list[str] = field(default_factory=list)

    async def user_token(self, user_id: str) -> str:
        self.asked.append(user_id)
        if user_id not in self.signed_in:
            raise SignInRequired(user_id)
        return self.emulator.delegated_token(user_id, SCOPES)

    def forget(self, user_id: str) -> None:
        """Nothing is held here."""


class NoAppToken:
    """The app's `TokenProvider`, which delegated mode never asks."""

    async def token(self) -> str:
        raise AssertionError("delegated mode asked for the app token")

    def invalidate(self) -> None:
        raise AssertionError("delegated mode invalidated the app token")


async def test_a_reminder_rereads_with_the_organizers_token_and_without_it_arrives_marked(
    world: World,
) -> None:
    tokens = UserTokens(world.graph.emulator, {USER})
    async with world.graph.graph_http() as http:
        client = GraphClient(http, NoAppToken(), user_tokens=tokens)
        parts = world.parts(client=client)
        scheduler = make_scheduler(parts)
        first, first_join = await booked(world, "Design review", T0 + timedelta(hours=1))
        second, second_join = await booked(world, "Retro", T0 + timedelta(hours=2))

        world.clock.set(first.due_at)
        await scheduler.drain()
        (call,) = world.sent(first.conversation_id)
        assert warnings(card_of(call)) == []
        assert joins(card_of(call)) == [first_join]
        reads = [r for r in world.graph.emulator.requests if "/events/" in r.path]
        assert [r.path for r in reads] == [
            f"/v1.0/me/events/{first.event_id}",
            f"/v1.0/me/events/{second.event_id}",  # its check ahead of time
        ]
        assert {(r.method, r.status, r.token, r.oid) for r in reads} == {
            ("GET", 200, "delegated", USER)
        }

        tokens.signed_in.clear()  # signed out, or consent revoked
        before = len(world.graph.emulator.requests)
        world.clock.set(second.due_at)
        await scheduler.drain()

    (call,) = world.sent(second.conversation_id)
    assert warnings(card_of(call)) == [EN.reminder_not_rechecked]
    assert joins(card_of(call)) == [second_join]
    assert len(world.graph.emulator.requests) == before  # nothing was sent without a token
    assert (await stored(world, second.id)).state is ReminderState.SENT
    assert set(tokens.asked) == {USER}
