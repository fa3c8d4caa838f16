"""MeetbotAdapter's turn contexts: botbuilder's send chain, and freed when the turn ends."""

from __future__ import annotations

import gc
from collections.abc import Awaitable, Callable, Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from botbuilder.core import BotAdapter, TurnContext
from botbuilder.schema import Activity, ActivityTypes, ConversationAccount

from bot.teams.adapter import FreedTurnContext
from bot.teams.pacing import Typing
from tests.conftest import Post, RunningConnector
from tests.factories import make_message

Next = Callable[[], Awaitable[None]]


class Recorder(BotAdapter):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__()
        self.log: list[str] = []

    async def send_activities(self, context: TurnContext, activities: list[Activity]) -> list[Any]:
        self.log.append("sent " + ",".join(activity.text for activity in activities))
        return []

    async def update_activity(self, context: TurnContext, activity: Activity) -> None:
        self.log.append("updated")

    async def delete_activity(self, context: TurnContext, reference: Any) -> None:
        self.log.append("deleted")


def handler(log: list[str], name: str, *, calls_next: bool = True, fails: bool = False) -> Any:
    async def handle(context: TurnContext, arg: Any, following: Next) -> None:
        log.append(f"{name} in")
        if fails:
            raise RuntimeError(name)
        if calls_next:
            await following()
        log.append(f"{name} out")

    return handle


CHAINS: dict[str, list[dict[str, bool]]] = {
    "none": [],
    "one": [{}],
    "three": [{}, {}, {}],
    "the second stops": [{}, {"calls_next": False}, {}],
    "the first stops": [{"calls_next": False}, {}],
    "the last fails": [{}, {}, {"fails": True}],
    "the first fails": [{"fails": True}, {}],
}


async def run_chain(kind: type[TurnContext], chain: list[dict[str, bool]]) -> list[str]:
    adapter = Recorder()
    activity = Activity(
        type=ActivityTypes.message, text="hi", conversation=ConversationAccount(id="c")
    )
    context = kind(adapter, activity)
    for index, options in enumerate(chain):
        handle = handler(adapter.log, f"h{index}", **options)
        context.on_send_activities(handle)
        context.on_update_activity(handle)
    try:
        await context.send_activity("one")
        await context.update_activity(Activity(type=ActivityTypes.message, id="1", text="two"))
    except RuntimeError as error:
        adapter.log.append(f"raised {error}")
    return adapter.log


# A failing handler leaves the send's `logic` coroutine unawaited, in botbuilder's chain too.
@pytest.mark.filterwarnings("ignore:coroutine .*logic' was never awaited:RuntimeWarning")
@pytest.mark.parametrize("chain", CHAINS.values(), ids=list(CHAINS))
async def test_the_send_and_update_chains_run_as_botbuilders_do(
    chain: list[dict[str, bool]],
) -> None:
    expected = await run_chain(TurnContext, chain)
    assert await run_chain(FreedTurnContext, chain) == expected
    assert any(entry.startswith(("sent", "raised")) for entry in expected)


@pytest.fixture
def saved_garbage() -> Iterator[list[Any]]:
    """Everything the cyclic collector finds while the test runs, kept for inspection."""
    gc.collect()
    gc.garbage.clear()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        yield gc.garbage
    finally:
        gc.set_debug(0)
        gc.garbage.clear()


async def test_a_meet_turn_leaves_nothing_for_the_garbage_collector(
    post: Post, connector: RunningConnector, saved_garbage: list[Any]
) -> None:
    """Reference counting frees the turn (its context, activities and card) when it ends."""
    morning = datetime(2026, 11, 21, 9, 0, tzinfo=ZoneInfo("America/Los_Angeles"))
    meet = make_message(
        "meet Design review tomorrow 3pm for 45m", service_url=connector.url, local_now=morning
    )
    response = await post(meet)
    assert response.status_code in {200, 201}
    assert len(connector.emulator.activities()) == 1  # the card went out
    gc.collect()
    turn_objects = [
        thing for thing in saved_garbage if isinstance(thing, TurnContext | Typing | Activity)
    ]
    assert turn_objects == []
