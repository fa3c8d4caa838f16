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
"""

from __future__ import annotations

import itertools
import json
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


@dataclass
class _Conversation:
    members: dict[str, dict[str, Any]] = field(default_factory=dict)


class ConnectorEmulator:
    def __init__(self) -> None:
        self.calls: list[ConnectorCall] = []
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

    def reset(self) -> None:
        self.calls.clear()
        self._conversations.clear()

    def _conversation(self, conversation_id: str) -> _Conversation:
        # A channel thread ("19:x@thread.tacv2;messageid=1") shares its channel's roster.
        roster_id = conversation_id.split(";messageid=", 1)[0]
        return self._conversations.setdefault(roster_id, _Conversation())

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

    async def _record(
        self, request: web.Request, kind: str, resource_id: str | None = None
    ) -> web.Response:
        body = await _json_body(request)
        if body is None:
            return _error(400, "BadArgument", "The request body must be a JSON object.")
        cid = request.match_info.get("cid", "")
        activity_id = request.match_info.get("aid")
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


async def _json_body(request: web.Request) -> dict[str, Any] | None:
    try:
        body = json.loads(await request.read() or b"null")
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status)
