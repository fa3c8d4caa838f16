"""The Graph emulator as one aiohttp application: identity, Graph v1.0 and the admin API.

Every non-admin request passes one middleware that gives it Graph's `request-id`,
`client-request-id` and `Date` headers, turns a raised GraphError into Graph's JSON error, and
records it. Graph requests then pass authentication, routing and the per-mailbox concurrency
limit before their handler runs.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import replace
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from aiohttp import web

from emulators.graph.admin import admin_routes
from emulators.graph.batch import Answer, Step, parse_batch, run_batch
from emulators.graph.config import GraphEmulatorConfig, UserConfig
from emulators.graph.errors import GraphError, RequestIds, error_body
from emulators.graph.events import (
    apply_patch,
    canonical_properties,
    render_event,
    seeded_event,
)
from emulators.graph.faults import Dropped, FaultInjector, FaultRule
from emulators.graph.identity import (
    AadError,
    IssuedToken,
    TokenIssuer,
    TokenKey,
    delegated_token,
    openid_configuration,
)
from emulators.graph.places import Places, places_routes
from emulators.graph.quirks import find_event, mailbox_not_enabled, moved
from emulators.graph.recording import RecordedRequest, RequestLog
from emulators.graph.routes import (
    BATCHED_BODY,
    GraphCall,
    Handler,
    Route,
    body_of,
    check_mailbox_access,
    graph_json,
    on_behalf_of,
    resolve,
)
from emulators.graph.series import instances
from emulators.graph.state import Directory, UserState
from emulators.graph.zones import UTC_ZONE, instant_text

log = logging.getLogger(__name__)

Hook = Callable[[web.Request], Awaitable[None]]
_FAULT = web.RequestKey("meetbot.graph.fault", str)
_CALLER = web.RequestKey("meetbot.graph.caller", IssuedToken)
_UNREAD = web.RequestKey(
    "meetbot.graph.unread-batch", web.Request
)  # what its requests are cloned from
BATCH_PATH = "/v1.0/$batch"


class GraphEmulator:
    """A local, HTTPS-served stand-in for Entra ID's token endpoint and Graph v1.0.

    `before_handle` is a seam for tests and demos: when set, it is awaited by every Graph
    request after it has passed auth and routing and holds its mailbox slot, so a test can keep
    requests in flight (to reach the concurrency limit) without sleeping.

    `faults` injects failures per route (see `emulators.graph.faults`): throttling, 5xx,
    answers held past the client's timeout and dropped connections, before or after the
    request takes effect. Shutting the app down releases every held answer.
    """

    def __init__(
        self, config: GraphEmulatorConfig | None = None, *, signing_key: TokenKey | None = None
    ) -> None:
        """`signing_key`: the key delegated tokens are signed with (default: a fresh one), so
        that another process's tokens (the token service's, `TokenKey.shared`) are good here."""
        self.config = config or GraphEmulatorConfig()
        self.before_handle: Hook | None = None
        self.faults = FaultInjector()
        self.places = Places()
        self._issuer = TokenIssuer(self.config, signing_key)
        self._directory = Directory(self.config.tenant_id)
        self._log = RequestLog()
        self._token_requests = 0
        self._date: tuple[datetime | None, str] = (None, "")  # the last `Date` header, by second
        self._app = self._build_app()

    @property
    def app(self) -> web.Application:
        return self._app

    @property
    def requests(self) -> list[RecordedRequest]:
        return self._log.entries()

    @property
    def token_requests(self) -> int:
        return self._token_requests

    @property
    def issued_tokens(self) -> list[str]:
        return self._issuer.issued()

    @property
    def signing_key(self) -> TokenKey:
        """The key this emulator's delegated tokens are signed with (`delegated_token`)."""
        return self._issuer.signing_key

    def delegated_token(self, user_oid: str, scopes: Iterable[str], **options: Any) -> str:
        """A signed-in user's token for this emulator, now by its clock: see
        `emulators.graph.identity.delegated_token` for the claims and `options`."""
        options.setdefault("now", self.now())
        return delegated_token(self.signing_key, user_oid, self.config.tenant_id, scopes, **options)

    def configure_user(self, user_id: str, **fields: Any) -> UserConfig:
        """Create or replace a user's knobs; their events and meetings stay."""
        return self._directory.configure(user_id, UserConfig(**fields)).config

    def events(self, user_id: str) -> list[dict[str, Any]]:
        user = self._directory.get(user_id)
        if user is None:
            return []
        organizer = self._directory.organizer(user)
        return [render_event(event, organizer, UTC_ZONE) for event in user.events.values()]

    def seed_event(self, user_id: str, event_json: dict[str, Any]) -> dict[str, Any]:
        """Put an event straight on a user's calendar, as Graph JSON (times in UTC).

        Takes what `POST /users/{id}/events` takes, plus `organizer` (someone else's meeting:
        `isOrganizer` false), `type`, `seriesMasterId` and, for someone else's meeting,
        `isCancelled`. Raises the emulator's GraphError for a body Graph would refuse.
        """
        user = self._directory.provision(user_id)
        owner = self._directory.organizer(user)
        event = seeded_event(canonical_properties(event_json), owner, self.now())
        user.add_event(event)
        return render_event(event, owner, UTC_ZONE)

    def update_event(
        self, user_id: str, event_id: str, patch_json: dict[str, Any]
    ) -> dict[str, Any]:
        """Change an event as its owner would in Outlook (a PATCH body: move it, rename it);
        an occurrence id changes that one occurrence.

        `event_id` is the event's immutable id or, with `mutableIds`, its REST id of now; a
        new start or end is a move (`emulators.graph.quirks`). Raises KeyError for an unknown
        event and the emulator's GraphError for a body Graph would refuse.
        """
        user = self._directory.provision(user_id)
        owner = self._directory.organizer(user)
        event = find_event(user, event_id, immutable=True) or find_event(
            user, event_id, immutable=False
        )
        if event is None:
            raise KeyError(event_id)
        before = (event.start, event.end, event.props["recurrence"])
        body = canonical_properties(patch_json)
        apply_patch(event, body, owner, self.now())
        user.settle_patch(event, before)
        if "start" in body or "end" in body:
            moved(user, event.id)
        return render_event(event, owner, UTC_ZONE)

    def instances(
        self, user_id: str, master_id: str, start: datetime, end: datetime
    ) -> list[dict[str, Any]]:
        """The occurrences and exceptions of a series that overlap [start, end), soonest first,
        as `GET .../events/{id}/instances` lists them (times in UTC). KeyError for an unknown
        master."""
        user = self._directory.provision(user_id)
        owner = self._directory.organizer(user)
        master = user.events[master_id]
        if master.props["recurrence"] is None:
            return []
        found = instances(master, user.series_of(master_id), start, end)
        return [render_event(event, owner, UTC_ZONE) for event in found]

    def cancel_event(self, user_id: str, event_id: str, comment: str | None = None) -> None:
        """The organizer cancels the meeting in Outlook: it leaves their calendar (an
        occurrence id: that occurrence only)."""
        user = self._directory.provision(user_id)
        user.cancel_event(event_id, comment, self.now())

    def cancelled_events(self, user_id: str) -> list[dict[str, Any]]:
        """Events their organizer cancelled, oldest first: `{"event", "comment",
        "cancelledDateTime"}`, the event as it last was (`isCancelled` true, times in UTC)."""
        user = self._directory.get(user_id)
        if user is None:
            return []
        owner = self._directory.organizer(user)
        return [
            {
                "event": render_event(entry.event, owner, UTC_ZONE),
                "comment": entry.comment,
                "cancelledDateTime": instant_text(entry.at),
            }
            for entry in user.cancelled
        ]

    def online_meetings(self, user_id: str) -> list[dict[str, Any]]:
        user = self._directory.get(user_id)
        return [dict(meeting) for meeting in user.meetings.values()] if user else []

    def stats(self) -> dict[str, int]:
        users = self._directory.users()
        return {
            "tokenRequests": self._token_requests,
            "requests": self._log.count(),
            "users": len(users),
            "events": sum(len(user.events) for user in users),
            "cancelledEvents": sum(len(user.cancelled) for user in users),
            "onlineMeetings": sum(len(user.meetings) for user in users),
        }

    def reset(self) -> None:
        """Forget users, data, the request log, the token count and the injected faults.

        Issued tokens stay valid: a running bot keeps its cached token across a reset.
        """
        self.faults.clear()
        self.places.reset()
        self._directory.clear()
        self._log.clear()
        self._token_requests = 0

    def _http_date(self) -> str:
        """Now as a `Date` header. It only changes once a second, so it is formatted once a
        second (email.utils.format_datetime was a few percent of a Graph request's CPU)."""
        second = self.now().astimezone(UTC).replace(microsecond=0)
        if second != self._date[0]:
            self._date = (second, format_datetime(second, usegmt=True))
        return self._date[1]

    def now(self) -> datetime:
        now = self.config.clock()
        return now if now.tzinfo else now.replace(tzinfo=UTC)

    def _build_app(self) -> web.Application:
        app = web.Application(middlewares=[self._observe])
        # The tenant's rooms first: the catch-all below serves only `/users/{id}` paths.
        app.router.add_routes(places_routes(self.places, self._authenticate))
        app.router.add_post(BATCH_PATH, self._batch)
        app.router.add_route("*", "/v1.0/{path:.*}", self._graph)
        app.router.add_get("/{tenant}/v2.0/.well-known/openid-configuration", self._discovery)
        app.router.add_post("/{tenant}/oauth2/v2.0/token", self._token)
        app.router.add_get("/{tenant}/discovery/v2.0/keys", self._keys)
        app.router.add_routes(admin_routes(self))
        app.on_shutdown.append(self._release_held)
        return app

    async def _release_held(self, _: web.Application) -> None:
        # Shutdown waits for requests in progress: a held answer would keep it waiting.
        self.faults.clear()

    @web.middleware
    async def _observe(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        if request.path.startswith("/_emulator/"):
            return await handler(request)
        try:
            return await self._observed(request, handler)
        except Dropped:
            # An injected dropped connection: no status, no request-id ever reaches the client.
            if request.transport is not None:
                request.transport.close()
            return web.Response(status=500)  # written nowhere: the transport is closed

    async def _observed(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        """Answer and record one request (one of a batch's too), with Graph's ids and Date."""
        ids = _request_ids(request)
        if request.path == BATCH_PATH:  # aiohttp clones a request only before its body is read
            request[_UNREAD] = request.clone()
        entry = self._log.begin(request, await body_of(request))
        try:
            response = await self._answer(request, handler, ids)
        except Dropped:
            entry.finish(0, None, request.get(_FAULT), request.get(_CALLER))
            raise
        response.headers["request-id"] = ids.request_id
        response.headers["client-request-id"] = ids.client_request_id
        response.headers["Date"] = self._http_date()
        entry.finish(response.status, ids.request_id, request.get(_FAULT), request.get(_CALLER))
        return response

    async def _answer(
        self,
        request: web.Request,
        handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
        ids: RequestIds,
    ) -> web.StreamResponse:
        try:
            return await handler(request)
        except GraphError as error:
            return graph_json(error_body(error, ids, self.now()), error.status, error.headers)
        except web.HTTPException as exc:
            return web.Response(status=exc.status, text=exc.text, headers=exc.headers)
        except Dropped:
            raise
        except Exception:
            log.exception("Graph emulator failed on %s %s", request.method, request.path)
            failure = GraphError(500, "UnknownError", "The Graph emulator failed; see its log.")
            return graph_json(error_body(failure, ids, self.now()), 500)

    async def _discovery(self, request: web.Request) -> web.Response:
        # Any tenant segment names the one emulated tenant, so `{url}/local` works as an
        # authority; the answer points msal at the configured tenant id.
        return web.json_response(openid_configuration(_base_url(request), self.config.tenant_id))

    async def _keys(self, _: web.Request) -> web.Response:
        # The `jwks_uri` of the discovery document: who checks a delegated token checks it here.
        return web.json_response({"keys": [self.signing_key.jwk()]})

    async def _token(self, request: web.Request) -> web.Response:
        form = {k: v for k, v in (await request.post()).items() if isinstance(v, str)}
        now = self.now()
        try:
            body = self._issuer.issue(form, request.headers.get("Authorization"), now)
        except AadError as error:
            return web.json_response(error.body(now), status=error.status)
        self._token_requests += 1
        return web.json_response(body, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})

    def _authenticate(self, request: web.Request) -> None:
        self._caller(request)

    def _caller(self, request: web.Request) -> IssuedToken:
        token = self._issuer.authenticate(request.headers.get("Authorization"), self.now())
        request[_CALLER] = token  # the request log says who called
        return token

    async def _graph(self, request: web.Request) -> web.StreamResponse:
        now = self.now()
        token = self._caller(request)
        # From the path, not the route's match: a request served from a batch has the batch's.
        segments = tuple(part for part in request.path.removeprefix("/v1.0").split("/") if part)
        segments = on_behalf_of(token, segments)
        route, params, handler = resolve(segments, request.method)
        check_mailbox_access(token, params["user"])
        user = self._directory.provision(params["user"])
        if route.outlook and not user.config.mailbox:
            raise mailbox_not_enabled()  # emulators.graph.quirks
        call = GraphCall(
            request=request,
            token=token,
            user=user,
            organizer=self._directory.organizer(user),
            params=params,
            segments=segments,
            now=now,
        )
        fault = self.faults.take(request.method, segments)
        if fault is None:
            return await self._handle(route, handler, call)
        request[_FAULT] = fault.label()
        if fault.quirk is not None:  # served, the way real Graph sometimes serves it
            return await self._handle(route, handler, replace(call, quirk=fault.quirk))
        with self.faults.serving():
            return await self._faulted(fault, lambda: self._handle(route, handler, call))

    async def _batch(self, request: web.Request) -> web.StreamResponse:
        """`POST /v1.0/$batch` (emulators.graph.batch): each request served and recorded as
        if it came alone, with the batch's token and its own headers."""
        self._caller(request)
        steps = parse_batch(await body_of(request))

        async def serve(step: Step) -> Answer:
            return await self._batched(request, step)

        async def answer() -> web.StreamResponse:
            return graph_json(await run_batch(steps, serve), 200)

        fault = self.faults.take("POST", ("$batch",))
        if fault is None or fault.quirk is not None:
            return await answer()
        request[_FAULT] = fault.label()
        with self.faults.serving():
            return await self._faulted(fault, answer)

    async def _batched(self, batch: web.Request, step: Step) -> Answer:
        """One request of a batch, served by the route it names."""
        headers = {**step.headers, "Authorization": batch.headers.get("Authorization", "")}
        request = batch[_UNREAD].clone(
            method=step.method, rel_url=f"/v1.0/{step.url}", headers=headers, host=batch.host
        )
        for key in (_FAULT, _CALLER, _UNREAD):  # the batch's, copied by clone()
            request.pop(key, None)
        if step.body is not None:
            request[BATCHED_BODY] = step.body
        handler = (await batch.app.router.resolve(request)).handler
        if handler == self._batch:
            raise GraphError(400, "BadRequest", "A batch cannot contain a batch.")
        response = await self._observed(request, handler)
        body = response.body if isinstance(response, web.Response) else None
        return Answer(
            response.status,
            {
                name: value
                for name, value in response.headers.items()
                if name not in ("Content-Length", "Date")
            },
            body if isinstance(body, bytes) else None,
            response.content_type,
        )

    async def _handle(self, route: Route, handler: Handler, call: GraphCall) -> web.StreamResponse:
        with self._mailbox_slot(route, call.user):
            if self.before_handle is not None:
                await self.before_handle(call.request)
            return await handler(call)

    async def _faulted(
        self, fault: FaultRule, serve: Callable[[], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        """Serve a request an injected fault fired on (the faults module says what each does)."""
        if fault.slow and fault.after:
            try:
                return await serve()
            finally:  # the answer, or Graph's error, is computed now and sent late
                await self.faults.hold(fault)
        if fault.slow:
            await self.faults.hold(fault)
            return await serve()
        if fault.after:
            # Whatever Graph would have said, the fault answers instead.
            with contextlib.suppress(GraphError):
                await serve()
        if fault.drop:
            raise Dropped
        raise fault.error()

    def _mailbox_slot(self, route: Route, user: UserState) -> _MailboxSlot:
        return _MailboxSlot(user, self.config.mailbox_concurrency if route.outlook else None)


class _MailboxSlot:
    """Holds one of a mailbox's concurrent-request slots (Outlook allows 4) while serving."""

    def __init__(self, user: UserState, limit: int | None) -> None:
        self._user = user
        self._limit = limit

    def __enter__(self) -> None:
        if self._limit is None:
            return
        if self._user.in_flight >= self._limit:
            raise GraphError(
                429,
                "ApplicationThrottled",
                "Application is over its MailboxConcurrency limit.",
                {"Retry-After": "1"},
            )
        self._user.in_flight += 1

    def __exit__(self, *_: object) -> None:
        if self._limit is not None:
            self._user.in_flight -= 1


def _request_ids(request: web.Request) -> RequestIds:
    request_id = str(uuid.uuid4())
    return RequestIds(request_id, request.headers.get("client-request-id") or request_id)


def _base_url(request: web.Request) -> str:
    return f"{request.scheme}://{request.host}"
