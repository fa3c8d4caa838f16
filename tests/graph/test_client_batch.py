"""`GraphClient.get_events`: several reads in JSON batches, against the real Graph emulator over
TLS, in application mode (one batch for every user) and delegated mode (one per user, with
their own token)."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.graph import GraphNotFound, GraphUnavailable, SignInRequired
from bot.graph.ids import event_segment
from bot.graph.models import Event
from tests.graph.test_client_delegated import (  # the fixtures `live` and `app_mode` too
    ALICE,
    BOB,
    STRANGER,
    Live,
    app_mode,
    live,
)

__all__ = ["app_mode", "live"]  # fixtures, found by pytest in this module's namespace

CAROL = "5a0e9d2b-7c41-4e6f-a8b3-9f2d1c0e4b7a"
TEN = datetime(2030, 3, 4, 10, tzinfo=UTC)


def batches(live: Live) -> list[list[tuple[str, str]]]:
    """Each `$batch` Graph received, as its requests' (method, url)."""
    return [
        [(request["method"], request["url"]) for request in entry.json["requests"]]
        for entry in live.graph_requests()
        if entry.path == "/v1.0/$batch"
    ]


def reads(live: Live) -> list[str]:
    return [entry.path for entry in live.graph_requests() if entry.method == "GET"]


def subjects(results: list[Event | Exception]) -> list[str | None]:
    return [r.subject if isinstance(r, Event) else type(r).__name__ for r in results]


async def test_reads_for_several_users_go_in_one_batch_and_come_back_in_order(
    app_mode: Live,
) -> None:
    wanted = [(user, app_mode.seed(user, f"Meeting of {user[:4]}")) for user in (ALICE, BOB, CAROL)]

    results = await app_mode.client.get_events(wanted)

    assert subjects(results) == ["Meeting of 6433", "Meeting of 0b6f", "Meeting of 5a0e"]
    assert all(isinstance(r, Event) and r.start and r.start.time_zone == "UTC" for r in results)
    [batch] = batches(app_mode)
    assert [method for method, _ in batch] == ["GET"] * 3
    assert [url.split("?")[0] for _, url in batch] == [
        f"/users/{user}/events/{event_segment(event_id)}" for user, event_id in wanted
    ]
    assert sorted(reads(app_mode)) == sorted(
        f"/v1.0/users/{user}/events/{event_id}" for user, event_id in wanted
    )


async def test_a_lone_read_is_a_plain_get(app_mode: Live) -> None:
    event_id = app_mode.seed(ALICE, "Alone")

    [result] = await app_mode.client.get_events([(ALICE, event_id)])

    assert isinstance(result, Event) and result.subject == "Alone"
    assert batches(app_mode) == []
    assert reads(app_mode) == [f"/v1.0/users/{ALICE}/events/{event_id}"]


async def test_more_than_twenty_reads_take_more_than_one_batch(app_mode: Live) -> None:
    wanted = [(ALICE, app_mode.seed(ALICE, f"Meeting {n}", hour=n % 12)) for n in range(25)]

    results = await app_mode.client.get_events(wanted)

    assert subjects(results) == [f"Meeting {n}" for n in range(25)]
    assert sorted(len(batch) for batch in batches(app_mode)) == [5, 20]


async def test_a_throttled_read_is_made_again_alone_and_a_missing_one_is_its_own_error(
    app_mode: Live,
) -> None:
    kept, throttled = app_mode.seed(ALICE, "Kept"), app_mode.seed(BOB, "Throttled")
    deleted = app_mode.seed(ALICE, "Not in Carol's calendar")
    app_mode.emulator.faults.inject(f"GET /users/{BOB}/events/{{id}}", status=429, retry_after=0)

    results = await app_mode.client.get_events([(ALICE, kept), (BOB, throttled), (CAROL, deleted)])

    assert subjects(results) == ["Kept", "Throttled", "GraphNotFound"]
    assert isinstance(results[2], GraphNotFound)
    assert len(batches(app_mode)) == 1
    # Bob's read twice (in the batch, then alone); the 404 is not read again.
    assert sorted(reads(app_mode)).count(f"/v1.0/users/{BOB}/events/{throttled}") == 2
    assert reads(app_mode).count(f"/v1.0/users/{CAROL}/events/{deleted}") == 1


async def test_a_batch_graph_keeps_refusing_ends_every_read_in_it(app_mode: Live) -> None:
    wanted = [(ALICE, app_mode.seed(ALICE, "One")), (BOB, app_mode.seed(BOB, "Two"))]
    app_mode.emulator.faults.inject("POST /$batch", status=503, times=None)

    results = await app_mode.client.get_events(wanted)

    assert [type(r) for r in results] == [GraphUnavailable, GraphUnavailable]
    assert reads(app_mode) == []


async def test_delegated_reads_go_in_one_batch_per_user_with_that_users_token(live: Live) -> None:
    alice = [live.seed(ALICE, "Alice 1"), live.seed(ALICE, "Alice 2", hour=11)]
    bob = [live.seed(BOB, "Bob 1"), live.seed(BOB, "Bob 2", hour=11)]
    wanted = [(ALICE, alice[0]), (BOB, bob[0]), (STRANGER, "AAMk-never"), (ALICE, alice[1])]
    wanted.append((BOB, bob[1]))

    results = await live.client.get_events(wanted)

    assert subjects(results) == ["Alice 1", "Bob 1", "SignInRequired", "Alice 2", "Bob 2"]
    assert isinstance(results[2], SignInRequired)
    assert sorted(
        sorted(url.split("?")[0] for _, url in batch) for batch in batches(live)
    ) == sorted(
        [
            sorted(f"/me/events/{event_segment(event_id)}" for event_id in alice),
            sorted(f"/me/events/{event_segment(event_id)}" for event_id in bob),
        ]
    )
    by_user = {
        entry.oid: entry.path
        for entry in live.graph_requests()
        if entry.path == "/v1.0/$batch" and entry.status == 200
    }
    assert set(by_user) == {ALICE, BOB}
    sub_reads = [entry for entry in live.graph_requests() if entry.method == "GET"]
    assert sorted((entry.oid, entry.path) for entry in sub_reads) == sorted(
        [(ALICE, f"/v1.0/me/events/{event_id}") for event_id in alice]
        + [(BOB, f"/v1.0/me/events/{event_id}") for event_id in bob]
    )
