"""Send budgets (`SendBudgetStore`): a timeline per key, taken, given back and held atomically,
shared by two store objects on one database (two SQLite connections; two PostgreSQL pools)."""

from __future__ import annotations

import asyncio

from bot.store import Store
from tests.store.helpers import OpenStore

NOW = 1_900_000_000_000_000  # microseconds since the epoch
MS = 1000


async def test_a_key_never_written_is_free_now_and_then_queues(store: Store) -> None:
    assert await store.take_budgets({"tenant:a": 20 * MS, "tenant:b": 5 * MS}, now=NOW) == {
        "tenant:a": NOW,
        "tenant:b": NOW,
    }
    assert await store.take_budgets({"tenant:a": 20 * MS}, now=NOW + MS) == {
        "tenant:a": NOW + 20 * MS
    }
    # Once its free_at has passed, a key starts at the caller's now again.
    assert await store.take_budgets({"tenant:b": MS}, now=NOW + 50 * MS) == {
        "tenant:b": NOW + 50 * MS
    }
    assert await store.take_budgets({}, now=NOW) == {}


async def test_given_back_budget_is_free_again_but_never_before_now(store: Store) -> None:
    await store.take_budgets({"k": 30 * MS}, now=NOW)
    await store.take_budgets({"k": 30 * MS}, now=NOW)
    await store.return_budgets({"k": 30 * MS}, now=NOW)
    assert await store.take_budgets({"k": MS}, now=NOW) == {"k": NOW + 30 * MS}
    await store.return_budgets({"k": 500 * MS, "unknown": 5 * MS}, now=NOW + 10 * MS)
    assert await store.take_budgets({"k": MS, "unknown": MS}, now=NOW + 10 * MS) == {
        "k": NOW + 10 * MS,
        "unknown": NOW + 10 * MS,
    }


async def test_a_hold_delays_a_key_and_never_shortens_it(store: Store) -> None:
    await store.hold_budgets({"k": NOW + 1000 * MS})
    await store.hold_budgets({"k": NOW + 10 * MS})  # earlier than the hold: no change
    assert await store.take_budgets({"k": MS}, now=NOW) == {"k": NOW + 1000 * MS}


async def test_forgetting_drops_only_keys_already_free(store: Store) -> None:
    await store.take_budgets({"old": MS, "busy": 100 * MS}, now=NOW)
    assert await store.forget_budgets(before=NOW + 10 * MS) == 1
    assert await store.take_budgets({"old": MS, "busy": MS}, now=NOW + 10 * MS) == {
        "old": NOW + 10 * MS,
        "busy": NOW + 100 * MS,
    }


async def test_two_stores_taking_one_key_at_once_get_disjoint_stretches(
    store: Store, open_another: OpenStore
) -> None:
    cost = 7 * MS
    async with open_another() as other:

        async def take(on: Store, count: int) -> list[int]:
            starts = []
            for _ in range(count):
                got = await on.take_budgets({"tenant:t": cost, "tenant:u": cost}, now=NOW)
                starts.append(got["tenant:t"])
            return starts

        taken = await asyncio.gather(*(take(on, 25) for on in (store, other, store, other)))
    starts = sorted(start for each in taken for start in each)
    # Every stretch [start, start + cost) is its own: back to back, none shared.
    assert starts == [NOW + i * cost for i in range(100)]
