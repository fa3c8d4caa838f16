"""The Graph emulator's JSON batching (`POST /v1.0/$batch`, `emulators.graph.batch`), over
HTTPS as a client sees it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.emulators.test_graph_emulator import (  # the fixtures `env` and `identity` too
    USER,
    Env,
    env,
    identity,
    make_event,
)

EVENTS = f"/users/{USER}/events"
PACIFIC = 'outlook.timezone="Pacific Standard Time"'

__all__ = ["env", "identity"]  # fixtures, found by pytest in this module's namespace


def read(step_id: str, event_id: str, **headers: str) -> dict[str, Any]:
    request: dict[str, Any] = {
        "id": step_id,
        "method": "GET",
        "url": f"{EVENTS}/{event_id}?$select=subject,start",
    }
    if headers:
        request["headers"] = headers
    return request


async def batch(
    env: Env, requests: list[dict[str, Any]], token: str | None = None, **headers: str
) -> Any:
    return await env.graph("POST", "/$batch", token, json={"requests": requests}, headers=headers)


async def seeded(env: Env, subject: str) -> str:
    created = await env.graph("POST", EVENTS, json=make_event(subject=subject))
    assert created.status_code == 201
    return str(created.json()["id"])


async def test_each_request_is_answered_by_id_in_another_order_than_asked(env: Env) -> None:
    ids = [await seeded(env, f"Meeting {n}") for n in range(3)]
    missing = await seeded(env, "Deleted")
    assert (await env.graph("DELETE", f"{EVENTS}/{missing}")).status_code == 204
    steps = [read(str(n), event_id) for n, event_id in enumerate(ids)] + [read("x", missing)]

    answered = await batch(env, steps)

    assert answered.status_code == 200
    responses = answered.json()["responses"]
    assert [item["id"] for item in responses] != [step["id"] for step in steps]
    by_id = {item["id"]: item for item in responses}
    assert [by_id[str(n)]["body"]["subject"] for n in range(3)] == [
        "Meeting 0",
        "Meeting 1",
        "Meeting 2",
    ]
    assert all(by_id[str(n)]["status"] == 200 for n in range(3))
    assert by_id["x"]["status"] == 404
    assert by_id["x"]["body"]["error"]["code"] == "ErrorItemNotFound"


async def test_each_request_is_recorded_as_if_it_came_alone(env: Env) -> None:
    event_id = await seeded(env, "Sync")
    token = await env.token()
    before = len(env.emulator.requests)

    await batch(env, [read("1", event_id), read("2", event_id)], token)

    recorded = env.emulator.requests[before:]
    assert sorted((r.method, r.path, r.status) for r in recorded) == [
        ("GET", f"/v1.0{EVENTS}/{event_id}", 200),
        ("GET", f"/v1.0{EVENTS}/{event_id}", 200),
        ("POST", "/v1.0/$batch", 200),
    ]
    gets = [r for r in recorded if r.method == "GET"]
    assert all(r.query == {"$select": "subject,start"} for r in gets)
    assert all(r.headers["Authorization"] == "Bearer <redacted>" for r in gets)


async def test_only_the_authorization_of_the_batch_reaches_its_requests(env: Env) -> None:
    """A `Prefer` on the batch is not a `Prefer` on its requests: each must carry its own
    (without one, Graph answers in UTC)."""
    event_id = await seeded(env, "Sync")

    answered = await batch(
        env,
        [read("own", event_id, Prefer=PACIFIC), read("inherited", event_id)],
        Prefer=PACIFIC,
    )

    by_id = {item["id"]: item for item in answered.json()["responses"]}
    assert by_id["own"]["body"]["start"]["timeZone"] == "Pacific Standard Time"
    assert by_id["inherited"]["body"]["start"]["timeZone"] == "UTC"


async def test_a_throttled_request_is_that_requests_answer_with_its_retry_after(env: Env) -> None:
    first, second = await seeded(env, "One"), await seeded(env, "Two")
    env.emulator.faults.inject(f"GET {EVENTS}/{{id}}", status=429, retry_after=7)

    answered = await batch(env, [read("1", first), read("2", second)])

    assert answered.status_code == 200
    statuses = {item["id"]: item for item in answered.json()["responses"]}
    throttled = [item for item in statuses.values() if item["status"] == 429]
    served = [item for item in statuses.values() if item["status"] == 200]
    assert len(throttled) == 1 and len(served) == 1
    assert throttled[0]["headers"]["Retry-After"] == "7"


async def test_a_fault_on_the_batch_answers_the_batch(env: Env) -> None:
    event_id = await seeded(env, "One")
    env.emulator.faults.inject("POST /$batch", status=503, retry_after=2)

    refused = await batch(env, [read("1", event_id)])
    again = await batch(env, [read("1", event_id)])

    assert refused.status_code == 503 and refused.headers["Retry-After"] == "2"
    assert again.status_code == 200


async def test_writes_in_a_batch_carry_their_own_body(env: Env) -> None:
    answered = await batch(
        env,
        [
            {
                "id": "create",
                "method": "POST",
                "url": EVENTS.lstrip("/"),  # the leading slash is optional
                "headers": {"Content-Type": "application/json"},
                "body": make_event(subject="Made in a batch"),
            }
        ],
    )

    [item] = answered.json()["responses"]
    assert item["status"] == 201 and item["body"]["subject"] == "Made in a batch"
    assert [e["subject"] for e in env.emulator.events(USER)] == ["Made in a batch"]


async def test_a_request_depending_on_a_failed_one_is_not_served(env: Env) -> None:
    event_id = await seeded(env, "Kept")
    steps = [
        {"id": "1", "method": "DELETE", "url": f"{EVENTS}/not-an-event"},
        {"id": "2", "method": "DELETE", "url": f"{EVENTS}/{event_id}", "dependsOn": ["1"]},
    ]

    answered = await batch(env, steps)

    by_id = {item["id"]: item["status"] for item in answered.json()["responses"]}
    assert by_id == {"1": 404, "2": 424}
    assert [e["subject"] for e in env.emulator.events(USER)] == ["Kept"]


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"requests": []}, "Invalid batch payload"),
        ({"value": []}, "Invalid batch payload"),
        ({"requests": [read(str(n), "e") for n in range(21)]}, "exceeds 20"),
        ({"requests": [read("1", "e"), read("1", "f")]}, "unique"),
        ({"requests": [{"id": "1", "method": "GET"}]}, "no url"),
        ({"requests": [{"id": "1", "url": "/me"}]}, "no valid method"),
        (
            {
                "requests": [
                    {"id": "1", "method": "GET", "url": "https://graph.microsoft.com/v1.0/me"}
                ]
            },
            "relative",
        ),
        (
            {"requests": [{"id": "1", "method": "POST", "url": EVENTS, "body": {"subject": "x"}}]},
            "Content-Type",
        ),
        ({"requests": [dict(read("1", "e"), dependsOn=["9"])]}, "depends on"),
    ],
)
async def test_a_malformed_batch_is_refused_whole(env: Env, body: Any, says: str) -> None:
    refused = await env.graph("POST", "/$batch", json=body)

    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "BadRequest"
    assert says in refused.json()["error"]["message"]
    assert not [r for r in env.emulator.requests if r.path.startswith("/v1.0/users/")]


async def test_a_batch_without_a_valid_token_is_refused(env: Env) -> None:
    refused = await env.client.post(
        "/v1.0/$batch",
        json={"requests": [read("1", "e")]},
        headers={"Authorization": "Bearer nonsense"},
    )

    assert refused.status_code == 401
