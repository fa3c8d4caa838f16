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
`GET /_emulator/activities` / `GET /_emulator/stats` over HTTP; `wait_for()` lets a test wait
for a condition on what was recorded without sleeping.

Like the Teams service it can refuse: with `rate_limits=True` it enforces Teams' per-bot,
per-conversation limits (7 sends a second, 8 in 2 s, 60 in 30 s, 1800 an hour) and a per-app
limit per tenant over all of that tenant's conversations (50 sends a second by default,
`app_limits`; Teams documents "about 30-50 requests/s" per app per tenant) with 429 and
`Retry-After`. The app is the `appid` (or `azp`) claim of the bearer token, read without
verifying it, else "anonymous". The tenant of a send is the one its body names
(`conversation.tenantId`, or `tenantID` as botbuilder's model writes it, else
`channelData.tenant.id`), else the one the emulator knows for the conversation (named by an
earlier send or by the create, or set with `set_tenant` / `PUT /_emulator/tenants
{"conversations": {id: tenant}}`); sends of no known tenant share one per-app budget, as every
send did before tenants were told apart. A send refused by either limit is neither recorded
nor counted against the other. A conversation the bot was removed from answers 403
`BotNotInConversationRoster`.

`stats()` (`GET /_emulator/stats`) counts calls, activities, 429s and duplicates, and, once a
send of a known tenant arrived, per tenant under `tenants`: sends accepted, 429s and
duplicates.

Delivery keys (an emulator feature, not Teams behaviour): a send or reply whose JSON body
carries a delivery key the emulator already accepted for the same conversation id is answered
200 with the id it answered the first time, is not recorded again, does not count against the
rate limits, and is appended to `duplicates`. The key is the activity `id`, else Meetbot's
`channelData.meetbot.deliveryKey` (botbuilder's `send_activities` sets `activity.id = None`
before posting, so the reminder scheduler carries its stable per-delivery key there). The real
Teams service does NOT deduplicate on either: a resend there posts a second message. The
emulator's dedupe exists so tests can count how often a resend happened (after a crash between
sending and marking a reminder sent) by asserting on `duplicates`, while `calls` keeps showing
each delivery once.

Faults (an emulator feature, to prove the bot's retries): `fail_next(kind, times, status)` makes
the next `times` calls of one kind ("send", "reply", "update", "delete", "create", "members", or
"any") answer `status` (429 with `Retry-After`, 412, 502, 504, ...) or, with `status=None`, drop
the connection without an answer. `POST /_emulator/faults {"kind", "times", "status",
"retryAfter"}` does the same over HTTP (`"status": "drop"`; `{"kind", "oversized": size}` for
`answer_oversized`). Each injected fault is appended to
`faults_served`; a faulted call is neither recorded nor counted. `answer_oversized(kind, size)`
makes the next call of a kind answer 201 with a `size`-byte body, streamed (chunked, or with its
Content-Length when `declare_length`) and never held in memory, to prove the bot stops reading;
its `ServedFault.body_sent` says how much was written before the bot hung up.

With a channel identity (`ConnectorEmulator(identity=ChannelIdentity(app_id, password))`, see
`emulators.channel_identity`) the emulator also serves the channel's OpenID metadata, its
signing keys and the bot's login, and requires on every `/v3/` call the bot token that login
issued (401 otherwise), as the real connector does.

The Teams client (an emulator feature, `emulators.teams_client`): told how the client answers
(`teams_client.configure(ClientSettings(bot_url, answer, clients))`, or
`POST /_emulator/teams-client {"botUrl", "answer", "clients", "replicas", "tokenServiceUrl"}`),
the emulator answers each OAuth card the bot sends, replies or creates a conversation with, by
posting a `signin/tokenExchange` or `signin/verifyState` invoke to the bot, as Teams does;
`teams_client.invokes` (`GET /_emulator/teams-client`) records each with the bot's status,
`DELETE /_emulator/teams-client` stops answering.

A request is checked in this order: injected fault, bot token (401, with an identity), JSON body
(400), bot removed (403), duplicate delivery key (200), rate limits (429), then recorded (201;
200 for an update).
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import math
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from json.encoder import encode_basestring_ascii
from typing import Any

from aiohttp import web

from emulators import json_body
from emulators.channel_identity import BotTokenRefused, ChannelIdentity
from emulators.teams_client import OAUTH_CARD, TeamsClient, settings_from_json


class ConnectorCall:
    """One call the bot made: `kind` is "send", "reply", "update", "delete" or "create";
    `activity_id` is the replied-to / updated activity when the path names one, `resource_id`
    the id the connector answered with, `body` the JSON object the bot sent.

    A call recorded from HTTP keeps the body as the bytes that arrived (`raw`) and parses them
    when `body` is first read (then keeps that dict). A load run records tens of thousands of
    activities, and holding each as a tree of dicts made every garbage collection walk all of
    them: that grew to cost as much CPU as serving the requests. `json()` (what the admin API
    lists) parses without keeping, so reading the record over HTTP does not grow it again.
    """

    __slots__ = ("_body", "_raw", "activity_id", "conversation_id", "kind", "resource_id")

    def __init__(
        self,
        kind: str,
        conversation_id: str,
        activity_id: str | None,
        resource_id: str,
        body: dict[str, Any] | None = None,
        *,
        raw: bytes | None = None,
    ) -> None:
        if (body is None) == (raw is None):
            raise TypeError("a ConnectorCall needs either its body or its raw JSON bytes")
        self.kind = kind
        self.conversation_id = conversation_id
        self.activity_id = activity_id
        self.resource_id = resource_id
        self._body = body
        self._raw = raw

    @property
    def body(self) -> dict[str, Any]:
        if self._body is None:
            self._body = self._parsed()
        return self._body

    def json(self) -> dict[str, Any]:
        """The call as `GET /_emulator/activities` lists it."""
        return {
            "kind": self.kind,
            "conversation_id": self.conversation_id,
            "activity_id": self.activity_id,
            "resource_id": self.resource_id,
            "body": self._parsed() if self._body is None else self._body,
        }

    def _parsed(self) -> dict[str, Any]:
        assert self._raw is not None
        body: dict[str, Any] = json_body.loads(self._raw)  # a JSON object: checked on arrival
        return body

    def _key(self) -> tuple[Any, ...]:
        return (self.kind, self.conversation_id, self.activity_id, self.resource_id, self.body)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ConnectorCall):
            return NotImplemented
        return self._key() == other._key()

    __hash__ = None  # type: ignore[assignment]  # the body is a dict, as in a dataclass

    def __repr__(self) -> str:
        return (
            f"ConnectorCall(kind={self.kind!r}, conversation_id={self.conversation_id!r}, "
            f"activity_id={self.activity_id!r}, resource_id={self.resource_id!r}, "
            f"body={self.body!r})"
        )


# Teams' limits per bot per conversation: (sends allowed, window in seconds).
TEAMS_CONVERSATION_LIMITS: tuple[tuple[int, float], ...] = (
    (7, 1.0),
    (8, 2.0),
    (60, 30.0),
    (1800, 3600.0),
)

# Teams' limit per app (per tenant), over all conversations: "about 30-50 requests/s".
TEAMS_APP_LIMITS: tuple[tuple[int, float], ...] = ((50, 1.0),)

ANONYMOUS_APP = "anonymous"

FAULT_KINDS = frozenset(
    {"send", "reply", "update", "delete", "create", "members", "member", "pagedmembers", "any"}
)


@dataclass(frozen=True, slots=True)
class Fault:
    """An injected failure: an HTTP status (with `Retry-After` seconds for a 429), or a dropped
    connection (`status` None)."""

    status: int | None
    retry_after: float | None = None
    body_bytes: int | None = None  # an oversized answer: 201 with this many bytes of body
    declare_length: bool = False  # ... sent with its Content-Length (else chunked)


@dataclass(frozen=True, slots=True)
class ServedFault:
    kind: str
    path: str
    status: int | None  # None: the connection was dropped
    body_sent: int | None = None  # an oversized answer: the bytes written before it ended


_CHUNK = b" " * 65536
OAUTH_CARD_BYTES = OAUTH_CARD.encode()  # an oversized answer's body, written again and again


_ACTIVITY_KINDS = frozenset({"send", "reply", "update"})


class SlidingWindowLimiter:
    """Counts sends per key over several sliding windows at once.

    A send fits a window (limit, seconds) unless the limit-th most recent send of its key lies
    inside the window; so a key only needs its last max(limit) timestamps, kept in a bounded
    deque, and each check is O(number of windows). Keys whose last send left the longest window
    are dropped (oldest first, amortized O(1)). The clock must not go backwards.
    """

    def __init__(self, limits: tuple[tuple[int, float], ...], clock: Callable[[], float]) -> None:
        if not limits or any(limit < 1 or window <= 0 for limit, window in limits):
            raise ValueError("every limit needs at least one send and a positive window")
        self._limits = limits
        self._horizon = max(window for _, window in limits)
        self._depth = max(limit for limit, _ in limits)
        self._clock = clock
        # Per key, its recent send times (ascending); keys in order of their latest send.
        self._sent: OrderedDict[str, deque[float]] = OrderedDict()

    def __len__(self) -> int:
        """How many keys the limiter is tracking."""
        return len(self._sent)

    def admit(self, key: str) -> float | None:
        """Record a send and return None, or refuse it: the seconds until it would fit."""
        now = self._clock()
        wait = self.check(key, now)
        if wait is None:
            self.record(key, now)
        return wait

    def check(self, key: str, now: float | None = None) -> float | None:
        """Whether a send for `key` would fit now, without recording it: None if it would,
        else the seconds until it would."""
        now = self._clock() if now is None else now
        sent = self._sent.get(key)
        if not sent:
            return None
        wait = 0.0
        for limit, window in self._limits:
            if len(sent) >= limit and (oldest := sent[-limit]) > now - window:
                wait = max(wait, oldest + window - now)
        return wait if wait > 0 else None

    def record(self, key: str, now: float | None = None) -> None:
        """Count a send for `key` (after `check` said it fits)."""
        now = self._clock() if now is None else now
        expired = now - self._horizon
        sent = self._sent.get(key)
        if sent is None:
            sent = self._sent[key] = deque(maxlen=self._depth)
        else:
            self._sent.move_to_end(key)
            while sent and sent[0] <= expired:
                sent.popleft()
        sent.append(now)
        # Keys are ordered by their latest send: drop those whose latest send has expired.
        while self._sent:
            first = next(iter(self._sent.values()))
            if first and first[-1] > expired:
                break
            self._sent.popitem(last=False)

    def clear(self) -> None:
        self._sent.clear()


@dataclass
class _Conversation:
    members: dict[str, dict[str, Any]] = field(default_factory=dict)
    tenant: str | None = None


@dataclass(slots=True)
class TenantCounts:
    """What one tenant's sends came to: accepted (recorded), answered 429, recognised as
    duplicates."""

    accepted: int = 0
    throttled: int = 0
    duplicates: int = 0

    def json(self) -> dict[str, int]:
        return asdict(self)


class ConnectorEmulator:
    def __init__(
        self,
        *,
        rate_limits: bool = False,
        clock: Callable[[], float] = time.monotonic,
        app_limits: tuple[tuple[int, float], ...] = TEAMS_APP_LIMITS,
        identity: ChannelIdentity | None = None,
    ) -> None:
        self.identity = identity
        self.calls: list[ConnectorCall] = []
        self.faults_served: list[ServedFault] = []
        self.unauthorized: list[str] = []  # paths of /v3/ calls refused for their bot token
        self._faults: dict[str, deque[Fault]] = {}
        self.throttled: list[str] = []  # conversation ids of the sends answered 429
        self.duplicates: list[ConnectorCall] = []  # resends of an accepted delivery key
        self._clock = clock
        self._app_limits = app_limits
        self._limiter: SlidingWindowLimiter | None = None
        self._app_limiter: SlidingWindowLimiter | None = None
        self._activities: list[ConnectorCall] = []
        self._by_conversation: dict[str, list[ConnectorCall]] = {}
        self._delivered: dict[tuple[str, str], str] = {}  # (conversation, activity id) -> rid
        self._removed: set[str] = set()
        self._conversations: dict[str, _Conversation] = {}
        self._tenants: dict[str, TenantCounts] = {}
        self._ids = itertools.count(1)
        self._changed: tuple[asyncio.AbstractEventLoop, asyncio.Event] | None = None
        self.teams_client = TeamsClient(identity, notify=self._notify)
        self.app = web.Application(middlewares=[self._faults_and_auth])
        self._routes()
        if identity is not None:
            identity.add_routes(self.app.router)
        if rate_limits:
            self.enable_rate_limits()

    def enable_rate_limits(
        self,
        *,
        clock: Callable[[], float] | None = None,
        app_limits: tuple[tuple[int, float], ...] | None = None,
    ) -> None:
        """Enforce the per-conversation and per-app limits from now on, with empty windows (for
        an emulator built without them, e.g. by a shared fixture), optionally on another clock
        or with other per-app limits."""
        if clock is not None:
            self._clock = clock
        if app_limits is not None:
            self._app_limits = app_limits
        self._limiter = SlidingWindowLimiter(TEAMS_CONVERSATION_LIMITS, self._clock)
        self._app_limiter = SlidingWindowLimiter(self._app_limits, self._clock)

    def fail_next(
        self,
        kind: str,
        times: int = 1,
        status: int | None = 502,
        *,
        retry_after: float | None = None,
    ) -> None:
        """Make the next `times` calls of `kind` answer `status` (None: drop the connection);
        a 429 carries `Retry-After: retry_after` (default 1 s)."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown call kind {kind!r}; one of {sorted(FAULT_KINDS)}")
        if times < 1 or (status is not None and not 400 <= status <= 599):
            raise ValueError("a fault needs times >= 1 and an error status (or None to drop)")
        if status == 429 and retry_after is None:
            retry_after = 1.0
        self._faults.setdefault(kind, deque()).extend([Fault(status, retry_after)] * times)

    def answer_oversized(self, kind: str, size: int, *, declare_length: bool = False) -> None:
        """Make the next call of `kind` answer 201 with a body of `size` bytes (spaces), written
        as fast as the client reads it: chunked, or after a Content-Length when
        `declare_length`."""
        if kind not in FAULT_KINDS or size < 1:
            raise ValueError(f"an oversized answer needs a call kind and a size, not {kind!r}")
        fault = Fault(201, body_bytes=size, declare_length=declare_length)
        self._faults.setdefault(kind, deque()).append(fault)

    def activities(self, conversation_id: str | None = None) -> list[ConnectorCall]:
        """Calls that carried an activity (sends, replies, updates), optionally for one
        conversation."""
        if conversation_id is None:
            return list(self._activities)
        return list(self._by_conversation.get(conversation_id, ()))

    def stats(self) -> dict[str, Any]:
        """Counts of recorded calls, activity calls, 429s and recognised duplicates; with
        `tenants` (each tenant's `TenantCounts.json()`) once a send of a known tenant came."""
        stats: dict[str, Any] = {
            "calls": len(self.calls),
            "activities": len(self._activities),
            "throttled": len(self.throttled),
            "duplicates": len(self.duplicates),
        }
        if self._tenants:
            stats["tenants"] = {t: counts.json() for t, counts in self._tenants.items()}
        return stats

    def tenant_counts(self, tenant: str) -> TenantCounts:
        """What the sends of `tenant` came to so far (all zero for a tenant never seen)."""
        return self._tenants.get(tenant, TenantCounts())

    def set_tenant(self, conversation_id: str, tenant: str) -> None:
        """The tenant a conversation belongs to, for sends whose body names none."""
        self._conversation(conversation_id).tenant = tenant

    async def wait_for(
        self,
        predicate: Callable[[ConnectorEmulator], bool],
        timeout: float,  # noqa: ASYNC109 (the deadline is this helper's point)
    ) -> None:
        """Return as soon as `predicate(self)` holds (checked now and after every call the
        emulator records, recognises as a duplicate or throttles); raise TimeoutError if it
        still does not after `timeout` seconds."""
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                while not predicate(self):
                    await self._change_event(loop).wait()
        except TimeoutError:
            if predicate(self):
                return
            name = getattr(predicate, "__qualname__", repr(predicate))
            raise TimeoutError(
                f"connector emulator: {name} still false after {timeout:g} s "
                f"(stats: {self.stats()}, last call: {self._last_call()})"
            ) from None

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
        self.duplicates.clear()
        self.faults_served.clear()
        self.unauthorized.clear()
        self._faults.clear()
        self._activities.clear()
        self._by_conversation.clear()
        self._delivered.clear()
        self._removed.clear()
        self._conversations.clear()
        self._tenants.clear()
        self.teams_client.reset()
        for limiter in (self._limiter, self._app_limiter):
            if limiter is not None:
                limiter.clear()
        self._notify()

    def _conversation(self, conversation_id: str) -> _Conversation:
        return self._conversations.setdefault(_roster_id(conversation_id), _Conversation())

    def _append(self, call: ConnectorCall) -> None:
        self.calls.append(call)
        if call.kind in _ACTIVITY_KINDS:
            self._activities.append(call)
            self._by_conversation.setdefault(call.conversation_id, []).append(call)
        self._notify()

    def _last_call(self) -> str:
        if not self.calls:
            return "none"
        call = self.calls[-1]
        return f"{call.kind} {call.conversation_id} -> {call.resource_id}"

    def _change_event(self, loop: asyncio.AbstractEventLoop) -> asyncio.Event:
        # Created lazily in the running loop: the emulator may be built outside any loop, and
        # a test run may use several loops one after another.
        if self._changed is None or self._changed[0] is not loop:
            self._changed = (loop, asyncio.Event())
        return self._changed[1]

    def _notify(self) -> None:
        # Wake every waiter; the next wait gets a fresh event.
        if self._changed is not None:
            self._changed[1].set()
            self._changed = None

    def _routes(self) -> None:
        base = "/v3/conversations"
        # Route names are the call kinds faults are injected by.
        router = self.app.router
        router.add_post(base, self._create_conversation, name="create")
        router.add_post(base + "/{cid}/activities", self._send, name="send")
        router.add_post(base + "/{cid}/activities/{aid}", self._reply, name="reply")
        router.add_put(base + "/{cid}/activities/{aid}", self._update, name="update")
        router.add_delete(base + "/{cid}/activities/{aid}", self._delete, name="delete")
        router.add_get(base + "/{cid}/members", self._members, name="members")
        router.add_get(base + "/{cid}/pagedmembers", self._paged_members, name="pagedmembers")
        router.add_get(base + "/{cid}/members/{mid}", self._member, name="member")
        router.add_post("/_emulator/faults", self._admin_faults)
        self.app.router.add_get("/_emulator/activities", self._admin_activities)
        self.app.router.add_get("/_emulator/stats", self._admin_stats)
        self.app.router.add_post("/_emulator/reset", self._admin_reset)
        self.app.router.add_put("/_emulator/conversations/{cid}/members", self._admin_add_member)
        self.app.router.add_put("/_emulator/conversations/{cid}/removed", self._admin_removed)
        self.app.router.add_put("/_emulator/tenants", self._admin_tenants)
        self.app.router.add_post("/_emulator/teams-client", self._admin_teams_client)
        self.app.router.add_get("/_emulator/teams-client", self._admin_client_invokes)
        self.app.router.add_delete("/_emulator/teams-client", self._admin_client_off)

    @web.middleware
    async def _faults_and_auth(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        kind = request.match_info.route.name
        if kind is None or kind not in FAULT_KINDS:  # admin and identity routes
            return await handler(request)
        fault = self._next_fault(kind)
        if fault is not None and fault.body_bytes is not None:
            return await self._oversized(request, kind, fault.body_bytes, fault.declare_length)
        if fault is not None:
            self.faults_served.append(ServedFault(kind, request.path, fault.status))
            self._notify()
            if fault.status is None:
                if request.transport is not None:
                    request.transport.abort()  # the client sees the connection close unanswered
                return web.Response(status=500)
            response = _error(fault.status, "Injected", f"Injected fault {fault.status}.")
            if fault.retry_after is not None:
                response.headers["Retry-After"] = f"{fault.retry_after:g}"
            return response
        if self.identity is not None:
            try:
                self.identity.verify_bot_token(request.headers.get("Authorization"))
            except BotTokenRefused as refused:
                self.unauthorized.append(request.path)
                self._notify()
                return _error(401, "Unauthorized", f"Authorization has been denied: {refused}.")
        return await handler(request)

    async def _oversized(
        self, request: web.Request, kind: str, size: int, declare_length: bool
    ) -> web.StreamResponse:
        await request.read()
        response = web.StreamResponse(status=201, headers={"Content-Type": "application/json"})
        if declare_length:
            response.content_length = size
        sent = 0
        try:
            await response.prepare(request)
            while sent < size:
                piece = _CHUNK if size - sent >= len(_CHUNK) else _CHUNK[: size - sent]
                await response.write(piece)  # waits while the client is not reading
                sent += len(piece)
            await response.write_eof()
        except ConnectionError:  # the client hung up: what it refused to read is the point
            if request.transport is not None:
                request.transport.abort()
        finally:
            self.faults_served.append(ServedFault(kind, request.path, 201, body_sent=sent))
            self._notify()
        return response

    def _next_fault(self, kind: str) -> Fault | None:
        for key in (kind, "any"):
            queue = self._faults.get(key)
            if queue:
                return queue.popleft()
        return None

    async def _record(self, request: web.Request, kind: str) -> web.Response:
        raw = await request.read()
        body = _json_object(raw)
        if body is None:
            return _error(400, "BadArgument", "The request body must be a JSON object.")
        cid = request.match_info.get("cid", "")
        activity_id = request.match_info.get("aid")
        if _roster_id(cid) in self._removed:
            return _error(
                403, "BotNotInConversationRoster", "The bot is not part of the conversation roster."
            )
        tenant = self._tenant_of(cid, body)
        counts = None if tenant is None else self._tenants.setdefault(tenant, TenantCounts())
        key = _delivery_key(body) if kind != "update" else None
        delivery_key = (cid, key) if key is not None else None
        if delivery_key is not None and (first := self._delivered.get(delivery_key)) is not None:
            self.duplicates.append(ConnectorCall(kind, cid, activity_id, first, raw=raw))
            if counts is not None:
                counts.duplicates += 1
            self._notify()
            return _resource_answer(first, 200)
        if (refused := self._throttle(request, cid, tenant)) is not None:
            if counts is not None:
                counts.throttled += 1
            return refused
        rid = str(activity_id) if kind == "update" else f"1:{next(self._ids)}"
        if delivery_key is not None:
            self._delivered[delivery_key] = rid
        call = ConnectorCall(kind, cid, activity_id, rid, raw=raw)
        if counts is not None:
            counts.accepted += 1
        self._append(call)
        # Only a configured client looks inside: a load run's sends stay unparsed.
        if kind != "update" and self.teams_client.settings is not None and OAUTH_CARD_BYTES in raw:
            self._show_to_client(request, cid, call.body)
        return _resource_answer(rid, 200 if kind == "update" else 201)

    def _show_to_client(self, request: web.Request, cid: str, activity: dict[str, Any]) -> None:
        service_url = str(request.url.with_query(None)).split("/v3/conversations", 1)[0]
        roster = self._conversation(cid).members
        self.teams_client.saw(activity, conversation_id=cid, service_url=service_url, roster=roster)

    def _tenant_of(self, cid: str, body: dict[str, Any]) -> str | None:
        """The tenant the body names (and the conversation is then known by), else the one
        known for the conversation."""
        conversation = self._conversation(cid)
        named = _named_tenant(body)
        if named is not None:
            conversation.tenant = named
        return conversation.tenant

    def _throttle(self, request: web.Request, cid: str, tenant: str | None) -> web.Response | None:
        """Check both limits before counting the send against either: a 429, or None (and the
        send counted). The per-app budget is the app's in the send's tenant."""
        if self._limiter is None or self._app_limiter is None:
            return None
        now = self._clock()
        app_id = _app_id(request.headers.get("Authorization", ""))
        if tenant is not None:
            app_id = f"{app_id} in {tenant}"
        conversation_wait = self._limiter.check(cid, now)
        app_wait = self._app_limiter.check(app_id, now)
        if conversation_wait is None and app_wait is None:
            self._limiter.record(cid, now)
            self._app_limiter.record(app_id, now)
            return None
        self.throttled.append(cid)
        self._notify()
        scope = "this conversation" if conversation_wait is not None else "this app"
        if conversation_wait is None and tenant is not None:
            scope = "this app in this tenant"
        response = _error(429, "Throttled", f"Too many requests for {scope}.")
        wait = max(conversation_wait or 0.0, app_wait or 0.0)
        response.headers["Retry-After"] = str(max(1, math.ceil(wait)))
        return response

    async def _create_conversation(self, request: web.Request) -> web.Response:
        body = await _json_body(request)
        if body is None:
            return _error(400, "BadArgument", "The request body must be a JSON object.")
        cid = f"a:local-{next(self._ids)}"
        tenant = body.get("tenantId")
        if isinstance(tenant, str) and tenant:
            self.set_tenant(cid, tenant)
        self._append(ConnectorCall("create", cid, None, cid, body))
        activity = body.get("activity")
        if isinstance(activity, dict):
            self._append(ConnectorCall("send", cid, None, f"1:{next(self._ids)}", activity))
            if self.teams_client.settings is not None:
                # A new 1:1 chat's activity names its user among the members, not as recipient.
                members = body.get("members")
                first = members[0] if isinstance(members, list) and members else None
                shown = {"recipient": first} | activity if isinstance(first, dict) else activity
                if "tenantId" in body:
                    shown = shown | {"conversation": {"tenantId": body["tenantId"]}}
                self._show_to_client(request, cid, shown)
        return web.json_response({"id": cid, "activityId": "", "serviceUrl": ""}, status=201)

    async def _send(self, request: web.Request) -> web.Response:
        return await self._record(request, "send")

    async def _reply(self, request: web.Request) -> web.Response:
        return await self._record(request, "reply")

    async def _update(self, request: web.Request) -> web.Response:
        return await self._record(request, "update")

    async def _delete(self, request: web.Request) -> web.Response:
        cid, aid = request.match_info["cid"], request.match_info["aid"]
        self._append(ConnectorCall("delete", cid, aid, aid, {}))
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

    async def _admin_faults(self, request: web.Request) -> web.Response:
        body = await _json_body(request)
        if body is None:
            return _error(400, "BadArgument", "Send {kind, times, status, retryAfter}.")
        status = body.get("status", 502)
        retry_after = body.get("retryAfter")
        try:
            if "oversized" in body:
                self.answer_oversized(str(body.get("kind", "any")), int(body["oversized"]))
                return web.json_response(body, status=201)
            self.fail_next(
                str(body.get("kind", "any")),
                int(body.get("times", 1)),
                None if status == "drop" else int(status),
                retry_after=None if retry_after is None else float(retry_after),
            )
        except (TypeError, ValueError) as error:
            return _error(400, "BadArgument", str(error))
        return web.json_response(body, status=201)

    async def _admin_activities(self, request: web.Request) -> web.Response:
        return web.json_response([call.json() for call in self.calls])

    async def _admin_stats(self, request: web.Request) -> web.Response:
        return web.json_response(self.stats())

    async def _admin_reset(self, request: web.Request) -> web.Response:
        self.reset()
        return web.Response(status=204)

    async def _admin_add_member(self, request: web.Request) -> web.Response:
        body = await _json_body(request)
        if body is None or "id" not in body:
            return _error(400, "BadArgument", "A member needs an id.")
        self.add_member(request.match_info["cid"], body)
        return web.json_response(body)

    async def _admin_tenants(self, request: web.Request) -> web.Response:
        body = await _json_body(request)
        conversations = body.get("conversations") if body is not None else None
        if not isinstance(conversations, dict) or not all(
            isinstance(tenant, str) and tenant for tenant in conversations.values()
        ):
            return _error(400, "BadArgument", 'Send {"conversations": {id: tenant}}.')
        for cid, tenant in conversations.items():
            self.set_tenant(cid, tenant)
        return web.json_response({"conversations": len(conversations)})

    async def _admin_teams_client(self, request: web.Request) -> web.Response:
        body = await _json_body(request)
        try:
            self.teams_client.configure(settings_from_json(body or {}))
        except ValueError as error:
            return _error(400, "BadArgument", str(error))
        return web.json_response(body, status=201)

    async def _admin_client_invokes(self, request: web.Request) -> web.Response:
        return web.json_response([invoke.json() for invoke in self.teams_client.invokes])

    async def _admin_client_off(self, request: web.Request) -> web.Response:
        self.teams_client.configure(None)
        return web.Response(status=204)

    async def _admin_removed(self, request: web.Request) -> web.Response:
        body = await _json_body(request)
        removed = bool(body.get("removed", True)) if body is not None else True
        self.remove_bot(request.match_info["cid"], removed)
        return web.json_response({"removed": removed})


def _roster_id(conversation_id: str) -> str:
    # A channel thread ("19:x@thread.tacv2;messageid=1") shares its channel's roster.
    return conversation_id.split(";messageid=", 1)[0]


def _delivery_key(body: dict[str, Any]) -> str | None:
    """The activity's `id`, else Meetbot's `channelData.meetbot.deliveryKey` (botbuilder's
    `send_activities` clears `activity.id` before posting, so a bot sending through a
    TurnContext can only carry its key in channelData)."""
    if body.get("id"):
        return str(body["id"])
    channel_data = body.get("channelData")
    meetbot = channel_data.get("meetbot") if isinstance(channel_data, dict) else None
    key = meetbot.get("deliveryKey") if isinstance(meetbot, dict) else None
    return key if isinstance(key, str) and key else None


def _named_tenant(body: dict[str, Any]) -> str | None:
    """The tenant an activity names: `conversation.tenantId` (Teams' spelling; botbuilder's
    model writes `tenantID`), else `channelData.tenant.id`."""
    conversation = body.get("conversation")
    if isinstance(conversation, dict):
        for name in ("tenantId", "tenantID"):
            tenant = conversation.get(name)
            if isinstance(tenant, str) and tenant:
                return tenant
    channel_data = body.get("channelData")
    named = channel_data.get("tenant") if isinstance(channel_data, dict) else None
    tenant = named.get("id") if isinstance(named, dict) else None
    return tenant if isinstance(tenant, str) and tenant else None


def _app_id(authorization: str) -> str:
    """The `appid` (v1 tokens) or `azp` (v2) claim of a bearer JWT, read without verifying it:
    the emulator only needs to tell apps apart. "anonymous" when there is no decodable token."""
    scheme, _, token = authorization.strip().partition(" ")
    parts = token.strip().split(".")
    if scheme.lower() != "bearer" or len(parts) < 2:
        return ANONYMOUS_APP
    payload = parts[1]
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except ValueError:  # binascii.Error and UnicodeDecodeError included
        return ANONYMOUS_APP
    if isinstance(claims, dict):
        for claim in ("appid", "azp"):
            value = claims.get(claim)
            if isinstance(value, str) and value:
                return value
    return ANONYMOUS_APP


async def _json_body(request: web.Request) -> dict[str, Any] | None:
    return _json_object(await request.read())


def _json_object(raw: bytes) -> dict[str, Any] | None:
    """The JSON object `raw` holds, or None (not JSON, or not an object)."""
    try:
        body = json_body.loads(raw or b"null")
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _resource_answer(resource_id: str, status: int) -> web.Response:
    """`web.json_response({"id": resource_id}, status=status)`, the same bytes and headers,
    without encoding a dict: every recorded activity is answered with one."""
    body = f'{{"id": {encode_basestring_ascii(resource_id)}}}'.encode()
    return web.Response(body=body, status=status, content_type="application/json", charset="utf-8")


def _error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status)
