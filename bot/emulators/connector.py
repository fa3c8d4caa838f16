"""A local Bot Connector: where the bot's replies, updates and proactive sends land.

It speaks the Bot Connector REST API v3 that botbuilder's `ConnectorClient` calls:

    POST   /v3/conversations                                   create a conversation
    POST   /v3/conversations/{conversationId}/activities       send to a conversation
    POST   /v3/conversations/{conversationId}/activities/{id}  reply to an activity
    PUT    /v3/conversations/{conversationId}/activities/{id}  update an activity
    DELETE /v3/conversations/{conversationId}/activities/{id}  delete an activity
    GET    /v3/conversations/{conversationId}/members[/{id}]   the roster, one member
    GET    /v3/conversations/{conversationId}/pagedmembers     the roster, paged

and records every call per conversation. Local runs and tests share it: point an activity's
`serviceUrl` at it and read back what the bot sent, through `activities()` in-process or
`GET /_emulator/activities` over HTTP.

Like the Teams service it can refuse: with `rate_limits=True` it enforces Teams' per-bot,
per-conversation limits (7 sends a second, 8 in 2 s, 60 in 30 s, 1800 an hour) with 429 and
`Retry-After`; and a conversation the bot was removed from answers 403
`BotNotInConversationRoster`.
"""

from __future__ import annotations

import itertools
import json
import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from aiohttp import web


@dataclass(frozen=True, slots=True)
class ConnectorCall:
    """One call the bot made: `kind` is "send", "reply", "update", "delete" or "create"."""

    kind: str
    conversation_id: str
    activity_id: str | None  # the replied-to / updated activity, when the path names one
    resource_id: str  # the id the connector answered with
    body: dict[str, Any]


# Teams' limits per bot per conversation: (sends allowed, window in seconds).
TEAMS_CONVERSATION_LIMITS: tuple[tuple[int, float], ...] = (
    (7, 1.0),
    (8, 2.0),
    (60, 30.0),
    (1800, 3600.0),
)


class SlidingWindowLimiter:
    """Counts sends per key over several sliding windows at once."""

    def __init__(self, limits: tuple[tuple[int, float], ...], clock: Callable[[], float]) -> None:
        self._limits = limits
        self._horizon = max(window for _, window in limits)
        self._clock = clock
        self._sent: dict[str, deque[float]] = {}

    def admit(self, key: str) -> float | None:
        """Record a send and return None, or refuse it: the seconds until it would fit."""
        now = self._clock()
        sent = self._sent.setdefault(key, deque())
        while sent and sent[0] <= now - self._horizon:
            sent.popleft()
        wait = 0.0
        for limit, window in self._limits:
            recent = [t for t in sent if t > now - window]
            if len(recent) >= limit:
                wait = max(wait, recent[-limit] + window - now)
        if wait > 0:
            return wait
        sent.append(now)
        return None


@dataclass
class _Conversation:
    members: dict[str, dict[str, Any]] = field(default_factory=dict)


class ConnectorEmulator:
    def __init__(
        self, *, rate_limits: bool = False, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.calls: list[ConnectorCall] = []
        self.throttled: list[str] = []  # conversation ids of the sends answered 429
        self._limiter = (
            SlidingWindowLimiter(TEAMS_CONVERSATION_LIMITS, clock) if rate_limits else None
        )
        self._removed: set[str] = set()
        self._conversations: dict[str, _Conversation] = {}
        self._ids = itertools.count(1)
        self.app = web.Application()
        self._routes()

    def activities(self, conversation_id: str | None = None) -> list[ConnectorCall]:
        """Calls that carried an activity (sends, replies, updates), optionally for one
        conversation."""
        return [
            call
            for call in self.calls
            if call.kind in {"send", "reply", "update"}
            and (conversation_id is None or call.conversation_id == conversation_id)
        ]

    def add_member(self, conversation_id: str, member: dict[str, Any]) -> None:
        """Put a Teams member (`id`, `aadObjectId`, `name`, `email`, `userPrincipalName`) on a
        conversation's roster."""
        self._conversation(conversation_id).members[str(member["id"])] = member

    def remove_bot(self, conversation_id: str, removed: bool = True) -> None:
        """The bot was removed from (or added back to) the conversation."""
        roster_id = _roster_id(conversation_id)
        if removed:
            self._removed.add(roster_id)
        else:
            self._removed.discard(roster_id)

    def reset(self) -> None:
        self.calls.clear()
        self.throttled.clear()
        self._removed.clear()
        self._conversations.clear()

    def _conversation(self, conversation_id: str) -> _Conversation:
        return self._conversations.setdefault(_roster_id(conversation_id), _Conversation())

    def _routes(self) -> None:
        base = "/v3/conversations"
        self.app.router.add_post(base, self._create_conversation)
        self.app.router.add_post(base + "/{cid}/activities", self._send)
        self.app.router.add_post(base + "/{cid}/activities/{aid}", self._reply)
        self.app.router.add_put(base + "/{cid}/activities/{aid}", self._update)
        self.app.router.add_delete(base + "/{cid}/activities/{aid}", self._delete)
        self.app.router.add_get(base + "/{cid}/members", self._members)
        self.app.router.add_get(base + "/{cid}/pagedmembers", self._paged_members)
        self.app.router.add_get(base + "/{cid}/members/{mid}", self._member)
        self.app.router.add_get("/_emulator/activities", self._admin_activities)
        self.app.router.add_post("/_emulator/reset", self._admin_reset)
        self.app.router.add_put("/_emulator/conversations/{cid}/members", self._admin_add_member)
        self.app.router.add_put("/_emulator/conversations/{cid}/removed", self._admin_removed)

    async def _record(
        self, request: web.Request, kind: str, resource_id: str | None = None
    ) -> web.Response:
        body = await _json_body(request)
        if body is None:
            return _error(400, "BadArgument", "The request body must be a JSON object.")
        cid = request.match_info.get("cid", "")
        activity_id = request.match_info.get("aid")
        if _roster_id(cid) in self._removed:
            return _error(
                403, "BotNotInConversationRoster", "The bot is not part of the conversation roster."
            )
        if self._limiter is not None and (wait := self._limiter.admit(cid)) is not None:
            self.throttled.append(cid)
            response = _error(429, "Throttled", "Too many requests for this conversation.")
            response.headers["Retry-After"] = str(math.ceil(wait))
            return response
        rid = resource_id or str(body.get("id") or "") or f"1:{next(self._ids)}"
        self.calls.append(ConnectorCall(kind, cid, activity_id, rid, body))
        return web.json_response({"id": rid}, status=200 if kind == "update" else 201)

    async def _create_conversation(self, request: web.Request) -> web.Response:
        body = await _json_body(request)
        if body is None:
            return _error(400, "BadArgument", "The request body must be a JSON object.")
        cid = f"a:local-{next(self._ids)}"
        self.calls.append(ConnectorCall("create", cid, None, cid, body))
        activity = body.get("activity")
        if isinstance(activity, dict):
            self.calls.append(ConnectorCall("send", cid, None, f"1:{next(self._ids)}", activity))
        return web.json_response({"id": cid, "activityId": "", "serviceUrl": ""}, status=201)

    async def _send(self, request: web.Request) -> web.Response:
        return await self._record(request, "send", f"1:{next(self._ids)}")

    async def _reply(self, request: web.Request) -> web.Response:
        return await self._record(request, "reply", f"1:{next(self._ids)}")

    async def _update(self, request: web.Request) -> web.Response:
        return await self._record(request, "update", request.match_info["aid"])

    async def _delete(self, request: web.Request) -> web.Response:
        cid, aid = request.match_info["cid"], request.match_info["aid"]
        self.calls.append(ConnectorCall("delete", cid, aid, aid, {}))
        return web.Response(status=200)

    async def _members(self, request: web.Request) -> web.Response:
        members = self._conversation(request.match_info["cid"]).members
        return web.json_response(list(members.values()))

    async def _paged_members(self, request: web.Request) -> web.Response:
        members = self._conversation(request.match_info["cid"]).members
        return web.json_response({"members": list(members.values())})

    async def _member(self, request: web.Request) -> web.Response:
        members = self._conversation(request.match_info["cid"]).members
        wanted = request.match_info["mid"]
        for member in members.values():
            if wanted in {member.get("id"), member.get("aadObjectId")}:
                return web.json_response(member)
        return _error(404, "MemberNotFoundInConversation", "The member was not found.")

    async def _admin_activities(self, request: web.Request) -> web.Response:
        return web.json_response([asdict(call) for call in self.calls])

    async def _admin_reset(self, request: web.Request) -> web.Response:
        self.reset()
        return web.Response(status=204)

    async def _admin_add_member(self, request: web.Request) -> web.Response:
        body = await _json_body(request)
        if body is None or "id" not in body:
            return _error(400, "BadArgument", "A member needs an id.")
        self.add_member(request.match_info["cid"], body)
        return web.json_response(body)

    async def _admin_removed(self, request: web.Request) -> web.Response:
        body = await _json_body(request)
        removed = bool(body.get("removed", True)) if body is not None else True
        self.remove_bot(request.match_info["cid"], removed)
        return web.json_response({"removed": removed})


def _roster_id(conversation_id: str) -> str:
    # A channel thread ("19:x@thread.tacv2;messageid=1") shares its channel's roster.
    return conversation_id.split(";messageid=", 1)[0]


async def _json_body(request: web.Request) -> dict[str, Any] | None:
    try:
        body = json.loads(await request.read() or b"null")
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status)
