"""A recurring meeting's reminders when the organizer has no token: an occurrence already found
goes out as stored, saying the series' next meeting cannot be found; the series' open reminder
looks again hourly and picks up the next occurrence still to come after a sign-in, or ends
once `SIGN_IN_PATIENCE` has passed. Graph's side is the in-test series of test_series."""

from __future__ import annotations

from datetime import timedelta

from bot.reminders import MeetingSpot
from bot.reminders.scheduler import SIGN_IN_PATIENCE, SIGN_IN_RECHECK
from bot.store import Reminder, ReminderState
from tests.reminders.conftest import T0, USER, World
from tests.reminders.signed_out import EN, card_of, joins, scheduler_for, stored, warnings
from tests.reminders.test_series import LEAD, MASTER, Series, run_until_quiet

SERIES_JOIN = "https://teams.example/the-series"


async def series_by_meet(world: World, series: Series) -> tuple[str, Reminder]:
    """What `meet ... every day` leaves, the series' join link stored with the master."""
    cid = await world.conversation()
    first = series.occurrences[0].start
    choice = await world.reminders.for_meeting(
        MeetingSpot(USER, cid, "UTC", "en-US"),
        event_id=MASTER,
        subject="Standup",
        start=first,
        end=first + timedelta(minutes=30),
        join_url=SERIES_JOIN,
        lead=LEAD,
        series=True,
    )
    return cid, choice.reminder


async def test_a_series_occurrence_without_a_token_goes_out_as_stored_and_the_series_waits(
    world: World,
) -> None:
    first = T0 + timedelta(hours=1)
    series = Series.every(timedelta(days=1), first, 3)
    organizer, scheduler = scheduler_for(world, series)
    cid, made = await series_by_meet(world, series)
    world.clock.set(made.next_attempt_at)
    await scheduler.drain()  # the first occurrence is found, with the token
    (found,) = await world.store.open_reminders(USER)
    assert found.event_id == f"{MASTER}-0"
    organizer.signed_in = False

    world.clock.set(found.due_at)
    await scheduler.drain()

    (call,) = world.sent(cid)
    card = card_of(call)
    assert warnings(card) == [EN.reminder_not_rechecked_series]
    assert joins(card) == [SERIES_JOIN]
    assert (await stored(world, found.id)).state is ReminderState.SENT
    # Its successor cannot look for the next occurrence: it stays open, to look again later.
    (waiting,) = await world.store.open_reminders(USER)
    assert waiting.awaits_occurrence and waiting.state is ReminderState.PENDING
    assert waiting.next_attempt_at == world.clock.now() + SIGN_IN_RECHECK
    assert waiting.attempts == 0
    assert organizer.refused == ["get_event", "list_instances"]
    assert await world.reminders.pending(USER) == []  # not listed until it knows its time


async def test_a_series_picks_up_the_next_occurrence_still_to_come_after_a_sign_in(
    world: World,
) -> None:
    first = T0 + timedelta(hours=1)
    series = Series.every(timedelta(days=1), first, 5)
    organizer, scheduler = scheduler_for(world, series)
    cid, _ = await series_by_meet(world, series)
    await run_until_quiet(world, scheduler, first)  # day 1 reminded, day 2's found
    organizer.signed_in = False
    day_2, day_4 = series.occurrences[1].start, series.occurrences[3].start

    await run_until_quiet(world, scheduler, day_4 - timedelta(hours=2))  # day 3 passes

    cards = [card_of(call) for call in world.sent(cid)]
    assert len(cards) == 2  # day 2's went out as stored; nothing could find day 3
    assert warnings(cards[0]) == [] and warnings(cards[1]) == [EN.reminder_not_rechecked_series]
    looked = organizer.refused.count("list_instances")
    assert 0 < looked <= (day_4 - day_2) / SIGN_IN_RECHECK  # hourly, not in a loop
    organizer.signed_in = True

    await run_until_quiet(world, scheduler, day_4)
    cards = [card_of(call) for call in world.sent(cid)]
    assert len(cards) == 3
    assert warnings(cards[2]) == []  # found and re-read: rechecked
    assert joins(cards[2]) == [f"https://teams.example/{MASTER}-3"]  # day 4's, not day 3's
    assert organizer.refused.count("list_instances") == looked


async def test_a_series_whose_organizer_never_signs_in_again_ends_and_stops_looking(
    world: World,
) -> None:
    first = T0 + timedelta(hours=1)
    series = Series.every(timedelta(days=1), first, 60)
    organizer, scheduler = scheduler_for(world, series)
    cid, _ = await series_by_meet(world, series)
    await run_until_quiet(world, scheduler, first)  # day 1 reminded, day 2's found
    organizer.signed_in = False
    day_2 = series.occurrences[1].start
    await run_until_quiet(world, scheduler, day_2)  # day 2 as stored; its successor waits
    (waiting,) = await world.store.open_reminders(USER)

    await run_until_quiet(world, scheduler)  # until nothing is open

    assert (
        day_2 + SIGN_IN_PATIENCE <= world.clock.now() < day_2 + SIGN_IN_PATIENCE + SIGN_IN_RECHECK
    )
    assert len(world.sent(cid)) == 2  # day 1, and day 2 as stored
    # Hourly from the hand-on (before day 2 began) to the look that gave up: no more.
    assert organizer.refused.count("list_instances") <= SIGN_IN_PATIENCE / SIGN_IN_RECHECK + 2
    assert await world.store.open_reminders(USER) == []
    ended = await stored(world, waiting.id)  # (the sent ones are past retention by now)
    assert ended.state is ReminderState.FAILED
    assert ended.detail is not None and "signed in" in ended.detail
