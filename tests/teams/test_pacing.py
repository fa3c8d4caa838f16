"""The Pacer: the HTTP answer within the window, the rest of the turn after it, typing meanwhile.

A recording adapter stands in for the connector; work is held on events, so nothing here waits
for time except the (tiny) windows under test.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from botbuilder.core import BotAdapter, TurnContext
from botbuilder.schema import Activity, ActivityTypes, ChannelAccount, ConversationAccount

from bot.teams.pacing import Pacer

WINDOW = 0.05


class RecordingAdapter(BotAdapter):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__()
        self.sent: list[str] = []  # activity types, in the order they reached the "connector"
        self.errors: list[BaseException] = []
        self.typing_gate: asyncio.Event | None = None  # hold typing sends here when set
        self.typing_held = asyncio.Event()  # a typing send is waiting at the gate

        async def on_error(context: TurnContext, error: Exception) -> None:
            self.errors.append(error)
            await context.send_activity("sorry")

        self.on_turn_error = on_error

    async def send_activities(self, context: TurnContext, activities: list[Activity]) -> list[Any]:
        for activity in activities:
            if activity.type == ActivityTypes.typing and self.typing_gate is not None:
                self.typing_held.set()
                await self.typing_gate.wait()
            self.sent.append(activity.type)
        return [None for _ in activities]

    async def update_activity(self, context: TurnContext, activity: Activity) -> None:
        self.sent.append("update")

    async def delete_activity(self, context: TurnContext, reference: Any) -> None:
        raise NotImplementedError


def turn(adapter: RecordingAdapter) -> TurnContext:
    activity = Activity(
        type=ActivityTypes.message,
        id="1",
        text="meet now",
        service_url="http://connector",
        channel_id="msteams",
        conversation=ConversationAccount(id="a:1"),
        from_property=ChannelAccount(id="29:user"),
        recipient=ChannelAccount(id="28:bot"),
    )
    return TurnContext(adapter, activity)


async def test_work_done_within_the_window_is_answered_in_the_turn() -> None:
    adapter = RecordingAdapter()
    context = turn(adapter)

    async def work() -> None:
        await context.send_activity("card")

    pacer = Pacer(answer_within=5, typing_after=5)
    await pacer.run(context, work)
    assert adapter.sent == ["message"]
    assert pacer.late_turns == 0


async def test_an_error_within_the_window_reaches_the_caller() -> None:
    async def work() -> None:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        await Pacer(answer_within=5).run(turn(RecordingAdapter()), work)


async def test_slow_work_is_answered_at_the_window_and_finished_after_it() -> None:
    adapter = RecordingAdapter()
    context = turn(adapter)
    graph_answered = asyncio.Event()
    finished = asyncio.Event()

    async def work() -> None:
        await graph_answered.wait()
        await context.send_activity("card")
        finished.set()

    pacer = Pacer(answer_within=WINDOW, typing_after=0)
    await pacer.run(context, work)  # returns although the work is held

    assert adapter.sent == ["typing"]
    assert pacer.late_turns == 1
    graph_answered.set()
    await finished.wait()
    await pacer.drain()
    assert adapter.sent == ["typing", "message"]
    assert pacer.late_turns == 0


async def test_an_error_after_the_window_goes_to_the_adapters_error_handler() -> None:
    adapter = RecordingAdapter()
    graph_answered = asyncio.Event()

    async def work() -> None:
        await graph_answered.wait()
        raise RuntimeError("late boom")

    pacer = Pacer(answer_within=WINDOW, typing_after=10)
    await pacer.run(turn(adapter), work)
    graph_answered.set()
    await pacer.drain()

    assert [str(e) for e in adapter.errors] == ["late boom"]
    assert adapter.sent == ["message"]  # the apology


async def test_a_typing_send_in_flight_lands_before_the_reply() -> None:
    adapter = RecordingAdapter()
    gate = adapter.typing_gate = asyncio.Event()
    context = turn(adapter)

    async def work() -> None:
        await adapter.typing_held.wait()  # the indicator is on its way to the connector
        reply = asyncio.create_task(context.send_activity("card"))
        for _ in range(5):
            await asyncio.sleep(0)  # give the reply every chance to overtake
        gate.set()
        await reply

    await Pacer(answer_within=5, typing_after=0).run(context, work)
    assert adapter.sent == ["typing", "message"]


async def test_typing_stops_at_the_first_update() -> None:
    adapter = RecordingAdapter()
    context = turn(adapter)
    graph_answered = asyncio.Event()

    async def work() -> None:
        await graph_answered.wait()
        await context.update_activity(Activity(id="form", type=ActivityTypes.message))

    pacer = Pacer(answer_within=WINDOW, typing_after=0, typing_every=WINDOW / 5)
    await pacer.run(context, work)
    graph_answered.set()
    await pacer.drain()
    typing = adapter.sent.count("typing")
    assert typing >= 1 and adapter.sent == ["typing"] * typing + ["update"]


async def test_drain_cancels_what_outlasts_its_grace() -> None:
    never = asyncio.Event()

    async def work() -> None:
        await never.wait()

    pacer = Pacer(answer_within=WINDOW, typing_after=10)
    await pacer.run(turn(RecordingAdapter()), work)
    await pacer.drain(timeout=WINDOW)
    assert pacer.late_turns == 0


@pytest.mark.parametrize(
    "kwargs", [{"answer_within": 0}, {"typing_after": -1}, {"typing_every": 0}]
)
def test_nonsense_timings_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        Pacer(**kwargs)
