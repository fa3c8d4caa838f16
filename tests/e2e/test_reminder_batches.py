"""Reminders falling due together re-read their meetings together: one JSON batch to Graph
(`bot.graph.batch`), each card still of its own meeting."""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

from bot.graph.ids import event_segment
from tests.e2e.test_reminders import TOMORROW_3PM, Bot, _text, bot
from tests.factories import USER_AAD_ID

__all__ = ["bot"]  # the fixture, found by pytest in this module's namespace

CONVERSATIONS = {"a:design": "Design review", "a:budget": "Budget sync", "a:hiring": "Hiring loop"}


async def test_reminders_due_together_reread_their_meetings_in_one_batch(bot: Bot) -> None:
    for conversation, subject in CONVERSATIONS.items():
        await bot.say(f"meet {subject} tomorrow 3pm for 45m remind 5m", conversation)
    events = {event["subject"]: event for event in bot.graph.emulator.events(USER_AAD_ID)}
    before = len(bot.graph.emulator.requests)
    reads = _count_reference_reads(bot)

    await paced_at(bot, TOMORROW_3PM - timedelta(minutes=5))

    for conversation, subject in CONVERSATIONS.items():
        (reminder,) = bot.reminders_sent(conversation)
        content = reminder["attachments"][0]["content"]
        assert subject in _text(content)
        joins = [a["url"] for a in content["actions"] if a["type"] == "Action.OpenUrl"]
        assert joins == [events[subject]["onlineMeeting"]["joinUrl"]]
    graph = [r for r in bot.graph.emulator.requests[before:] if r.path.startswith("/v1.0/")]
    [batch] = [r for r in graph if r.path == "/v1.0/$batch"]
    assert sorted(
        request["url"].split("?")[0].rsplit("/", 1)[1] for request in batch.json["requests"]
    ) == sorted(event_segment(event["id"]) for event in events.values())
    gets = [r for r in graph if r.method == "GET" and "/events/" in r.path]
    assert len(gets) == len(CONVERSATIONS)  # each once, inside the batch
    # The batch's answers come back together, and so the three sends read their
    # conversations' references together: one statement.
    assert reads == [sorted(CONVERSATIONS)]


def _count_reference_reads(bot: Bot) -> list[list[str]]:
    """The conversation ids of each reference read the store is asked for from now on."""
    reads: list[list[str]] = []
    store = bot.store
    one, many = store.get_reference, store.get_references

    async def get_reference(conversation_id: str) -> dict[str, Any] | None:
        reads.append([conversation_id])
        return await one(conversation_id)

    async def get_references(conversation_ids: Collection[str]) -> dict[str, dict[str, Any]]:
        reads.append(sorted(conversation_ids))
        return await many(conversation_ids)

    store.get_reference = get_reference  # type: ignore[method-assign]
    store.get_references = get_references  # type: ignore[method-assign]
    return reads


async def paced_at(bot: Bot, when: datetime) -> None:
    """`bot.at(when)`, moving the clock on whenever a send waits for its slot in the tenant's
    per-app pace (the sends fall due at one instant, and a ManualClock stands still)."""
    bot.clock.set(when)
    settled = asyncio.ensure_future(bot.scheduler.settle())
    while not settled.done():
        sleeping = asyncio.ensure_future(bot.clock.until_sleeping())
        await asyncio.wait({settled, sleeping}, return_when=asyncio.FIRST_COMPLETED)
        sleeping.cancel()
        wake = bot.clock.next_wake()
        if wake is not None and wake - bot.clock.now() < timedelta(seconds=1):
            bot.clock.set(wake)
    await settled
