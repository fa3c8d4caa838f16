"""`POST /v1.0/$batch`: JSON batching, as Graph documents it ("Combine multiple HTTP requests
using JSON batching").

A batch holds at most 20 requests, each with an `id` unique in the batch, a `method`, a `url`
relative to the version (`/users/{id}/events/{id}?$select=...`, the leading slash optional),
optional `headers` (`Content-Type` required with a `body`) and `dependsOn`. The answer is
always 200, `{"responses": [...]}`, one per request with its own `status`, `headers` and
`body` (JSON as JSON, anything else base64).

What clients trip over, and this emulator does on purpose:
- The responses come back in no particular order ("the order of responses may differ from the
  order of requests"): here the reverse of the requests', so a client that pairs them by
  position fails at once.
- Only the batch's `Authorization` reaches its requests; any other header on the batch (a
  `Prefer` with the time zone, say) does not. Each request carries its own.
- Each request is served, authorized and throttled as if it came alone (a 429 or a 404 is that
  request's answer, not the batch's), with at most four served at a time (Graph's Outlook
  batching), so requests outside the batch to the same mailbox can still find its four
  concurrent slots taken.
- A request whose `dependsOn` names one that failed is answered 424 without being served.
- A malformed batch (not JSON, no `requests`, more than 20, a request without an id, method or
  url, a repeated id, an absolute url, a body without `Content-Type`) is refused whole, 400.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from emulators import json_body
from emulators.graph.errors import bad_request

MAX_REQUESTS = 20
PARALLEL = 4  # Outlook requests of one batch served at a time
_METHODS = frozenset({"GET", "POST", "PATCH", "PUT", "DELETE"})


@dataclass(frozen=True)
class Step:
    """One request of a batch."""

    id: str
    method: str
    url: str  # relative to /v1.0, with its query
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    depends_on: tuple[str, ...] = ()


@dataclass(frozen=True)
class Answer:
    """A request's answer as the batch reports it."""

    status: int
    headers: dict[str, str]
    body: bytes | None
    content_type: str | None


Serve = Callable[[Step], Awaitable[Answer]]


def parse_batch(raw: bytes) -> list[Step]:
    """The batch's requests, or the 400 Graph answers a malformed batch with."""
    try:
        document = json_body.loads(raw) if raw.strip() else None
    except ValueError:
        document = None
    requests = document.get("requests") if isinstance(document, dict) else None
    if not isinstance(requests, list) or not requests:
        raise bad_request("Invalid batch payload format.")
    if len(requests) > MAX_REQUESTS:
        raise bad_request(f"The number of requests in a batch exceeds {MAX_REQUESTS}.")
    steps = [_step(item) for item in requests]
    ids = [step.id for step in steps]
    if len(set(ids)) != len(ids):
        raise bad_request("Request Id's must be unique in a batch.")
    for step in steps:
        unknown = set(step.depends_on) - set(ids)
        if unknown or step.id in step.depends_on:
            raise bad_request(f"Request {step.id} depends on a request not in the batch.")
    return steps


def _step(item: Any) -> Step:
    if not isinstance(item, dict):
        raise bad_request("Invalid batch payload format.")
    step_id, method, url = item.get("id"), item.get("method"), item.get("url")
    if not isinstance(step_id, str) or not step_id:
        raise bad_request("A request in the batch has no id.")
    if not isinstance(method, str) or method.upper() not in _METHODS:
        raise bad_request(f"Request {step_id} has no valid method.")
    if not isinstance(url, str) or not url:
        raise bad_request(f"Request {step_id} has no url.")
    if "://" in url.split("?", 1)[0]:
        raise bad_request(f"Request {step_id}: the url must be relative to the version.")
    headers = item.get("headers") or {}
    if not isinstance(headers, dict) or not all(
        isinstance(name, str) and isinstance(value, str) for name, value in headers.items()
    ):
        raise bad_request(f"Request {step_id} has invalid headers.")
    body = None
    if "body" in item and item["body"] is not None:
        if not any(name.lower() == "content-type" for name in headers):
            raise bad_request(f"Request {step_id}: a body needs a Content-Type header.")
        content = item["body"]  # JSON, or base64 for anything else
        body = (
            base64.b64decode(content) if isinstance(content, str) else json.dumps(content).encode()
        )
    depends_on = item.get("dependsOn") or []
    if not isinstance(depends_on, list) or not all(isinstance(d, str) for d in depends_on):
        raise bad_request(f"Request {step_id} has an invalid dependsOn.")
    return Step(step_id, method.upper(), url.lstrip("/"), headers, body, tuple(depends_on))


async def run_batch(steps: list[Step], serve: Serve) -> dict[str, Any]:
    """Serve every step (those it depends on first), at most PARALLEL at a time, and answer
    them all, in the reverse of their order."""
    gate = asyncio.Semaphore(PARALLEL)
    done: dict[str, asyncio.Future[Answer]] = {
        step.id: asyncio.get_running_loop().create_future() for step in steps
    }

    async def one(step: Step) -> Answer:
        for dependency in step.depends_on:
            if (await done[dependency]).status >= 400:
                answer = _failed_dependency(dependency)
                done[step.id].set_result(answer)
                return answer
        async with gate:
            answer = await serve(step)
        done[step.id].set_result(answer)
        return answer

    answers = await asyncio.gather(*(one(step) for step in steps))
    pairs = list(zip(steps, answers, strict=True))
    return {"responses": [_response(step, answer) for step, answer in reversed(pairs)]}


def _failed_dependency(dependency: str) -> Answer:
    error = {"error": {"code": "BadRequest", "message": f"Dependency {dependency} failed."}}
    return Answer(424, {}, json.dumps(error).encode(), "application/json")


def _response(step: Step, answer: Answer) -> dict[str, Any]:
    item: dict[str, Any] = {"id": step.id, "status": answer.status, "headers": answer.headers}
    if answer.body:
        content_type = answer.content_type or answer.headers.get("Content-Type", "")
        if "json" in content_type:
            item["body"] = json_body.loads(answer.body)
        else:
            item["body"] = base64.b64encode(answer.body).decode()
    return item
